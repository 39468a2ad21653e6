package storage_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/storage"
)

// digestOf returns the sha256 digest of b.
func digestOf(b []byte) storage.Digest {
	sum := sha256.Sum256(b)
	return storage.Digest{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
}

// fill returns n bytes that differ with seed.
func fill(seed, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(seed*31 + i*7 + i/253)
	}
	return b
}

// putBlob stores b in repo and returns its digest.
func putBlob(t testing.TB, s *storage.Store, repo string, b []byte) storage.Digest {
	t.Helper()
	d := digestOf(b)
	if err := s.PutBlob(repo, d, bytes.NewReader(b)); err != nil {
		t.Fatalf("PutBlob(%s, %s): %v", repo, d, err)
	}
	return d
}

// startUpload opens an upload session, reporting an error with t.Errorf
// (safe from any goroutine; the empty id then fails what follows).
func startUpload(t testing.TB, s *storage.Store, repo string) string {
	t.Helper()
	id, err := s.StartUpload(repo)
	if err != nil {
		t.Errorf("StartUpload(%s): %v", repo, err)
	}
	return id
}

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// imageManifest returns an OCI image manifest naming config and layers.
func imageManifest(config storage.Digest, layers ...storage.Digest) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":%q,"size":1},"layers":[`, config)
	for i, l := range layers {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":%q,"size":1}`, l)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// index returns an OCI image index naming children.
func index(children ...storage.Digest) []byte {
	var b bytes.Buffer
	b.WriteString(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[`)
	for i, c := range children {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":%q,"size":1}`, c)
	}
	b.WriteString("]}")
	return b.Bytes()
}

const (
	ociManifest = "application/vnd.oci.image.manifest.v1+json"
	ociIndex    = "application/vnd.oci.image.index.v1+json"
	dockerV2    = "application/vnd.docker.distribution.manifest.v2+json"
	dockerList  = "application/vnd.docker.distribution.manifest.list.v2+json"
)
