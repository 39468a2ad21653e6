package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// inflight tracks the requests being served, so that a shutdown that has
// to cut some can say which.
type inflight struct {
	mu   sync.Mutex
	next uint64
	reqs map[uint64]*inflightReq
}

type inflightReq struct {
	method, path string
	start        time.Time
	read         atomic.Int64 // body bytes read so far
}

func newInflight() *inflight { return &inflight{reqs: map[uint64]*inflightReq{}} }

// wrap counts h's requests in and out.
func (f *inflight) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		if len(path) > 256 {
			path = path[:256] + "..."
		}
		req := &inflightReq{method: r.Method, path: path, start: time.Now()}
		f.mu.Lock()
		id := f.next
		f.next++
		f.reqs[id] = req
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			delete(f.reqs, id)
			f.mu.Unlock()
		}()
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = countingBody{r.Body, &req.read}
		}
		h.ServeHTTP(w, r)
	})
}

func (f *inflight) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

func (f *inflight) list() []*inflightReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*inflightReq, 0, len(f.reqs))
	for _, r := range f.reqs {
		out = append(out, r)
	}
	return out
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// drain stops hs after SIGTERM or SIGINT: it stops accepting, lets the
// requests in flight finish for up to timeout, then cuts those still
// running and logs each one. Cutting requests is the expected end of a
// drain, not a failure: the error is nil unless the server itself failed.
// errc delivers hs.Serve's result.
func drain(hs *http.Server, errc <-chan error, track *inflight, timeout time.Duration, log *slog.Logger) error {
	log.Info("shutting down: draining requests in flight", "requests", track.count(), "timeout", timeout)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := hs.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		cut := track.list()
		for _, r := range cut {
			log.Warn("shutdown: request cut", "method", r.method, "path", r.path,
				"running", time.Since(r.start).Round(time.Millisecond), "body_bytes_read", r.read.Load())
		}
		log.Warn("shutdown: drain timed out", "timeout", timeout, "requests_cut", len(cut))
		err = hs.Close()
	}
	if err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("shut down")
	return nil
}
