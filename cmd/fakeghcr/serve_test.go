package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestServeTLS serves HTTPS with a certificate for ghcr.io and checks that
// a client trusting it gets GHCR's challenge with an https realm.
func TestServeTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t, "ghcr.io")
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	addrFile := filepath.Join(dir, "addr")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--addr-file", addrFile,
			"--tls-cert", certFile, "--tls-key", keyFile, "--admin-token", "t"}, func(string) string { return "" }, &stdout, &stderr)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d: %s", code, stderr.String())
		}
		// stdout is read only once serve has returned.
		if !strings.Contains(stdout.String(), "serving https://") {
			t.Errorf("start line %q does not name an https URL", stdout.String())
		}
	}()
	addr := waitForFile(t, addrFile)

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "ghcr.io"},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
	resp, err := client.Get("https://ghcr.io/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := `Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"`
	if got := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized || got != want {
		t.Errorf("GET https://ghcr.io/v2/: %d %q, want 401 %q", resp.StatusCode, got, want)
	}
}

func TestServeTLSNeedsBothFiles(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--tls-cert", "x.pem"},
		func(string) string { return "" }, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "--tls-cert and --tls-key go together") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

func waitForFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b))
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s not written", path)
	return ""
}

func selfSigned(t *testing.T, host string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

// TestServeTLSHosts issues the certificate at start from a CA kept in a
// directory: the first start creates the CA, the second reuses it, and the
// healthcheck trusts it with --ca.
func TestServeTLSHosts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	caDir := filepath.Join(dir, "ca")
	var firstCA []byte
	for i := range 2 {
		addrFile := filepath.Join(dir, "addr"+strconv.Itoa(i))
		ctx, cancel := context.WithCancel(context.Background())
		var stdout, stderr bytes.Buffer
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--addr-file", addrFile,
				"--tls-hosts", "ghcr.io,127.0.0.1", "--tls-ca-dir", caDir, "--admin-token", "t"},
				func(string) string { return "" }, &stdout, &stderr)
		}()
		addr := waitForFile(t, addrFile)
		caPEM, err := os.ReadFile(filepath.Join(caDir, "ca.crt"))
		if err != nil {
			t.Fatal(err)
		}
		var hcOut, hcErr bytes.Buffer
		if code := run(context.Background(), []string{"healthcheck", "--url", "https://" + addr, "--ca", filepath.Join(caDir, "ca.crt")},
			func(string) string { return "" }, &hcOut, &hcErr); code != 0 {
			t.Errorf("healthcheck over https with --ca: exit %d: %s", code, hcErr.String())
		}
		if code := run(context.Background(), []string{"healthcheck", "--url", "https://" + addr},
			func(string) string { return "" }, &hcOut, &hcErr); code == 0 {
			t.Error("healthcheck over https without --ca succeeded: the CA should not be trusted by default")
		}
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d: %s", code, stderr.String())
		}
		// stdout is read only once serve has returned.
		if i == 0 {
			firstCA = caPEM
			if !strings.Contains(stdout.String(), "created CA") {
				t.Errorf("first start: %q does not say the CA was created", stdout.String())
			}
		} else if !bytes.Equal(caPEM, firstCA) || !strings.Contains(stdout.String(), "using CA") {
			t.Errorf("second start did not reuse the kept CA: %q", stdout.String())
		}
	}
}
