package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Secrets of testdata/cleanup.yaml.
const (
	cleanupAlice  = "ghp_e2e_cleanup_alice"  // classic PAT, read/write/delete:packages, owner of acme
	cleanupReader = "ghp_e2e_cleanup_reader" // classic PAT, read:packages only
)

// startTLSServer starts `fakeghcr serve` with HTTPS for 127.0.0.1 (a certificate issued at start
// by a CA in a temporary --tls-ca-dir), as gh needs: it reaches a GitHub Enterprise host over
// https://HOST/api/v3/. caFile is the CA certificate clients must trust (SSL_CERT_FILE).
func startTLSServer(t *testing.T, scenario string) (s *server, caFile string) {
	t.Helper()
	if fakeghcr.err != nil {
		t.Fatalf("fakeghcr binary not available: %v", fakeghcr.err)
	}
	dir := t.TempDir()
	s = &server{adminToken: "e2e-admin-tls", logPath: filepath.Join(dir, "fakeghcr.log"), done: make(chan error, 1)}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	addrFile := filepath.Join(dir, "addr")
	caDir := filepath.Join(dir, "ca")
	s.cmd = exec.Command(fakeghcr.path, "serve", "--addr", "127.0.0.1:0", "--addr-file", addrFile,
		"--scenario", scenario, "--admin-token", s.adminToken,
		"--tls-hosts", "127.0.0.1,api.github.com", "--tls-ca-dir", caDir)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting fakeghcr: %v", err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.stop(t) })
	addr, err := s.waitAddr(addrFile, 20*time.Second)
	if err != nil {
		t.Fatalf("fakeghcr did not start: %v\n%s", err, s.logTail())
	}
	s.Host, s.URL = addr, "https://"+addr
	caFile = filepath.Join(caDir, "ca.crt")
	client := tlsClient(t, caFile)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.Get(s.URL + "/_fakeghcr/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, caFile
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("fakeghcr at %s is not healthy: %v\n%s", s.URL, err, s.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tlsClient trusts only the CA in caFile.
func tlsClient(t testing.TB, caFile string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", caFile)
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

// pushRandom pushes a random image to ref as alice and returns its digest. go-containerregistry
// is the fixture here, not a client under test.
func pushRandom(t *testing.T, client *http.Client, ref string) v1.Hash {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img, remoteOpts(client)...); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	d, _ := img.Digest()
	return d
}

func remoteOpts(client *http.Client) []remote.Option {
	// Each request is bounded by the client's own timeout.
	return []remote.Option{remote.WithTransport(client.Transport),
		remote.WithAuth(&authn.Basic{Username: "alice", Password: cleanupAlice})}
}

// pushIndex pushes a two-platform index to ref (children by digest, the index by tag, as
// docker buildx does) and returns the children's digests.
func pushIndex(t *testing.T, client *http.Client, ref string) (amd64, arm64 v1.Hash) {
	t.Helper()
	var adds []mutate.IndexAddendum
	var digests []v1.Hash
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := random.Image(256, 1)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := img.Digest()
		digests = append(digests, d)
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, "application/vnd.oci.image.index.v1+json"), adds...)
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(r, idx, remoteOpts(client)...); err != nil {
		t.Fatalf("push index %s: %v", ref, err)
	}
	return digests[0], digests[1]
}

// ghRun runs gh against the server with token, as a GitHub Enterprise host.
func ghRun(t *testing.T, gh string, s *server, caFile, token string, args ...string) runResult {
	t.Helper()
	_, env := clientHome(t)
	env = append(env, "GH_HOST="+s.Host, "GH_ENTERPRISE_TOKEN="+token, "SSL_CERT_FILE="+caFile,
		"GH_CONFIG_DIR="+t.TempDir(), "GH_PROMPT_DISABLED=1", "GH_NO_UPDATE_NOTIFIER=1", "NO_COLOR=1")
	return command{env: env}.run(t, gh, args...)
}

type ghVersion struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Metadata struct {
		Container struct {
			Tags []string `json:"tags"`
		} `json:"container"`
	} `json:"metadata"`
}

// TestGHCleanup drives gh api (Debian's gh) through a retention job's calls against /api/v3:
// list versions with --paginate, delete one, see the pull fail, restore it; and the refusals gh
// prints for a token without delete:packages and for a missing package.
func TestGHCleanup(t *testing.T) {
	t.Parallel()
	gh := needTool(t, "gh", "apt-get install gh")
	s, caFile := startTLSServer(t, "testdata/cleanup.yaml")
	client := tlsClient(t, caFile)
	v1Digest := pushRandom(t, client, s.Host+"/acme/app:v1")
	pushRandom(t, client, s.Host+"/acme/app:v2")
	amd64, _ := pushIndex(t, client, s.Host+"/acme/app:multi")

	versions := func() []ghVersion {
		r := ghRun(t, gh, s, caFile, cleanupAlice, "api", "--paginate", "/orgs/acme/packages/container/app/versions?per_page=2")
		wantOK(t, r)
		// --paginate prints one JSON array per page.
		var all []ghVersion
		dec := json.NewDecoder(strings.NewReader(r.Stdout))
		for dec.More() {
			var page []ghVersion
			if err := dec.Decode(&page); err != nil {
				t.Fatalf("gh output: %v\n%s", err, r.Stdout)
			}
			all = append(all, page...)
		}
		return all
	}
	all := versions()
	if len(all) != 5 { // v1, v2, the index and its two untagged children
		t.Fatalf("gh listed %d versions, want 5: %+v", len(all), all)
	}
	idOf := func(digest string) int64 {
		for _, v := range all {
			if v.Name == digest {
				return v.ID
			}
		}
		t.Fatalf("no version %s in %+v", digest, all)
		return 0
	}
	v1ID := idOf(v1Digest.String())
	path := fmt.Sprintf("/orgs/acme/packages/container/app/versions/%d", v1ID)

	wantFail(t, ghRun(t, gh, s, caFile, cleanupReader, "api", "-X", "DELETE", path),
		"gh: You need at least delete:packages and read:packages scopes to delete a package version. (HTTP 403)")
	wantFail(t, ghRun(t, gh, s, caFile, cleanupAlice, "api", "/orgs/acme/packages/container/nope/versions"),
		"gh: Package not found. (HTTP 404)")

	wantOK(t, ghRun(t, gh, s, caFile, cleanupAlice, "api", "-X", "DELETE", path))
	if _, err := remote.Get(mustRef(t, s.Host+"/acme/app:v1"), remoteOpts(client)...); err == nil || !strings.Contains(err.Error(), "MANIFEST_UNKNOWN: manifest unknown") {
		t.Errorf("pull of the deleted version's tag: %v, want MANIFEST_UNKNOWN", err)
	}
	if got := versions(); len(got) != 4 {
		t.Errorf("after the delete gh lists %d versions, want 4", len(got))
	}
	wantOK(t, ghRun(t, gh, s, caFile, cleanupAlice, "api", "-X", "POST", path+"/restore"))
	if _, err := remote.Head(mustRef(t, s.Host+"/acme/app:v1"), remoteOpts(client)...); err != nil {
		t.Errorf("after the restore, v1: %v", err)
	}

	// Served for api.github.com too: curl resolves the name to the server, as a hosts entry
	// would, and gets the API at / with the certificate issued for that name.
	if curl, err := findTool("curl"); err == nil {
		_, port, _ := strings.Cut(s.Host, ":")
		r := command{}.run(t, curl, "-sS", "--cacert", caFile, "--resolve", "api.github.com:"+port+":127.0.0.1",
			"-H", "Authorization: token "+cleanupAlice, "https://api.github.com:"+port+"/orgs/acme/packages/container/app")
		wantOK(t, r)
		if !strings.Contains(r.Stdout, `"name":"app","package_type":"container"`) || !strings.Contains(r.Stdout, `"url":"https://api.github.com:`+port+`/orgs/acme/packages/container/app"`) {
			t.Errorf("GET https://api.github.com/orgs/acme/packages/container/app: %s", r.Stdout)
		}
	} else {
		t.Log("curl not installed: api.github.com routing not checked here (registry tests cover it)")
	}

	// Deleting an index's untagged child breaks the index (chizkiyahu/delete-untagged-ghcr-action#45).
	crane := needTool(t, "crane", installHint+" crane")
	wantOK(t, ghRun(t, gh, s, caFile, cleanupAlice, "api", "-X", "DELETE", fmt.Sprintf("/orgs/acme/packages/container/app/versions/%d", idOf(amd64.String()))))
	_, env := clientHome(t)
	env = append(env, "SSL_CERT_FILE="+caFile)
	wantOK(t, command{env: env}.run(t, crane, "auth", "login", s.Host, "-u", "alice", "-p", cleanupAlice))
	r := command{env: env}.run(t, crane, "pull", "--platform", "linux/amd64", s.Host+"/acme/app:multi", filepath.Join(t.TempDir(), "img.tar"))
	wantFailMatch(t, r, q("Error: GET https://"+s.Host+"/v2/acme/app/manifests/"+amd64.String()+": MANIFEST_UNKNOWN: manifest unknown"))
	// The other platform still pulls.
	wantOK(t, command{env: env}.run(t, crane, "pull", "--platform", "linux/arm64", s.Host+"/acme/app:multi", filepath.Join(t.TempDir(), "img.tar")))
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
