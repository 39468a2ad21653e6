package storage_test

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/storage"
)

// pattern is an endless reader of a repeating 64 KiB block: the test feeds
// hundreds of MiB without holding them.
type pattern struct{ off int }

var patternBlock = fill(99, 64<<10)

func (p *pattern) Read(b []byte) (int, error) {
	n := copy(b, patternBlock[p.off%len(patternBlock):])
	p.off += n
	return n, nil
}

// waitFor polls cond every few milliseconds for up to limit.
func waitFor(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestSweeperFreesAbandonedSession: 256 MiB left in a session nobody comes
// back to are freed once the TTL has passed, with no other call on the
// store: the sweeper notices on its own. Before the sweeper, expired
// sessions were freed only when a new upload started. Not parallel: it
// measures the heap.
func TestSweeperFreesAbandonedSession(t *testing.T) {
	const size = 256 << 20
	clock := newFakeClock()
	s := storage.New(storage.Options{Now: clock.Now, UploadTTL: 10 * time.Minute})
	id := startUpload(t, s, "o/app")
	if _, err := s.Append("o/app", id, io.LimitReader(&pattern{}, size), -1, 0); err != nil {
		t.Fatal(err)
	}
	held := heapInUse()
	if u := s.Usage(); u.Uploads != 1 || u.UploadBytes < size {
		t.Fatalf("Usage = %+v, want 1 upload holding at least %d bytes", u, size)
	}
	sw := s.StartSweeper(time.Millisecond)
	defer sw.Stop()

	clock.Advance(9 * time.Minute) // not yet expired: the session stays
	time.Sleep(50 * time.Millisecond)
	if u := s.Usage(); u.Uploads != 1 {
		t.Fatalf("before the TTL: Usage = %+v, want the session kept", u)
	}
	clock.Advance(time.Minute + time.Second)
	if !waitFor(10*time.Second, func() bool { u := s.Usage(); return u.Uploads == 0 && u.UploadBytes == 0 }) {
		t.Fatalf("after the TTL: Usage = %+v, want no upload and no bytes held", s.Usage())
	}
	freed := int64(held) - int64(heapInUse())
	t.Logf("heap in use fell by %d MiB", freed>>20)
	if freed < size*9/10 {
		t.Errorf("heap in use fell by %d MiB after the sweep, want about %d MiB", freed>>20, size>>20)
	}
	if _, err := s.UploadSize("o/app", id); !errors.Is(err, storage.ErrUploadUnknown) {
		t.Errorf("UploadSize of the swept session = %v, want ErrUploadUnknown", err)
	}
}

// TestSweeperStopLeavesNoGoroutine: Stop ends the sweeper's goroutine
// (and may be called twice). Not parallel: it counts goroutines.
func TestSweeperStopLeavesNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	s := storage.New(storage.Options{})
	sweepers := []*storage.Sweeper{s.StartSweeper(time.Millisecond), s.StartSweeper(0), s.StartSweeper(time.Hour)}
	if n := runtime.NumGoroutine(); n < before+len(sweepers) {
		t.Fatalf("%d goroutines with %d sweepers running, want at least %d", n, len(sweepers), before+len(sweepers))
	}
	for _, sw := range sweepers {
		sw.Stop()
		sw.Stop()
	}
	if !waitFor(5*time.Second, func() bool { return runtime.NumGoroutine() <= before }) {
		t.Errorf("%d goroutines after Stop, want %d as before", runtime.NumGoroutine(), before)
	}
}

// TestMaxUploads: beyond Options.MaxUploads open sessions StartUpload
// fails with ErrTooManyUploads; committed blobs stay; a committed or
// expired session makes room again.
func TestMaxUploads(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := storage.New(storage.Options{MaxUploads: 2, Now: clock.Now, UploadTTL: time.Minute})
	stored := putBlob(t, s, "o/app", []byte("stored"))
	a, b := startUpload(t, s, "o/app"), startUpload(t, s, "o/app")
	if _, err := s.StartUpload("o/app"); !errors.Is(err, storage.ErrTooManyUploads) {
		t.Fatalf("third StartUpload = %v, want ErrTooManyUploads", err)
	}
	if _, err := s.Open("o/app", stored); err != nil {
		t.Errorf("stored blob after the refusal: %v", err)
	}
	data := []byte("a's blob")
	if err := s.Commit("o/app", a, digestOf(data), bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	c := startUpload(t, s, "o/app") // a's commit made room
	if _, err := s.StartUpload("o/app"); !errors.Is(err, storage.ErrTooManyUploads) {
		t.Fatalf("StartUpload with b and c open = %v, want ErrTooManyUploads", err)
	}
	clock.Advance(2 * time.Minute) // b and c expire: the refusal sweeps first
	if _, err := s.StartUpload("o/app"); err != nil {
		t.Errorf("StartUpload after b and c expired = %v, want a session", err)
	}
	for _, id := range []string{b, c} {
		if _, err := s.UploadSize("o/app", id); !errors.Is(err, storage.ErrUploadUnknown) {
			t.Errorf("expired session: %v, want ErrUploadUnknown", err)
		}
	}
}

// TestMaxUploadBytes: an upload that would take the bytes held by uploads
// in progress past Options.MaxUploadBytes fails with ErrUploadsFull and is
// discarded, freeing what it held; other sessions and stored blobs are
// untouched, and uploads fit again afterwards.
func TestMaxUploadBytes(t *testing.T) {
	t.Parallel()
	const limit = 1 << 20
	for _, tt := range []struct {
		name string
		push func(s *storage.Store, data []byte) error
	}{
		{"chunked", func(s *storage.Store, data []byte) error {
			id, err := s.StartUpload("o/app")
			if err != nil {
				return err
			}
			if _, err := s.Append("o/app", id, bytes.NewReader(data), 0, 0); err != nil {
				if _, sizeErr := s.UploadSize("o/app", id); !errors.Is(sizeErr, storage.ErrUploadUnknown) {
					return errors.New("the session over the cap was kept")
				}
				return err
			}
			return s.Commit("o/app", id, digestOf(data), nil)
		}},
		{"final PUT", func(s *storage.Store, data []byte) error {
			id, err := s.StartUpload("o/app")
			if err != nil {
				return err
			}
			return s.Commit("o/app", id, digestOf(data), bytes.NewReader(data))
		}},
		{"monolithic", func(s *storage.Store, data []byte) error {
			return s.PutBlob("o/app", digestOf(data), bytes.NewReader(data))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := storage.New(storage.Options{MaxUploadBytes: limit})
			stored := putBlob(t, s, "o/app", fill(1, 600<<10)) // committed: not counted
			other := startUpload(t, s, "o/app")
			if _, err := s.Append("o/app", other, bytes.NewReader(fill(2, 300<<10)), -1, 0); err != nil {
				t.Fatal(err)
			}
			before := s.Usage().UploadBytes

			err := tt.push(s, fill(3, 900<<10))
			if !errors.Is(err, storage.ErrUploadsFull) {
				t.Fatalf("push over the cap = %v, want ErrUploadsFull", err)
			}
			if got := s.Usage().UploadBytes; got != before {
				t.Errorf("bytes held after the refusal = %d, want %d as before", got, before)
			}
			if _, err := s.Open("o/app", stored); err != nil {
				t.Errorf("stored blob after the refusal: %v", err)
			}
			if n, err := s.UploadSize("o/app", other); err != nil || n != 300<<10 {
				t.Errorf("other session after the refusal: %d bytes, %v", n, err)
			}
			if err := tt.push(s, fill(4, 500<<10)); err != nil {
				t.Errorf("push that fits = %v", err)
			}
			if err := s.Commit("o/app", other, digestOf(fill(2, 300<<10)), nil); err != nil {
				t.Errorf("committing the other session: %v", err)
			}
			if got := s.Usage().UploadBytes; got != 0 {
				t.Errorf("bytes held with no upload in progress = %d, want 0", got)
			}
		})
	}
}

// TestUploadBytesAccounting: every way an upload ends gives its bytes back.
func TestUploadBytesAccounting(t *testing.T) {
	t.Parallel()
	s := storage.New(storage.Options{MaxBlobSize: 1 << 20})
	data := fill(5, 200<<10)
	// Committed, with a mismatching digest, over the chunk cap (rolled
	// back), over the blob cap, monolithic with a wrong digest.
	id := startUpload(t, s, "o/app")
	if _, err := s.Append("o/app", id, bytes.NewReader(data), 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit("o/app", id, digestOf(data), nil); err != nil {
		t.Fatal(err)
	}
	id = startUpload(t, s, "o/app")
	if err := s.Commit("o/app", id, digestOf([]byte("other")), bytes.NewReader(data)); !errors.Is(err, storage.ErrDigestMismatch) {
		t.Fatalf("Commit = %v, want ErrDigestMismatch", err)
	}
	id = startUpload(t, s, "o/app")
	if _, err := s.Append("o/app", id, bytes.NewReader(data), 0, 100<<10); !errors.Is(err, storage.ErrChunkTooLarge) {
		t.Fatalf("Append = %v, want ErrChunkTooLarge", err)
	}
	if got := s.Usage().UploadBytes; got > 128<<10 {
		t.Errorf("after a rolled back chunk: %d bytes held, want the first chunks only", got)
	}
	if _, err := s.Append("o/app", id, io.LimitReader(&pattern{}, 2<<20), 0, 0); !errors.Is(err, storage.ErrBlobTooLarge) {
		t.Fatalf("Append = %v, want ErrBlobTooLarge", err)
	}
	if err := s.PutBlob("o/app", digestOf([]byte("x")), bytes.NewReader(data)); !errors.Is(err, storage.ErrDigestMismatch) {
		t.Fatalf("PutBlob = %v, want ErrDigestMismatch", err)
	}
	if err := s.PutBlob("o/app", digestOf([]byte("x")), io.LimitReader(&pattern{}, 2<<20)); !errors.Is(err, storage.ErrBlobTooLarge) {
		t.Fatalf("PutBlob = %v, want ErrBlobTooLarge", err)
	}
	if u := s.Usage(); u.UploadBytes != 0 || u.Uploads != 0 {
		t.Errorf("Usage = %+v, want no upload and no byte held", u)
	}
}
