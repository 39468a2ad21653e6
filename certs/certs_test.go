package certs_test

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/certs"
)

func TestIssueVerifiesForEveryHost(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ca, err := certs.NewCA("test CA", now)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue([]string{"ghcr.io", "localhost", "127.0.0.1", "::1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"ghcr.io", "localhost", "127.0.0.1", "::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: ca.Pool(), CurrentTime: now}); err != nil {
			t.Errorf("certificate does not verify for %s: %v", host, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "example.com", Roots: ca.Pool(), CurrentTime: now}); err == nil {
		t.Error("certificate verifies for example.com, a host it was not issued for")
	}
	if _, err := ca.Issue(nil, now); err == nil {
		t.Error("Issue with no hosts: want an error")
	}
	if len(cert.Certificate) != 2 || !ca.Cert.Equal(mustParse(t, cert.Certificate[1])) {
		t.Error("the chain does not end with the CA certificate")
	}
}

func TestLoadOrCreateKeepsTheCA(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "ca")
	now := time.Now()
	first, created, err := certs.LoadOrCreate(dir, now)
	if err != nil || !created {
		t.Fatalf("first LoadOrCreate: created %v, %v", created, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, certs.KeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	second, created, err := certs.LoadOrCreate(dir, now)
	if err != nil || created {
		t.Fatalf("second LoadOrCreate: created %v, %v", created, err)
	}
	if !first.Cert.Equal(second.Cert) {
		t.Fatal("the kept CA changed between runs")
	}
}

func TestLoadOrCreateRefusesHalfACA(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, certs.CertFile), []byte("not a cert"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := certs.LoadOrCreate(dir, time.Now()); err == nil || !strings.Contains(err.Error(), "or neither") {
		t.Fatalf("a directory with only ca.crt: %v, want an error naming both files", err)
	}
	if err := os.WriteFile(filepath.Join(dir, certs.KeyFile), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := certs.LoadOrCreate(dir, time.Now()); err == nil {
		t.Fatal("garbage ca.crt and ca.key: want an error")
	}
}

func mustParse(t *testing.T, der []byte) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestIssueAddsLoopback: a certificate for ghcr.io alone also verifies for
// 127.0.0.1 and ::1, where fakeghcr listens (healthcheck --url
// https://127.0.0.1:PORT), and names each address once.
func TestIssueAddsLoopback(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ca, err := certs.NewCA("test CA", now)
	if err != nil {
		t.Fatal(err)
	}
	for _, hosts := range [][]string{{"ghcr.io"}, {"ghcr.io", "127.0.0.1"}} {
		cert, err := ca.Issue(hosts, now)
		if err != nil {
			t.Fatal(err)
		}
		leaf := mustParse(t, cert.Certificate[0])
		for _, host := range []string{"ghcr.io", "127.0.0.1", "::1"} {
			if _, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: ca.Pool(), CurrentTime: now}); err != nil {
				t.Errorf("%v: does not verify for %s: %v", hosts, host, err)
			}
		}
		if len(leaf.IPAddresses) != 2 {
			t.Errorf("%v: IP SANs %v, want 127.0.0.1 and ::1 once each", hosts, leaf.IPAddresses)
		}
		if len(leaf.DNSNames) != 1 {
			t.Errorf("%v: DNS SANs %v, want ghcr.io alone", hosts, leaf.DNSNames)
		}
	}
}
