// Package middleware is the part of go-chi's middleware package the
// registry used (request ids, a response writer that remembers its status),
// without the rest of that package: importing it also imports net/http/pprof
// and expvar, whose init functions register /debug/pprof/ and /debug/vars
// on http.DefaultServeMux in every program that links fakeghcr (ghcrtest's
// users' test binaries included), and cost every start of the binary.
// The names and behaviour follow chi v5.5.0's middleware (request_id.go,
// wrap_writer.go).
package middleware

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

// RequestIDHeader is the request header whose value, when present, is the
// request's id, as in chi.
const RequestIDHeader = "X-Request-Id"

type ctxKey struct{}

// RequestIDs numbers the requests of one server: "HOST/RANDOM-000001" and
// on, chi's format, or the client's X-Request-Id.
type RequestIDs struct {
	prefix string
	n      atomic.Uint64
}

// NewRequestIDs returns a numbering whose prefix is the host name and ten
// random characters.
func NewRequestIDs() *RequestIDs {
	host, err := os.Hostname()
	if host == "" || err != nil {
		host = "localhost"
	}
	var b64 string
	for len(b64) < 10 {
		var buf [12]byte
		_, _ = rand.Read(buf[:])
		b64 = strings.NewReplacer("+", "", "/", "").Replace(base64.StdEncoding.EncodeToString(buf[:]))
	}
	return &RequestIDs{prefix: host + "/" + b64[:10]}
}

// RequestID puts the request's id in its context (see GetReqID).
func (g *RequestIDs) RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if id == "" {
			id = g.prefix + "-" + pad6(g.n.Add(1))
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, id)))
	})
}

// pad6 is n in decimal with at least 6 digits (chi's %06d).
func pad6(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) < 6 {
		s = strings.Repeat("0", 6-len(s)) + s
	}
	return s
}

// GetReqID returns the id RequestID gave the request of ctx, or "".
func GetReqID(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// WrapResponseWriter remembers the status and counts the body bytes
// written through it.
type WrapResponseWriter interface {
	http.ResponseWriter
	// Status is the status written, 0 before any.
	Status() int
	// BytesWritten is the number of body bytes written.
	BytesWritten() int
	// Unwrap is the writer wrapped, for http.ResponseController.
	Unwrap() http.ResponseWriter
}

// NewWrapResponseWriter wraps w; protoMajor is accepted for chi's
// signature.
func NewWrapResponseWriter(w http.ResponseWriter, protoMajor int) WrapResponseWriter {
	_ = protoMajor
	return &wrapWriter{ResponseWriter: w}
}

type wrapWriter struct {
	http.ResponseWriter
	code        int
	wroteHeader bool
	bytes       int
}

// WriteHeader passes an informational status (1xx but 101) on and records
// none; the first other status is recorded and passed on, later ones are
// dropped, as chi's writer does.
func (w *wrapWriter) WriteHeader(code int) {
	switch {
	case code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols:
		w.ResponseWriter.WriteHeader(code)
	case !w.wroteHeader:
		w.code, w.wroteHeader = code, true
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *wrapWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += n
	return n, err
}

// Flush passes a flush on, as chi's writer does for HTTP/1 and HTTP/2.
func (w *wrapWriter) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *wrapWriter) Status() int                 { return w.code }
func (w *wrapWriter) BytesWritten() int           { return w.bytes }
func (w *wrapWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
