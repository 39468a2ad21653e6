package ghcrtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
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

// newFixtureTLS makes a P-256 CA and a certificate for ghcr.io, localhost,
// 127.0.0.1 and ::1, valid from a day before now for a year (a long test
// run must not outlive it). P-256 keeps it fast, where RSA would take tens
// of milliseconds.
func newFixtureTLS(now time.Time) (*fixtureTLS, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating CA key: %w", err)
	}
	notBefore, notAfter := now.Add(-24*time.Hour), now.Add(365*24*time.Hour)
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"fakeghcr"}, CommonName: "ghcrtest CA"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("creating CA certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("parsing CA certificate: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating server key: %w", err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{Organization: []string{"fakeghcr"}, CommonName: ghcrHost},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{ghcrHost, "localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("creating server certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &fixtureTLS{
		caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pool:  pool,
		leaf:  tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: key},
	}, nil
}

func (f *fixtureTLS) serverConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{f.leaf}, MinVersion: tls.VersionTLS12}
}

// serial is a random certificate serial number.
func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}
