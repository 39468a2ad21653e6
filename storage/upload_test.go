package storage_test

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/fakeghcr/fakeghcr/storage"
)

func TestUploadChunkedThenCommit(t *testing.T) {
	t.Parallel()
	s := storage.New(storage.Options{})
	data := fill(1, 300<<10)
	id := startUpload(t, s, "o/app")
	if s.RepositoryExists("o/app") {
		t.Error("StartUpload created the repository")
	}
	var off int64
	for _, n := range []int64{100 << 10, 0, 150 << 10} {
		size, err := s.Append("o/app", id, bytes.NewReader(data[off:off+n]), off, 4<<20)
		off += n
		if err != nil || size != off {
			t.Fatalf("Append = %d, %v; want %d", size, err, off)
		}
		if got, err := s.UploadSize("o/app", id); got != off || err != nil {
			t.Fatalf("UploadSize = %d, %v; want %d", got, err, off)
		}
	}
	d := digestOf(data)
	if err := s.Commit("o/app", id, d, bytes.NewReader(data[off:])); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if size, ok := s.Stat("o/app", d); !ok || size != int64(len(data)) {
		t.Fatalf("Stat = %d, %v", size, ok)
	}
	b, err := s.Open("o/app", d)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(b.NewReader()); !bytes.Equal(got, data) || b.Digest() != d {
		t.Fatal("committed blob reads back different bytes")
	}
	if _, err := s.UploadSize("o/app", id); !errors.Is(err, storage.ErrUploadUnknown) {
		t.Errorf("UploadSize after Commit: %v, want ErrUploadUnknown", err)
	}
	if _, err := s.Append("o/app", id, bytes.NewReader(nil), -1, 0); !errors.Is(err, storage.ErrUploadUnknown) {
		t.Errorf("Append after Commit: %v, want ErrUploadUnknown", err)
	}
	if _, _, uploads := s.Stats(); uploads != 0 {
		t.Errorf("Stats: %d uploads after Commit", uploads)
	}
}

func TestAppendErrors(t *testing.T) {
	t.Parallel()
	const have = 10 // bytes already in the session
	tests := []struct {
		name     string
		repo, id string // "" means the session's own
		body     int
		offset   int64
		maxChunk int64
		maxBlob  int64
		wantErr  error
		wantSize int64 // UploadSize afterwards; -1: session gone
	}{
		{name: "streamed", body: 50, offset: -1, maxChunk: 5, wantSize: have + 50},
		{name: "ranged at the end", body: 5, offset: have, maxChunk: 5, wantSize: have + 5},
		{name: "range before the end", body: 5, offset: have - 1, wantErr: storage.ErrRangeInvalid, wantSize: have},
		{name: "range past the end", body: 5, offset: have + 1, wantErr: storage.ErrRangeInvalid, wantSize: have},
		{name: "chunk too large", body: 6, offset: have, maxChunk: 5, wantErr: storage.ErrChunkTooLarge, wantSize: have},
		{name: "huge chunk", body: 1 << 20, offset: have, maxChunk: 4096, wantErr: storage.ErrChunkTooLarge, wantSize: have},
		{name: "blob too large", body: 91, offset: -1, maxBlob: 100, wantErr: storage.ErrBlobTooLarge, wantSize: -1},
		{name: "blob at the limit", body: 90, offset: -1, maxBlob: 100, wantSize: 100},
		{name: "other repository", repo: "o/other", body: 1, offset: -1, wantErr: storage.ErrUploadUnknown, wantSize: have},
		{name: "unknown id", id: "nope", body: 1, offset: -1, wantErr: storage.ErrUploadUnknown, wantSize: have},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := storage.New(storage.Options{MaxBlobSize: tt.maxBlob})
			data := fill(2, have+tt.body)
			id := startUpload(t, s, "o/app")
			if _, err := s.Append("o/app", id, bytes.NewReader(data[:have]), 0, 0); err != nil {
				t.Fatal(err)
			}
			repo, useID := "o/app", id
			if tt.repo != "" {
				repo = tt.repo
			}
			if tt.id != "" {
				useID = tt.id
			}
			_, err := s.Append(repo, useID, bytes.NewReader(data[have:]), tt.offset, tt.maxChunk)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Append: %v, want %v", err, tt.wantErr)
			}
			size, err := s.UploadSize("o/app", id)
			if tt.wantSize < 0 {
				if !errors.Is(err, storage.ErrUploadUnknown) {
					t.Fatalf("UploadSize = %d, %v; want the session gone", size, err)
				}
				return
			}
			if err != nil || size != tt.wantSize {
				t.Fatalf("UploadSize = %d, %v; want %d", size, err, tt.wantSize)
			}
			// The session stays consistent: committing what it holds works.
			if err := s.Commit("o/app", id, digestOf(data[:size]), nil); err != nil {
				t.Fatalf("Commit after the failed Append: %v", err)
			}
		})
	}
}

func TestAppendReadErrorKeepsConsistentSession(t *testing.T) {
	t.Parallel()
	s := storage.New(storage.Options{})
	data := fill(3, 200<<10)
	id := startUpload(t, s, "o/app")
	boom := errors.New("connection reset")
	body := io.MultiReader(iotest.HalfReader(bytes.NewReader(data[:70<<10])), iotest.ErrReader(boom))
	size, err := s.Append("o/app", id, body, -1, 0)
	if !errors.Is(err, boom) || size != 70<<10 {
		t.Fatalf("Append = %d, %v; want %d, %v", size, err, 70<<10, boom)
	}
	// The client asks where to resume and sends the rest.
	at, err := s.UploadSize("o/app", id)
	if err != nil || at != 70<<10 {
		t.Fatalf("UploadSize = %d, %v", at, err)
	}
	if _, err := s.Append("o/app", id, bytes.NewReader(data[at:]), at, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit("o/app", id, digestOf(data), nil); err != nil {
		t.Fatalf("Commit after resuming: %v", err)
	}
	// A read error in Commit's body also keeps the session.
	id = startUpload(t, s, "o/app")
	err = s.Commit("o/app", id, digestOf(data), io.MultiReader(bytes.NewReader(data[:10]), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) {
		t.Fatalf("Commit = %v, want %v", err, boom)
	}
	if err := s.Commit("o/app", id, digestOf(data), bytes.NewReader(data[10:])); err != nil {
		t.Fatalf("Commit after a failed Commit: %v", err)
	}
}

func TestCommitErrors(t *testing.T) {
	t.Parallel()
	data := fill(4, 1000)
	sum512 := sha512.Sum512(data)
	good512 := storage.Digest{Algorithm: "sha512", Hex: hex.EncodeToString(sum512[:])}
	tests := []struct {
		name        string
		digest      storage.Digest
		maxBlob     int64
		wantErr     error
		wantSession bool // the session survives
	}{
		{name: "sha256", digest: digestOf(data)},
		{name: "sha512", digest: good512},
		{name: "mismatch", digest: digestOf([]byte("other")), wantErr: storage.ErrDigestMismatch},
		{name: "sha512 mismatch", digest: storage.Digest{Algorithm: "sha512", Hex: good512.Hex[:127] + "0"}, wantErr: storage.ErrDigestMismatch},
		{name: "malformed", digest: storage.Digest{Algorithm: "sha256", Hex: "abc"}, wantErr: storage.ErrDigestInvalid, wantSession: true},
		{name: "unknown algorithm", digest: storage.Digest{Algorithm: "md5", Hex: "d41d8cd98f00b204e9800998ecf8427e"}, wantErr: storage.ErrDigestInvalid, wantSession: true},
		{name: "too large", digest: digestOf(data), maxBlob: 999, wantErr: storage.ErrBlobTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := storage.New(storage.Options{MaxBlobSize: tt.maxBlob})
			id := startUpload(t, s, "o/app")
			if _, err := s.Append("o/app", id, bytes.NewReader(data[:500]), -1, 0); err != nil {
				t.Fatal(err)
			}
			err := s.Commit("o/app", id, tt.digest, bytes.NewReader(data[500:]))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Commit: %v, want %v", err, tt.wantErr)
			}
			_, sizeErr := s.UploadSize("o/app", id)
			if alive := sizeErr == nil; alive != tt.wantSession {
				t.Errorf("session alive = %v, want %v", alive, tt.wantSession)
			}
			_, ok := s.Stat("o/app", tt.digest)
			if ok != (tt.wantErr == nil) {
				t.Errorf("Stat ok = %v after Commit error %v", ok, err)
			}
			if blobs, _, _ := s.Stats(); (blobs == 1) != (tt.wantErr == nil) {
				t.Errorf("Stats: %d blobs after Commit error %v", blobs, err)
			}
		})
	}
}

func TestPutBlob(t *testing.T) {
	t.Parallel()
	data := fill(5, 5000)
	tests := []struct {
		name    string
		digest  storage.Digest
		maxBlob int64
		body    io.Reader
		wantErr error
	}{
		{name: "ok", digest: digestOf(data), body: bytes.NewReader(data)},
		{name: "empty", digest: digestOf(nil), body: bytes.NewReader(nil)},
		{name: "mismatch", digest: digestOf(data[1:]), body: bytes.NewReader(data), wantErr: storage.ErrDigestMismatch},
		{name: "invalid digest", digest: storage.Digest{Algorithm: "sha256"}, body: bytes.NewReader(data), wantErr: storage.ErrDigestInvalid},
		{name: "too large", digest: digestOf(data), maxBlob: 4999, body: bytes.NewReader(data), wantErr: storage.ErrBlobTooLarge},
		{name: "read error", digest: digestOf(data), body: iotest.TimeoutReader(bytes.NewReader(data)), wantErr: iotest.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := storage.New(storage.Options{MaxBlobSize: tt.maxBlob})
			err := s.PutBlob("o/app", tt.digest, tt.body)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("PutBlob: %v, want %v", err, tt.wantErr)
			}
			_, ok := s.Stat("o/app", tt.digest)
			if ok != (err == nil) || s.RepositoryExists("o/app") != (err == nil) {
				t.Errorf("Stat ok = %v, RepositoryExists = %v after PutBlob error %v", ok, s.RepositoryExists("o/app"), err)
			}
		})
	}
}

func TestUploadExpiry(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := storage.New(storage.Options{Now: clock.Now, UploadTTL: time.Minute})
	idle := startUpload(t, s, "o/app")
	busy := startUpload(t, s, "o/app")
	for range 3 {
		clock.Advance(40 * time.Second)
		if _, err := s.Append("o/app", busy, bytes.NewReader([]byte("x")), -1, 0); err != nil {
			t.Fatalf("Append to a session in use: %v", err)
		}
	}
	if _, _, uploads := s.Stats(); uploads != 2 {
		t.Fatalf("Stats: %d uploads before Sweep, want 2", uploads)
	}
	s.Sweep()
	if _, _, uploads := s.Stats(); uploads != 1 {
		t.Fatalf("Stats: %d uploads after Sweep, want 1", uploads)
	}
	if _, err := s.UploadSize("o/app", idle); !errors.Is(err, storage.ErrUploadUnknown) {
		t.Errorf("expired session: %v, want ErrUploadUnknown", err)
	}
	if n, err := s.UploadSize("o/app", busy); n != 3 || err != nil {
		t.Errorf("active session: %d, %v", n, err)
	}
	// Lazy expiry on access, without Sweep.
	clock.Advance(61 * time.Second)
	if err := s.Commit("o/app", busy, digestOf([]byte("xxx")), nil); !errors.Is(err, storage.ErrUploadUnknown) {
		t.Errorf("Commit of an expired session: %v, want ErrUploadUnknown", err)
	}
	if _, _, uploads := s.Stats(); uploads != 0 {
		t.Errorf("Stats: %d uploads after lazy expiry", uploads)
	}
}

func TestStartUploadSweepsAbandonedSessions(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := storage.New(storage.Options{Now: clock.Now, UploadTTL: time.Minute})
	for range 100 {
		startUpload(t, s, "o/app")
	}
	clock.Advance(2 * time.Minute)
	startUpload(t, s, "o/app")
	if _, _, uploads := s.Stats(); uploads != 1 {
		t.Errorf("Stats: %d uploads, want only the new one", uploads)
	}
}

func TestUploadIDsAreUniqueAndScoped(t *testing.T) {
	t.Parallel()
	s := storage.New(storage.Options{})
	seen := map[string]bool{}
	for range 1000 {
		id := startUpload(t, s, "o/app")
		if seen[id] || len(id) < 22 {
			t.Fatalf("id %q repeated or too short for 128 bits", id)
		}
		seen[id] = true
	}
	id := startUpload(t, s, "o/a")
	if err := s.Commit("o/b", id, digestOf(nil), nil); !errors.Is(err, storage.ErrUploadUnknown) {
		t.Errorf("Commit from another repository: %v", err)
	}
	if _, err := s.UploadSize("o/b", id); !errors.Is(err, storage.ErrUploadUnknown) {
		t.Errorf("UploadSize from another repository: %v", err)
	}
}

// orderedReader records, on its first Read, its index in order.
type orderedReader struct {
	io.Reader
	i     int
	mu    *sync.Mutex
	order *[]int
	seen  bool
}

func (r *orderedReader) Read(p []byte) (int, error) {
	if !r.seen {
		r.seen = true
		r.mu.Lock()
		*r.order = append(*r.order, r.i)
		r.mu.Unlock()
	}
	return r.Reader.Read(p)
}

func TestConcurrentAppendsAreSerialized(t *testing.T) {
	t.Parallel()
	s := storage.New(storage.Options{})
	id := startUpload(t, s, "o/app")
	const pieces, pieceSize = 16, 100 << 10
	var (
		mu    sync.Mutex
		order []int
		wg    sync.WaitGroup
	)
	for i := range pieces {
		wg.Go(func() {
			// HalfReader makes many small reads, inviting interleaving.
			body := &orderedReader{
				Reader: iotest.HalfReader(bytes.NewReader(bytes.Repeat([]byte{byte(i)}, pieceSize))),
				i:      i, mu: &mu, order: &order,
			}
			if _, err := s.Append("o/app", id, body, -1, 0); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if size, err := s.UploadSize("o/app", id); err != nil || size != pieces*pieceSize {
		t.Fatalf("UploadSize = %d, %v", size, err)
	}
	// Each Append holds the session while it reads, so the pieces landed
	// whole, in the order their first Reads happened.
	var want []byte
	for _, i := range order {
		want = append(want, bytes.Repeat([]byte{byte(i)}, pieceSize)...)
	}
	d := digestOf(want)
	if err := s.Commit("o/app", id, d, nil); err != nil {
		t.Fatalf("Commit of the pieces in order %v: %v", order, err)
	}
}
