package ghcrtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fakeghcr/fakeghcr/certs"
)

// ghcrHost is the registry host the fixture stands in for with WithTLS.
const ghcrHost = "ghcr.io"

// ErrOutsideFixture is wrapped by the error Transport returns for a request
// to any host but the fixture: a test never reaches the network by mistake.
var ErrOutsideFixture = errors.New("ghcrtest: the fixture's transport reaches only the fixture")

// newTransport returns the fixture's transport: no proxy, a dialer that
// reaches only the listener, and with TLS, trust in the fixture's CA.
func (s *Server) newTransport() *http.Transport {
	addr := s.addr()
	allowed := map[string]bool{addr: true}
	if _, port, err := net.SplitHostPort(addr); err == nil {
		allowed[net.JoinHostPort("localhost", port)] = true
	}
	if s.tls != nil {
		allowed[ghcrHost+":443"] = true
	}
	var d net.Dialer
	tr := &http.Transport{
		Proxy: nil, // HTTPS_PROXY must not send fixture traffic elsewhere
		DialContext: func(ctx context.Context, network, target string) (net.Conn, error) {
			if !allowed[strings.ToLower(target)] {
				return nil, fmt.Errorf("%w (%s, or %s:443 with WithTLS), not %s", ErrOutsideFixture, addr, ghcrHost, target)
			}
			return d.DialContext(ctx, "tcp", addr)
		},
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	if s.tls != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: s.tls.pool, MinVersion: tls.VersionTLS12}
	}
	return tr
}

// CACertPEM returns the PEM certificate of the CA that signed the fixture's
// certificate (for ghcr.io, localhost and 127.0.0.1), for tools that run
// outside the test's process and take a CA file (SSL_CERT_FILE,
// /etc/docker/certs.d/HOST/ca.crt): they reach the fixture at URL. It is nil
// without WithTLS.
func (s *Server) CACertPEM() []byte {
	if s.tls == nil {
		return nil
	}
	return append([]byte(nil), s.tls.caPEM...)
}

// sharedTLS is made once per process: every WithTLS server of a test binary
// serves the same certificate, as every httptest TLS server serves
// httptest's. Making the keys costs about a millisecond; sharing them keeps
// New at the cost of a plain server.
var sharedTLS = sync.OnceValues(func() (*fixtureTLS, error) { return newFixtureTLS(time.Now()) })

// fixtureTLS is a CA made in-process and the server certificate it signed.
type fixtureTLS struct {
	caPEM []byte
	pool  *x509.CertPool
	leaf  tls.Certificate
}

// newFixtureTLS makes a CA and a certificate for ghcr.io, localhost,
// 127.0.0.1 and ::1.
func newFixtureTLS(now time.Time) (*fixtureTLS, error) {
	ca, err := certs.NewCA("ghcrtest CA", now)
	if err != nil {
		return nil, err
	}
	leaf, err := ca.Issue([]string{ghcrHost, "localhost", "127.0.0.1", "::1"}, now)
	if err != nil {
		return nil, err
	}
	return &fixtureTLS{caPEM: ca.PEM, pool: ca.Pool(), leaf: leaf}, nil
}

func (f *fixtureTLS) serverConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{f.leaf}, MinVersion: tls.VersionTLS12}
}
