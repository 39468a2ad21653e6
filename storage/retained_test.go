package storage_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/storage"
)

// The store keeps copies of the names, tags and digests it is given (issue
// 19, "retained bytes, not counted bytes"). Each call here passes strings
// that are slices of a fresh 1 MB line, as fields parsed out of a request
// line are; kept as they are, a thousand calls would keep a gigabyte. The
// live heap after runtime.GC must stay within twice what Usage says the
// store holds (content and IndexBytes).
//
// Under -race the tests make 100 calls (the race detector makes each
// slower); still 100 MB for a leak to keep.
const lineSize = 1 << 20

func callCount() int {
	if raceEnabled {
		return 100
	}
	return 1000
}

// line returns a fresh lineSize string starting with prefix, and prefix
// as a slice of it.
func line(prefix string) (string, string) {
	s := prefix + strings.Repeat(" ", lineSize-len(prefix))
	return s, s[:len(prefix)]
}

func heapNow() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// held is what Usage says the store holds.
func held(s *storage.Store) int64 {
	u := s.Usage()
	return u.BlobBytes + u.ManifestBytes + u.IndexBytes + u.UploadBytes
}

// checkHeld runs step calls times and fails when the live heap grows by
// more than twice what the store says it holds (plus 64 KiB for the
// test's own bookkeeping), checking every 100 calls.
func checkHeld(t *testing.T, s *storage.Store, step func(i int)) {
	t.Helper()
	if testing.Short() {
		t.Skip("allocates 1,000 lines of 1 MB; skipped with -short")
	}
	base := heapNow()
	calls := callCount()
	for i := range calls {
		step(i)
		if (i+1)%100 == 0 {
			growth, budget := heapNow()-base, held(s)+64<<10
			if growth > 2*budget {
				t.Fatalf("after %d calls with 1 MB lines: live heap grew by %.1f MiB, Usage says %.2f MiB held", i+1,
					float64(growth)/(1<<20), float64(budget)/(1<<20))
			}
		}
	}
	runtime.KeepAlive(s)
	t.Logf("%d calls: live heap grew by %.2f MiB; Usage: %+v", calls, float64(heapNow()-base)/(1<<20), s.Usage())
}

// TestRetainedRepositoryNamesAndTags: names and tags are copies, and
// Usage counts them.
func TestRetainedRepositoryNamesAndTags(t *testing.T) {
	s := storage.New(storage.Options{})
	body := []byte(`{"mediaType":"application/vnd.fakeghcr.test.v1+json"}`)
	checkHeld(t, s, func(i int) {
		_, repo := line(fmt.Sprintf("acme/r%d", i%100))
		_, tag := line(fmt.Sprintf("t%d", i))
		if _, err := s.PutManifest(repo, tag, "application/vnd.fakeghcr.test.v1+json", body); err != nil {
			t.Fatal(err)
		}
	})
	if u, calls := s.Usage(), callCount(); u.Repositories != 100 || u.Tags != calls || u.Manifests != 100 || u.ManifestBytes != int64(100*len(body)) {
		t.Errorf("Usage = %+v, want 100 repositories, %d tags, 100 manifests of %d bytes", u, calls, len(body))
	}
}

// TestRetainedDigestsAndMounts: a blob is kept under its own digest, also
// when the request's digest (a slice of the line) is the map key a mount
// would use.
func TestRetainedDigestsAndMounts(t *testing.T) {
	s := storage.New(storage.Options{})
	checkHeld(t, s, func(i int) {
		b := []byte(fmt.Sprintf("blob %d", i))
		want := digestOf(b)
		_, hexPart := line(want.Hex)
		d := storage.Digest{Algorithm: "sha256", Hex: hexPart}
		if err := s.PutBlob("acme/src", d, bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
		_, to := line(fmt.Sprintf("acme/to%d", i%10))
		if !s.Mount(to, "acme/src", d) {
			t.Fatalf("mount %d failed", i)
		}
	})
}

// TestRetainedUploadSessions: an open session keeps a copy of its
// repository's and holder's names.
func TestRetainedUploadSessions(t *testing.T) {
	s := storage.New(storage.Options{MaxUploads: callCount(), MaxUploadsPerHolder: callCount()})
	checkHeld(t, s, func(i int) {
		_, repo := line("acme/api")
		_, holder := line(fmt.Sprintf("cred%d", i%3))
		if _, err := s.StartUploadFor(repo, holder); err != nil {
			t.Fatal(err)
		}
	})
}

// TestMaxUploadsPerHolder: one holder's sessions stop at its limit while
// another holder still gets one, and the global limit still holds.
func TestMaxUploadsPerHolder(t *testing.T) {
	t.Parallel()
	s := storage.New(storage.Options{MaxUploads: 5, MaxUploadsPerHolder: 3})
	for i := range 3 {
		if _, err := s.StartUploadFor("acme/api", "flood"); err != nil {
			t.Fatalf("flood session %d: %v", i, err)
		}
	}
	if _, err := s.StartUploadFor("acme/api", "flood"); !errors.Is(err, storage.ErrTooManyUploads) || !strings.Contains(err.Error(), "per credential") {
		t.Fatalf("4th flood session: %v, want ErrTooManyUploads naming the per-credential limit", err)
	}
	id, err := s.StartUploadFor("acme/api", "other")
	if err != nil {
		t.Fatalf("another holder after the flood: %v", err)
	}
	if _, err := s.StartUploadFor("acme/web", "third"); err != nil {
		t.Fatalf("5th session overall: %v", err)
	}
	if _, err := s.StartUploadFor("acme/web", "fourth"); !errors.Is(err, storage.ErrTooManyUploads) || strings.Contains(err.Error(), "per credential") {
		t.Fatalf("6th session overall: %v, want the global limit", err)
	}
	// Ending a session gives its holder room again.
	if err := s.Commit("acme/api", id, digestOf(nil), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartUploadFor("acme/api", "other"); err != nil {
		t.Fatalf("after a commit: %v", err)
	}
}

// TestErrorsQuoteLongValuesOnce: an error names a long bad value once,
// cut short, so an answer built from it stays small.
func TestErrorsQuoteLongValuesOnce(t *testing.T) {
	t.Parallel()
	long := "sha256:" + strings.Repeat("e", 1<<20)
	_, err := storage.ParseDigest(long)
	if !errors.Is(err, storage.ErrDigestInvalid) || len(err.Error()) > 400 {
		t.Errorf("ParseDigest(1 MB): %d-byte error %.200q, want ErrDigestInvalid under 400 bytes", len(err.Error()), err)
	}
	s := storage.New(storage.Options{})
	for name, body := range map[string]string{
		"config digest": `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"` + long + `"}}`,
		"number":        `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":` + strings.Repeat("1", 1<<20) + `}`,
		"media type":    `{"mediaType":"application/vnd.oci.image.manifest.v1+json` + strings.Repeat("x", 1<<20) + `"}`,
	} {
		_, err := s.PutManifest("acme/api", "latest", "application/vnd.oci.image.manifest.v1+json", []byte(body))
		if !errors.Is(err, storage.ErrManifestInvalid) || len(err.Error()) > 2048 {
			t.Errorf("%s: %d-byte error %.200q, want ErrManifestInvalid under 2 KiB", name, len(err.Error()), err)
		}
	}
}
