package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The credential the benchmark world (testdata/bench.yaml) gives alice.
const (
	benchUser   = "alice"
	benchSecret = "ghp_bench_alice"
)

// target is a server as the client sees it: where it is, how to
// authenticate, and a connection pool of its own.
type target struct {
	kind kind
	url  string // http://127.0.0.1:port
	host string // 127.0.0.1:port
	auth authn.Authenticator
	tr   *http.Transport
}

func newTarget(k kind, url string) *target {
	t := &target{
		kind: k,
		url:  url,
		host: strings.TrimPrefix(url, "http://"),
		auth: authn.Anonymous,
		tr:   newTransport(),
	}
	if k == kindFakeghcr {
		t.auth = &authn.Basic{Username: benchUser, Password: benchSecret}
	}
	return t
}

// newTransport is the client's connection pool: enough idle connections
// per host for 16 clients, no proxy, the same for every server.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        128,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}
}

// close drops the target's idle connections.
func (t *target) close() { t.tr.CloseIdleConnections() }

// repo names a repository on the target. Repositories are in alice's
// namespace, where her classic PAT may create packages on fakeghcr.
func (t *target) repo(path string) (name.Repository, error) {
	return name.NewRepository(t.host+"/"+benchUser+"/"+path, name.Insecure)
}

// options are the remote options for jobs concurrent requests: alice's
// credential (anonymous for servers without auth), the target's pool and
// no retries, so that any failed request fails the run.
func (t *target) options(jobs int) []remote.Option {
	return []remote.Option{
		remote.WithAuth(t.auth),
		remote.WithTransport(t.tr),
		remote.WithJobs(max(jobs, 1)),
		remote.WithRetryPredicate(func(error) bool { return false }),
		remote.WithRetryStatusCodes(),
	}
}

func (t *target) pusher(jobs int) (*remote.Pusher, error) {
	return remote.NewPusher(t.options(jobs)...)
}

func (t *target) puller(jobs int) (*remote.Puller, error) {
	return remote.NewPuller(t.options(jobs)...)
}

// blob is content to push: a layer with its digest already computed.
type blob struct {
	layer  v1.Layer
	digest v1.Hash
	size   int64
}

// newBlob wraps data as a layer and computes its digest (outside any
// timed section).
func newBlob(data []byte) (blob, error) {
	l := static.NewLayer(data, types.OCILayer)
	d, err := l.Digest()
	if err != nil {
		return blob{}, err
	}
	return blob{layer: l, digest: d, size: int64(len(data))}, nil
}

// countedLayer counts the bytes the client has read from the layer.
type countedLayer struct {
	v1.Layer
	n *atomic.Int64
}

func (l countedLayer) Compressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	return countingReader{rc, l.n}, nil
}

type countingReader struct {
	io.ReadCloser
	n *atomic.Int64
}

func (r countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.n.Add(int64(n))
	return n, err
}

// randomBytes returns n pseudo-random bytes from seed (incompressible,
// reproducible, and fast to make).
func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	_, _ = rand.NewChaCha8(key).Read(b)
	return b
}

// randomBlobs returns count distinct blobs of size bytes.
func randomBlobs(count, size int, seed uint64) ([]blob, error) {
	all := randomBytes(count*size, seed)
	out := make([]blob, count)
	for i := range out {
		b, err := newBlob(all[i*size : (i+1)*size : (i+1)*size])
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// pullVerified reads blob d of repo and checks its size and sha256 with a
// hasher of its own (on top of the client's own verification).
func pullVerified(ctx context.Context, p *remote.Puller, repo name.Repository, want blob) error {
	l, err := p.Layer(ctx, repo.Digest(want.digest.String()))
	if err != nil {
		return fmt.Errorf("pull %s: %w", want.digest, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return fmt.Errorf("pull %s: %w", want.digest, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return fmt.Errorf("pull %s: %w", want.digest, err)
	}
	got := v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", h.Sum(nil))}
	if n != want.size || got != want.digest {
		return fmt.Errorf("pull %s: got %d bytes with digest %s, want %d bytes", want.digest, n, got, want.size)
	}
	return nil
}
