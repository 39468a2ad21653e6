package ghcrtest_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
)

var errInvalidChange = registry.ErrInvalidChange

func registryChange(op authz.Op, pkg string) registry.Change {
	return registry.Change{Op: op, Package: pkg, Visibility: string(authz.Public)}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
func sprint(args ...any) string                 { return fmt.Sprint(args...) }

func x509Pool(t *testing.T, pemBytes []byte) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("CACertPEM is not a PEM certificate: %q", pemBytes)
	}
	return pool
}

func tlsConfig(pool *x509.CertPool) *tls.Config { return &tls.Config{RootCAs: pool} }

func fixedClock() time.Time { return time.Date(2022, 6, 1, 12, 0, 0, 0, time.UTC) }

func roles(grants []authz.RepoGrant) map[string]authz.Role {
	out := map[string]authz.Role{}
	for _, g := range grants {
		out[g.Repository] = g.Role
	}
	return out
}

func names(creds []authz.Credential) []string {
	var out []string
	for _, c := range creds {
		out = append(out, c.Name)
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newTextLogger(b *syncBuffer) *slog.Logger { return slog.New(slog.NewTextHandler(b, nil)) }

// discard is a ResponseWriter that keeps nothing.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}
