package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// limitRegistry is the physical limit the bench compares fakeghcr with: the
// least work an in-memory registry can do for a blob push or pull. No auth,
// no repository scoping, no validation beyond the digest, no logging: each
// pushed byte is read once into its chunk and hashed once there (as
// fakeghcr's store does), each pulled byte written from its chunk. It serves
// only what the blob workloads send: GET /v2/, HEAD and GET of a blob, and
// an upload's POST, PATCH and PUT (or a monolithic POST with ?digest=).
type limitRegistry struct {
	mu      sync.RWMutex
	blobs   map[string][][]byte // by "sha256:hex"
	uploads map[string]*limitUpload
}

type limitUpload struct {
	mu     sync.Mutex
	chunks [][]byte
	size   int64
	sha    hash.Hash
}

func newLimitRegistry() *limitRegistry {
	return &limitRegistry{blobs: map[string][][]byte{}, uploads: map[string]*limitUpload{}}
}

// Chunk sizes, as in fakeghcr's store: 64 KiB doubling up to 4 MiB.
const (
	limitMinChunk = 64 << 10
	limitMaxChunk = 4 << 20
)

// readInto reads r to its end straight into u's chunks, hashing each read.
func (u *limitUpload) readInto(r io.Reader) error {
	for {
		last := len(u.chunks) - 1
		if last < 0 || len(u.chunks[last]) == cap(u.chunks[last]) {
			u.chunks = append(u.chunks, make([]byte, 0, min(max(u.size, limitMinChunk), limitMaxChunk)))
			last++
		}
		c := u.chunks[last]
		n, err := r.Read(c[len(c):cap(c)])
		u.sha.Write(c[len(c) : len(c)+n])
		u.chunks[last] = c[:len(c)+n]
		u.size += int64(n)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (l *limitRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == "/v2/" || path == "/v2":
		return
	case strings.Contains(path, "/blobs/uploads/"):
		l.upload(w, r, path)
	case strings.Contains(path, "/blobs/"):
		l.blob(w, r, path[strings.LastIndex(path, "/")+1:])
	default:
		http.Error(w, "not served by the limit", http.StatusNotFound)
	}
}

func (l *limitRegistry) blob(w http.ResponseWriter, r *http.Request, digest string) {
	l.mu.RLock()
	chunks, ok := l.blobs[digest]
	l.mu.RUnlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	var size int
	for _, c := range chunks {
		size += len(c)
	}
	h := w.Header()
	h.Set("Content-Length", strconv.Itoa(size))
	h.Set("Docker-Content-Digest", digest)
	h.Set("Content-Type", "application/octet-stream")
	if r.Method == http.MethodHead {
		return
	}
	for _, c := range chunks {
		if _, err := w.Write(c); err != nil {
			return
		}
	}
}

func (l *limitRegistry) upload(w http.ResponseWriter, r *http.Request, path string) {
	repoPath, id, _ := strings.Cut(path, "/blobs/uploads/")
	var u *limitUpload
	if r.Method == http.MethodPost {
		u = &limitUpload{sha: sha256.New()}
		if r.URL.Query().Get("digest") != "" { // monolithic
			l.commit(w, r, repoPath, u)
			return
		}
		id = rand.Text()
		l.mu.Lock()
		l.uploads[id] = u
		l.mu.Unlock()
		w.Header().Set("Location", repoPath+"/blobs/uploads/"+id)
		w.Header().Set("Range", "0-0")
		w.WriteHeader(http.StatusAccepted)
		return
	}
	l.mu.RLock()
	u = l.uploads[id]
	l.mu.RUnlock()
	if u == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	switch r.Method {
	case http.MethodPatch:
		if err := u.readInto(r.Body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Location", path)
		w.Header().Set("Range", "0-"+strconv.FormatInt(max(u.size-1, 0), 10))
		w.WriteHeader(http.StatusAccepted)
	case http.MethodPut:
		l.mu.Lock()
		delete(l.uploads, id)
		l.mu.Unlock()
		l.commit(w, r, repoPath, u)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// commit reads the request's body into u, checks the digest and stores the
// blob.
func (l *limitRegistry) commit(w http.ResponseWriter, r *http.Request, repoPath string, u *limitUpload) {
	if err := u.readInto(r.Body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	digest := r.URL.Query().Get("digest")
	if got := "sha256:" + hex.EncodeToString(u.sha.Sum(nil)); got != digest {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	l.mu.Lock()
	l.blobs[digest] = u.chunks
	l.mu.Unlock()
	w.Header().Set("Location", repoPath+"/blobs/"+digest)
	w.Header().Set("Docker-Content-Digest", digest)
	w.WriteHeader(http.StatusCreated)
}

// serveLimit is the -serve-limit mode: the limit in a process of its own,
// until SIGTERM or SIGINT.
func serveLimit(addr string) error {
	return serveUntilSignal(addr, newLimitRegistry())
}
