package storage_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/storage"
)

// streamReader yields n deterministic bytes without allocating, like a
// request body.
type streamReader struct {
	src    []byte
	off, n int64
}

func newStreamReader(src []byte, n int64) *streamReader { return &streamReader{src: src, n: n} }

func (r *streamReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n-r.off)]
	n := 0
	for n < len(p) {
		n += copy(p[n:], r.src[(r.off+int64(n))%int64(len(r.src)):])
	}
	r.off += int64(n)
	return n, nil
}

// streamDigest is the digest of what newStreamReader(src, n) yields.
func streamDigest(src []byte, n int64) storage.Digest {
	h := sha256.New()
	if _, err := io.Copy(h, newStreamReader(src, n)); err != nil {
		panic(err)
	}
	return storage.Digest{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
}

// heapObjects returns the bytes in live (and not yet swept) heap objects.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// peakSampler records the highest heapObjects seen until stopped.
type peakSampler struct {
	stop chan struct{}
	wg   sync.WaitGroup
	peak uint64
}

func startPeakSampler() *peakSampler {
	p := &peakSampler{stop: make(chan struct{}), peak: heapObjects()}
	p.wg.Go(func() {
		tick := time.NewTicker(200 * time.Microsecond)
		defer tick.Stop()
		for {
			p.peak = max(p.peak, heapObjects())
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
		}
	})
	return p
}

// Stop returns the peak, including a final sample.
func (p *peakSampler) Stop() uint64 {
	close(p.stop)
	p.wg.Wait()
	return max(p.peak, heapObjects())
}

// BenchmarkPush256MiB streams a 256 MiB blob into the store and reports the
// peak growth during the push: of the Go heap (peak-MiB, and peak-x as a
// multiple of the blob's size) and, on Linux, of the process's resident set
// in the first push (rss-MiB, from VmHWM). "streamed" is docker's way, one streamed PATCH then
// a PUT without body; "chunked" sends 4 MiB ranged PATCHes capped at 4 MiB,
// as GHCR requires of chunked clients.
func BenchmarkPush256MiB(b *testing.B) {
	const size = 256 << 20
	src := make([]byte, 1<<20+13) // odd length: reads end mid-chunk
	for i := range src {
		src[i] = byte(rand.Uint32())
	}
	d := streamDigest(src, size)
	pushes := []struct {
		name string
		push func(s *storage.Store, id string) error
	}{
		{"streamed", func(s *storage.Store, id string) error {
			_, err := s.Append("o/app", id, newStreamReader(src, size), -1, 0)
			return err
		}},
		{"chunked", func(s *storage.Store, id string) error {
			body := newStreamReader(src, size)
			for off := int64(0); off < size; off += 4 << 20 {
				if _, err := s.Append("o/app", id, io.LimitReader(body, 4<<20), off, 4<<20); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, p := range pushes {
		b.Run(p.name, func(b *testing.B) {
			b.SetBytes(size)
			var heapPeak, rssPeak uint64
			first := true
			for b.Loop() {
				b.StopTimer()
				var rssBase uint64
				if first {
					// Measure RSS once: returning memory to the OS makes
					// the next allocations slow on some VMs.
					debug.FreeOSMemory()
					rssBase = resetPeakRSS()
				} else {
					runtime.GC()
				}
				base := heapObjects()
				sampler := startPeakSampler()
				b.StartTimer()

				s := storage.New(storage.Options{})
				id := startUpload(b, s, "o/app")
				if err := p.push(s, id); err != nil {
					b.Fatal(err)
				}
				if err := s.Commit("o/app", id, d, nil); err != nil {
					b.Fatal(err)
				}

				b.StopTimer()
				heapPeak = max(heapPeak, sampler.Stop()-base)
				if rss := peakRSS(); first && rssBase > 0 && rss > rssBase {
					rssPeak = rss - rssBase
				}
				first = false
				runtime.KeepAlive(s)
				b.StartTimer()
			}
			b.ReportMetric(float64(heapPeak)/(1<<20), "peak-MiB")
			b.ReportMetric(float64(heapPeak)/size, "peak-x")
			if rssPeak > 0 {
				b.ReportMetric(float64(rssPeak)/(1<<20), "rss-MiB")
			}
		})
	}
}

// resetPeakRSS resets the kernel's peak-RSS mark (Linux only) and returns
// the current RSS in bytes, or 0 where that is not possible.
func resetPeakRSS() uint64 {
	if os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) != nil {
		return 0
	}
	return procStatus("VmRSS:")
}

// peakRSS returns the peak RSS in bytes since resetPeakRSS, or 0.
func peakRSS() uint64 { return procStatus("VmHWM:") }

// procStatus reads a kB field of /proc/self/status.
func procStatus(field string) uint64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// gc collects twice, so that recycled chunks sitting in a sync.Pool are
// freed too.
func gc() {
	runtime.GC()
	runtime.GC()
}

// residentRatio pushes blobs of the given sizes into one store and returns
// the live heap it holds afterwards divided by the bytes stored.
func residentRatio(b *testing.B, sizes []int) float64 {
	src := make([]byte, 1<<20+13)
	for i := range src {
		src[i] = byte(rand.Uint32())
	}
	gc()
	base := heapObjects()
	s := storage.New(storage.Options{})
	var stored int64
	for i, n := range sizes {
		if n < 8 {
			b.Fatalf("blob size %d is too small to make distinct", n)
		}
		binary.LittleEndian.PutUint64(src, uint64(i)) // every blob differs
		if err := s.PutBlob("o/app", streamDigest(src, int64(n)), newStreamReader(src, int64(n))); err != nil {
			b.Fatal(err)
		}
		stored += int64(n)
	}
	gc()
	held := heapObjects() - base
	runtime.KeepAlive(s)
	runtime.KeepAlive(src) // live at base too
	return float64(held) / float64(stored)
}

// BenchmarkSmallBlobs pushes 4 KiB blobs with PutBlob and reports the heap
// held per byte stored (resident-x) for 10,000 of them.
func BenchmarkSmallBlobs(b *testing.B) {
	const size = 4 << 10
	src := make([]byte, size)
	for i := range src {
		src[i] = byte(rand.Uint32())
	}
	s := storage.New(storage.Options{})
	b.SetBytes(size)
	i := 0
	for b.Loop() {
		i++
		binary.LittleEndian.PutUint64(src, uint64(i))
		if err := s.PutBlob("o/app", digestOf(src), newStreamReader(src, size)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	sizes := make([]int, 10_000)
	for i := range sizes {
		sizes[i] = size
	}
	b.ReportMetric(residentRatio(b, sizes), "resident-x")
}

// BenchmarkResidentMixed stores 1 GiB of blobs of random sizes from 1 KiB
// to 64 MiB and reports the heap held per byte stored (resident-x).
func BenchmarkResidentMixed(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	var sizes []int
	for total := 0; total < 1<<30; {
		// Log-uniform sizes, so small and large blobs both matter.
		n := int(float64(1<<10) * float64(uint64(1)<<rng.IntN(17)) * (1 + rng.Float64()))
		sizes = append(sizes, n)
		total += n
	}
	var ratio float64
	for b.Loop() {
		ratio = residentRatio(b, sizes)
	}
	b.ReportMetric(ratio, "resident-x")
}
