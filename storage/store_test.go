package storage_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/storage"
	"github.com/google/go-cmp/cmp"
)

func TestBlobsAreRepositoryScopedAndStoredOnce(t *testing.T) {
	t.Parallel()
	s := storage.New(storage.Options{})
	data := fill(20, 70<<10)
	d := putBlob(t, s, "o/a", data)
	putBlob(t, s, "o/b", data) // pushed again elsewhere: linked, not stored twice
	other := putBlob(t, s, "o/c", fill(21, 10))

	if blobs, n, _ := s.Stats(); blobs != 2 || n != int64(len(data))+10 {
		t.Errorf("Stats = %d blobs, %d bytes; want 2, %d", blobs, n, len(data)+10)
	}
	ba, errA := s.Open("o/a", d)
	bb, errB := s.Open("o/b", d)
	if errA != nil || errB != nil || ba != bb {
		t.Errorf("Open in both repositories: %v, %v, same blob %v", errA, errB, ba == bb)
	}
	tests := []struct {
		repo string
		d    storage.Digest
		want bool
	}{
		{"o/a", d, true},
		{"o/b", d, true},
		{"o/c", d, false},
		{"o/a", other, false},
		{"o/none", d, false},
	}
	for _, tt := range tests {
		size, ok := s.Stat(tt.repo, tt.d)
		if ok != tt.want || (ok && size != int64(len(data))) {
			t.Errorf("Stat(%s, %.15s) = %d, %v; want %v", tt.repo, tt.d, size, ok, tt.want)
		}
		if _, err := s.Open(tt.repo, tt.d); tt.want != (err == nil) || (err != nil && !errors.Is(err, storage.ErrBlobUnknown)) {
			t.Errorf("Open(%s, %.15s): %v", tt.repo, tt.d, err)
		}
	}
	if diff := cmp.Diff([]string{"o/a", "o/b", "o/c"}, s.Repositories()); diff != "" {
		t.Errorf("Repositories (-want +got):\n%s", diff)
	}
}

func TestMount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		to, from string
		want     bool
	}{
		{"from a repository that has it", "o/new", "o/src", true},
		{"from a repository that lacks it", "o/new", "o/empty", false},
		{"from no repository", "o/new", "o/none", false},
		{"without from, target lacks it", "o/new", "", false},
		{"without from, target has it", "o/src", "", true},
		{"from itself", "o/src", "o/src", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := storage.New(storage.Options{})
			d := putBlob(t, s, "o/src", []byte("layer"))
			putBlob(t, s, "o/empty", []byte("other"))
			if got := s.Mount(tt.to, tt.from, d); got != tt.want {
				t.Fatalf("Mount(%q, %q) = %v, want %v", tt.to, tt.from, got, tt.want)
			}
			if _, ok := s.Stat(tt.to, d); ok != tt.want {
				t.Errorf("Stat in %s after Mount = %v", tt.to, ok)
			}
			if !tt.want && tt.to == "o/new" && s.RepositoryExists("o/new") {
				t.Error("a failed Mount created the repository")
			}
		})
	}
}

// signalReader closes first when Read is first called.
type signalReader struct {
	r     io.Reader
	first chan struct{}
	once  sync.Once
}

func (r *signalReader) Read(p []byte) (int, error) {
	r.once.Do(func() { close(r.first) })
	return r.r.Read(p)
}

// TestSlowUploadDoesNotBlockOthers holds one upload's body open forever and
// checks that everything else, in that repository and others, completes.
func TestSlowUploadDoesNotBlockOthers(t *testing.T) {
	t.Parallel()
	s := storage.New(storage.Options{})
	slowBody, slowWriter := io.Pipe()
	slow := startUpload(t, s, "o/slow")
	if _, err := s.Append("o/slow", slow, bytes.NewReader([]byte("first")), 0, 0); err != nil {
		t.Fatal(err)
	}
	stuck := make(chan error, 1)
	reading := make(chan struct{})
	go func() {
		body := io.MultiReader(bytes.NewReader([]byte("more")), &signalReader{r: slowBody, first: reading})
		_, err := s.Append("o/slow", slow, body, -1, 0)
		stuck <- err
	}()
	select { // wait until the slow Append is blocked reading its body
	case <-reading:
	case <-time.After(5 * time.Second):
		t.Fatal("the slow Append did not start reading")
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		data := fill(30, 1<<20)
		d := digestOf(data)
		id := startUpload(t, s, "o/fast")
		if _, err := s.Append("o/fast", id, bytes.NewReader(data[:1000]), 0, 4<<20); err != nil {
			t.Error(err)
		}
		if err := s.Commit("o/fast", id, d, bytes.NewReader(data[1000:])); err != nil {
			t.Error(err)
		}
		config := digestOf([]byte("{}"))
		if err := s.PutBlob("o/fast", config, bytes.NewReader([]byte("{}"))); err != nil {
			t.Error(err)
		}
		if _, err := s.PutManifest("o/fast", "v1", ociManifest, imageManifest(config, d)); err != nil {
			t.Error(err)
		}
		if _, err := s.Manifest("o/fast", "v1"); err != nil {
			t.Error(err)
		}
		if b, err := s.Open("o/fast", d); err != nil || b.Size() != int64(len(data)) {
			t.Error(err)
		}
		// The slow upload's own repository and session stay usable too.
		if err := s.PutBlob("o/slow", digestOf([]byte("layer")), bytes.NewReader([]byte("layer"))); err != nil {
			t.Error(err)
		}
		if n, err := s.UploadSize("o/slow", slow); n != 5 || err != nil {
			t.Errorf("UploadSize of the slow session = %d, %v", n, err)
		}
		if !s.Mount("o/slow", "o/fast", d) {
			t.Error("Mount into the slow repository failed")
		}
		if _, err := s.Tags("o/fast"); err != nil {
			t.Error(err)
		}
		s.Sweep()
		s.Stats()
		s.Repositories()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("operations were blocked by a slow upload")
	}

	// The client goes away: the slow Append fails and keeps what it read.
	slowWriter.CloseWithError(errors.New("client went away"))
	if err := <-stuck; err == nil {
		t.Fatal("the slow Append succeeded")
	}
	if err := s.Commit("o/slow", slow, digestOf([]byte("firstmore")), nil); err != nil {
		t.Fatalf("Commit of the interrupted session: %v", err)
	}
}

// TestConcurrentUse runs every operation from many goroutines; run it with
// -race.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	s := storage.New(storage.Options{})
	const workers, rounds = 8, 20
	shared := fill(99, 10<<10)
	sharedDigest := digestOf(shared)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			repo := fmt.Sprintf("o/r%d", w%3) // repositories shared between workers
			for i := range rounds {
				data := fill(w*1000+i, 1000+i*997)
				d := digestOf(data)
				id := startUpload(t, s, repo)
				if _, err := s.Append(repo, id, bytes.NewReader(data[:500]), 0, 4<<20); err != nil {
					t.Error(err)
					return
				}
				if err := s.Commit(repo, id, d, bytes.NewReader(data[500:])); err != nil {
					t.Error(err)
					return
				}
				if err := s.PutBlob(repo, sharedDigest, bytes.NewReader(shared)); err != nil {
					t.Error(err)
					return
				}
				tag := fmt.Sprintf("w%d-%d", w, i)
				md, err := s.PutManifest(repo, tag, ociManifest, imageManifest(sharedDigest, d))
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := s.PutManifest(repo, "latest", ociManifest, imageManifest(sharedDigest, d)); err != nil {
					t.Error(err)
				}
				if m, err := s.Manifest(repo, tag); err != nil || m.Digest != md {
					t.Errorf("Manifest(%s): %v", tag, err)
				}
				b, err := s.Open(repo, d)
				if err != nil {
					t.Error(err)
					return
				}
				var buf bytes.Buffer
				if _, err := io.Copy(&buf, b.NewReader()); err != nil || !bytes.Equal(buf.Bytes(), data) {
					t.Errorf("blob %s reads back wrong: %v", d, err)
				}
				s.Mount(fmt.Sprintf("o/m%d", w), repo, d)
				s.Tags(repo)
				s.Stats()
				s.Sweep()
				s.Repositories()
			}
		})
	}
	wg.Wait()
	if blobs, _, uploads := s.Stats(); blobs != workers*rounds+1 || uploads != 0 {
		t.Errorf("Stats = %d blobs, %d uploads; want %d, 0", blobs, uploads, workers*rounds+1)
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    storage.Options
		wantErr string // a substring naming the field; "" for none
	}{
		{"zero", storage.Options{}, ""},
		{"set", storage.Options{UploadTTL: time.Second, MaxBlobSize: 1, MaxManifestSize: 1}, ""},
		{"negative TTL", storage.Options{UploadTTL: -time.Second}, "UploadTTL"},
		{"negative blob size", storage.Options{MaxBlobSize: -1}, "MaxBlobSize"},
		{"negative manifest size", storage.Options{MaxManifestSize: -1}, "MaxManifestSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.opts.Validate()
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Validate() = %v, want an error naming %q", err, tt.wantErr)
			}
		})
	}
}

func TestHolders(t *testing.T) {
	t.Parallel()
	s := storage.New(storage.Options{})
	blob := []byte("held twice")
	d := digestOf(blob)
	for _, repo := range []string{"o/b", "o/a"} {
		if err := s.PutBlob(repo, d, bytes.NewReader(blob)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutBlob("o/c", digestOf([]byte("other")), bytes.NewReader([]byte("other"))); err != nil {
		t.Fatal(err)
	}
	if got, want := s.Holders(d), []string{"o/a", "o/b"}; !slices.Equal(got, want) {
		t.Fatalf("Holders = %v, want %v", got, want)
	}
	if got := s.Holders(digestOf([]byte("nobody"))); len(got) != 0 {
		t.Fatalf("Holders of an unknown blob = %v, want none", got)
	}
}
