package storage_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/storage"
)

// floodManifest is an OCI image manifest with n distinct layers that no
// repository has, each descriptor as short as the format allows: 49,300 of
// them fit just under 4 MiB, the default manifest size cap.
func floodManifest(n int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"schemaVersion":2,"mediaType":%q,"config":{"digest":%q},"layers":[`, ociManifest, digestOf([]byte("config")))
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"digest":"sha256:%064x"}`, i)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// The flood of the issue: 49,300 layers, just under 4 MiB.
const floodLayers = 49_300

func TestFloodManifestFitsTheSizeCap(t *testing.T) {
	t.Parallel()
	if n := len(floodManifest(floodLayers)); n >= storage.DefaultMaxManifestSize {
		t.Fatalf("flood manifest is %d bytes, want under %d", n, storage.DefaultMaxManifestSize)
	}
}

// TestPutManifestCapsDescriptors: a manifest naming more descriptors than
// Options.MaxManifestDescriptors is refused as invalid (MANIFEST_INVALID on
// the wire) with a message naming the cap, before any lookup.
func TestPutManifestCapsDescriptors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		max     int
		layers  int
		wantCap bool
	}{
		{"default cap, the flood", 0, floodLayers, true},
		{"default cap, at the cap", 0, storage.DefaultMaxManifestDescriptors - 1, false}, // + the config
		{"small cap, over", 3, 3, true},
		{"small cap, at", 3, 2, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := storage.New(storage.Options{MaxManifestDescriptors: tt.max})
			_, err := s.PutManifest("o/app", "v1", ociManifest, floodManifest(tt.layers))
			if got := errors.Is(err, storage.ErrManifestInvalid); got != tt.wantCap {
				t.Fatalf("PutManifest(%d layers) = %.200v; want ErrManifestInvalid: %v", tt.layers, err, tt.wantCap)
			}
			if tt.wantCap && !strings.Contains(err.Error(), "descriptors") {
				t.Errorf("error %q does not say the descriptors are over the cap", err)
			}
			if !tt.wantCap && !errors.Is(err, storage.ErrManifestBlobUnknown) {
				t.Errorf("PutManifest = %.200v, want the missing blobs listed", err)
			}
		})
	}
}

// TestMissingBlobsListedOnceInOrder: the missing-blob check lists each
// missing digest once, in the order the manifest names them, however many
// times it is named.
func TestMissingBlobsListedOnceInOrder(t *testing.T) {
	t.Parallel()
	s := storage.New(storage.Options{})
	have := putBlob(t, s, "o/app", []byte("have"))
	a, b := digestOf([]byte("a")), digestOf([]byte("b"))
	_, err := s.PutManifest("o/app", "v1", ociManifest, imageManifest(b, a, have, b, a, a))
	var unknown *storage.BlobUnknownError
	if !errors.As(err, &unknown) {
		t.Fatalf("PutManifest = %v, want *BlobUnknownError", err)
	}
	if got := fmt.Sprint(unknown.Digests); got != fmt.Sprint([]storage.Digest{b, a}) {
		t.Errorf("missing = %s, want [%s %s]", got, b, a)
	}
}

// TestFloodManifestDoesNotStallReads: while manifests of 49,300 missing
// layers are checked, one after the other, reads of the same store are
// answered within 100 ms (the median: parsing 4 MiB of JSON takes CPU from
// them, and on a shared machine under the race detector a goroutine can
// lose its CPU for longer). The check used to be quadratic and ran under
// the store's write lock: 13 s per manifest, every read waiting for it. A
// bound on concurrency, not a timing: the figures come from
// BenchmarkPutFloodManifest.
func TestFloodManifestDoesNotStallReads(t *testing.T) {
	t.Parallel()
	s := storage.New(storage.Options{MaxManifestDescriptors: 100_000})
	pulled := putBlob(t, s, "o/app", fill(1, 4<<10))
	body := floodManifest(floodLayers)

	const rounds = 3
	var wg sync.WaitGroup
	checked := make(chan struct{})
	wg.Go(func() {
		defer close(checked)
		for range rounds {
			var unknown *storage.BlobUnknownError
			if _, err := s.PutManifest("o/app", "flood", ociManifest, body); !errors.As(err, &unknown) || len(unknown.Digests) != floodLayers+1 {
				t.Errorf("PutManifest(flood) = %.200v, want %d missing digests", err, floodLayers+1)
				return
			}
		}
	})
	var took []time.Duration
	deadline := time.After(time.Minute) // bounded even if the check is slow
loop:
	for {
		select {
		case <-checked:
			break loop
		case <-deadline:
			break loop
		case <-time.After(time.Millisecond):
		}
		start := time.Now()
		b, err := s.Open("o/app", pulled)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		var buf bytes.Buffer
		if _, err := b.NewReader().WriteTo(&buf); err != nil || buf.Len() != 4<<10 {
			t.Fatalf("read %d bytes, %v", buf.Len(), err)
		}
		took = append(took, time.Since(start))
	}
	wg.Wait()
	slices.Sort(took)
	if len(took) < 20 {
		t.Fatalf("only %d reads during %d flood checks (slowest %v): reads were held up", len(took), rounds, took[len(took)-1])
	}
	p50, p99 := took[len(took)/2], took[len(took)*99/100]
	t.Logf("%d reads during %d flood checks: median %v, p99 %v, slowest %v", len(took), rounds, p50, p99, took[len(took)-1])
	if p50 >= 100*time.Millisecond {
		t.Errorf("median read took %v while a flood manifest was checked, want < 100ms", p50)
	}
}

// BenchmarkPutFloodManifest is the time to refuse the flood manifest: by
// the descriptor cap (the default), and, with the cap raised, after the
// missing-blob check lists all 49,301 digests.
func BenchmarkPutFloodManifest(b *testing.B) {
	body := floodManifest(floodLayers)
	for _, bc := range []struct {
		name string
		max  int
		want error
	}{
		{"default-cap", 0, storage.ErrManifestInvalid},
		{"check-all", 100_000, storage.ErrManifestBlobUnknown},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := storage.New(storage.Options{MaxManifestDescriptors: bc.max})
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := s.PutManifest("o/app", "flood", ociManifest, body); !errors.Is(err, bc.want) {
					b.Fatal(err)
				}
			}
		})
	}
}
