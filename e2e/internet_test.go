//go:build linux

package e2e

import (
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
	"net/http/cgi"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// internetHost is the stand-in internet's name. It resolves to the host's loopback only in the
// mount namespace a test makes for fakeghcr (outsideView); anywhere else it does not resolve
// (.test is reserved: RFC 2606), so no request can leave the machine.
const internetHost = "git.internet.test"

// sharedActions is the folder of published actions (owner/repo@ref), from FAKEGHCR_ACTIONS or
// the nearest shared/actions above the working directory.
func sharedActions(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("FAKEGHCR_ACTIONS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for ; dir != "/"; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, "shared", "actions")
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no shared/actions folder above the working directory; set FAKEGHCR_ACTIONS")
	}
	t.Skip("no shared/actions folder above the working directory; set FAKEGHCR_ACTIONS")
	return ""
}

// internet is a git server over HTTPS on the host's loopback, holding the published actions as
// repositories OWNER/REPO with a tag REF: git http-backend behind Go's net/http/cgi.
type internet struct {
	addr  string // internetHost:PORT
	caPEM []byte
	mu    sync.Mutex
	paths []string // requests it answered
}

func (i *internet) requests() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]string(nil), i.paths...)
}

func startInternet(t *testing.T, git string, env []string) *internet {
	t.Helper()
	backend := "/usr/lib/git-core/git-http-backend"
	if out := (command{env: env}).run(t, git, "--exec-path"); out.Code == 0 {
		backend = filepath.Join(strings.TrimSpace(out.Stdout), "git-http-backend")
	}
	if _, err := os.Stat(backend); err != nil {
		t.Fatalf("git http-backend: %v", err)
	}
	root := t.TempDir()
	actions := sharedActions(t)
	owners, err := os.ReadDir(actions)
	if err != nil {
		t.Fatal(err)
	}
	ident := []string{"-c", "user.name=fakeghcr e2e", "-c", "user.email=e2e@fakeghcr.test", "-c", "commit.gpgsign=false"}
	for _, o := range owners {
		if !o.IsDir() {
			continue
		}
		repos, _ := os.ReadDir(filepath.Join(actions, o.Name()))
		for _, r := range repos {
			name, ref, ok := strings.Cut(r.Name(), "@")
			if !ok {
				continue
			}
			bare := filepath.Join(root, o.Name(), name)
			wantOK(t, command{env: env}.run(t, git, "init", "--quiet", "--bare", "--initial-branch", "main", bare))
			work := filepath.Join(t.TempDir(), name)
			src := filepath.Join(actions, o.Name(), r.Name())
			for _, args := range [][]string{
				{"init", "--quiet", "--initial-branch", "main", work},
				{"-C", work, "--work-tree", src, "add", "-A"},
				append(append([]string{"-C", work}, ident...), "commit", "--quiet", "--message", r.Name()),
				{"-C", work, "tag", ref},
				{"-C", work, "push", "--quiet", bare, "main", "refs/tags/" + ref},
			} {
				wantOK(t, command{env: env}.run(t, git, args...))
			}
		}
	}
	ca, cert := internetCertificates(t)
	in := &internet{caPEM: ca}
	h := &cgi.Handler{Path: backend, Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			in.mu.Lock()
			in.paths = append(in.paths, r.Method+" "+r.URL.Path)
			in.mu.Unlock()
			h.ServeHTTP(w, r)
		}),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}},
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { srv.Close() })
	in.addr = net.JoinHostPort(internetHost, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	return in
}

// internetCertificates makes a CA (PEM) and a certificate for internetHost signed by it.
func internetCertificates(t *testing.T) ([]byte, tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "stand-in internet CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: internetHost},
		DNSNames: []string{internetHost}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}
}

// outsideView is the argv prefix that runs a command in a mount namespace of its own where
// internetHost is the host's loopback and in.caPEM is in the system CA bundle: the machine as
// fakeghcr sees it when the stand-in is the internet. The sandbox inside gets neither (its
// own /etc/hosts; it copies the bundle, as it does a real machine's).
func outsideView(t *testing.T, in *internet) []string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the stand-in internet's name needs a mount namespace: run as root")
	}
	unshare := needTool(t, "unshare", "apt-get install -y util-linux")
	dir := t.TempDir()
	hosts, err := os.ReadFile("/etc/hosts")
	if err != nil {
		t.Fatal(err)
	}
	hosts = append(hosts, []byte("\n127.0.0.1 "+internetHost+"\n")...)
	bundlePath, err := filepath.EvalSymlinks("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		t.Skipf("no system CA bundle at /etc/ssl/certs/ca-certificates.crt: %v", err)
	}
	bundle, err := os.ReadFile(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	bundle = append(bundle, in.caPEM...)
	// No nameserver: a name the stand-in does not hold is asked of 127.0.0.1:53 (nothing),
	// never of the machine's resolver.
	resolvPath, err := filepath.EvalSymlinks("/etc/resolv.conf")
	if err != nil {
		t.Skipf("/etc/resolv.conf: %v", err)
	}
	for name, b := range map[string][]byte{"hosts": hosts, "bundle": bundle, "resolv.conf": []byte("# the stand-in internet has no DNS\n")} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	script := `mount --bind "$H" /etc/hosts && mount --bind "$B" "$BP" && mount --bind "$R" "$RP" && exec "$@"`
	return []string{unshare, "--mount", "--propagation", "private", "env",
		"H=" + filepath.Join(dir, "hosts"), "B=" + filepath.Join(dir, "bundle"), "BP=" + bundlePath,
		"R=" + filepath.Join(dir, "resolv.conf"), "RP=" + resolvPath,
		"sh", "-c", script, "sh"}
}
