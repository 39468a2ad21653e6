package ghcrtest_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/ghcrtest"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// seedFile is the 2022 seed case as GHCR's reports show it (the package is
// public, so the refusal comes at the upload POST). The tests spell their
// world out rather than depend on the default world's details.
const seedFile = "testdata/seed.yaml"

func seed(t *testing.T) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Load(seedFile)
	if err != nil {
		t.Fatalf("loading the seed scenario: %v", err)
	}
	return sc
}

func remoteOpts(srv *ghcrtest.Server, cred string) []remote.Option {
	auth := authn.Anonymous
	if cred != "" {
		auth = srv.Authenticator(cred)
	}
	return []remote.Option{remote.WithTransport(srv.Transport()), remote.WithAuth(auth)}
}

// pushImage pushes a new random image and returns its digest.
func pushImage(t *testing.T, srv *ghcrtest.Server, ref, cred string) (v1.Hash, error) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d, remote.Write(r, img, remoteOpts(srv, cred)...)
}

func pullDigest(t *testing.T, srv *ghcrtest.Server, ref, cred string) (v1.Hash, error) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Get(r, remoteOpts(srv, cred)...)
	if err != nil {
		return v1.Hash{}, err
	}
	return desc.Digest, nil
}

// ghcrError returns the registry error a go-containerregistry call failed
// with, or fails the test.
func ghcrError(t *testing.T, err error) (status int, code, message string) {
	t.Helper()
	var terr *transport.Error
	if !errors.As(err, &terr) || len(terr.Errors) != 1 {
		t.Fatalf("want one registry error, got %v", err)
	}
	return terr.StatusCode, string(terr.Errors[0].Code), terr.Errors[0].Message
}

func TestSeedCaseDeniedThenAllowed(t *testing.T) {
	t.Parallel()
	srv := ghcrtest.New(t, ghcrtest.WithScenario(seed(t)))
	ref := srv.Ref("acme/api:v1")

	_, err := pushImage(t, srv, ref, "workflow")
	status, code, msg := ghcrError(t, err)
	if status != http.StatusForbidden || code != "DENIED" || msg != "permission_denied: write_package" {
		t.Fatalf("push with the workflow's token: got %d %s %q, want GHCR's 403 DENIED \"permission_denied: write_package\"", status, code, msg)
	}
	if want := "POST " + srv.URL + "/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package"; err.Error() != want {
		t.Errorf("error text:\n got %s\nwant %s", err, want)
	}
	denial, ok := srv.LastDenial()
	if !ok || denial.Reason != string(authz.DenyActionsAccess) || denial.Repo != "acme/api" || denial.Fix == "" {
		t.Fatalf("LastDenial = %+v, %v; want reason %s on acme/api with a fix", denial, ok, authz.DenyActionsAccess)
	}

	srv.SetActionsAccess("acme/api", "acme/api", authz.RoleWrite)
	pushed, err := pushImage(t, srv, ref, "workflow")
	if err != nil {
		t.Fatalf("push after SetActionsAccess: %v", err)
	}
	got, err := pullDigest(t, srv, ref, "workflow")
	if err != nil || got != pushed {
		t.Fatalf("pull after push: %v, %v; want %v", got, err, pushed)
	}
}

// World changes never delete content: an image pushed before a change can
// still be pulled after it by whoever may read it.
func TestContentSurvivesChanges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(*ghcrtest.Server)
	}{
		{"set visibility private", func(s *ghcrtest.Server) { s.SetVisibility("acme/api", authz.Private) }},
		{"link repository", func(s *ghcrtest.Server) { s.LinkRepository("acme/api", "acme/api") }},
		{"grant then remove actions access", func(s *ghcrtest.Server) {
			s.SetActionsAccess("acme/api", "acme/api", authz.RoleAdmin)
			s.RemoveActionsAccess("acme/api", "acme/api")
		}},
		{"revoke another credential", func(s *ghcrtest.Server) { s.RevokeCredential("workflow") }},
		{"reset", func(s *ghcrtest.Server) {
			s.SetVisibility("acme/api", authz.Private)
			s.Reset()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := ghcrtest.New(t, ghcrtest.WithScenario(seed(t)))
			ref := srv.Ref("acme/api:before")
			pushed, err := pushImage(t, srv, ref, "alice")
			if err != nil {
				t.Fatalf("push: %v", err)
			}
			tc.change(srv)
			got, err := pullDigest(t, srv, ref, "alice")
			if err != nil || got != pushed {
				t.Fatalf("pull after change: %v, %v; want %v", got, err, pushed)
			}
		})
	}
}

// tokenRequest asks the token service for a pull token as cred.
func tokenRequest(t *testing.T, srv *ghcrtest.Server, cred string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/token?service=ghcr.io&scope=repository:acme/api:pull", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("x", srv.Secret(cred))
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestRevokeCredential(t *testing.T) {
	t.Parallel()
	srv := ghcrtest.New(t, ghcrtest.WithScenario(seed(t)))
	if status, body := tokenRequest(t, srv, "workflow"); status != http.StatusOK {
		t.Fatalf("/token before revoking: %d %s", status, body)
	}
	srv.RevokeCredential("workflow")
	status, body := tokenRequest(t, srv, "workflow")
	if want := `{"errors":[{"code":"DENIED","message":"denied"}]}`; status != http.StatusForbidden || strings.TrimSpace(body) != want {
		t.Errorf("/token after revoking: %d %s, want 403 %s", status, body, want)
	}
	if !srv.Credential("workflow").Revoked {
		t.Error("Credential(workflow).Revoked = false after RevokeCredential")
	}
	// Another credential is not affected.
	if status, body := tokenRequest(t, srv, "alice"); status != http.StatusOK {
		t.Errorf("/token for alice: %d %s", status, body)
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	srv := ghcrtest.New(t, ghcrtest.WithScenario(seed(t)), ghcrtest.WithTLS())
	if srv.Host() != "ghcr.io" || srv.Ref("acme/api:v1") != "ghcr.io/acme/api:v1" {
		t.Errorf("Host() = %q, Ref = %q; want ghcr.io", srv.Host(), srv.Ref("acme/api:v1"))
	}
	if !strings.HasPrefix(srv.URL, "https://127.0.0.1:") {
		t.Errorf("URL = %q, want https://127.0.0.1:PORT", srv.URL)
	}

	// The challenge names ghcr.io's realm, so clients come back to ghcr.io.
	resp, err := srv.Client().Get("https://ghcr.io/v2/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, want := resp.Header.Get("WWW-Authenticate"), `Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"`; got != want {
		t.Errorf("challenge:\n got %s\nwant %s", got, want)
	}

	_, err = pushImage(t, srv, "ghcr.io/acme/api:v1", "workflow")
	if want := "POST https://ghcr.io/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package"; err == nil || err.Error() != want {
		t.Errorf("workflow push: %v, want %s", err, want)
	}
	pushed, err := pushImage(t, srv, "ghcr.io/acme/api:v1", "alice")
	if err != nil {
		t.Fatalf("alice's push to ghcr.io: %v", err)
	}
	if got, err := pullDigest(t, srv, "ghcr.io/acme/api:v1", ""); err != nil || got != pushed {
		t.Fatalf("anonymous pull of the public package: %v, %v; want %v", got, err, pushed)
	}

	// A client outside the process trusts the CA and reaches URL.
	pool := x509Pool(t, srv.CACertPEM())
	c := &http.Client{Transport: &http.Transport{Proxy: nil, TLSClientConfig: tlsConfig(pool)}}
	resp, err = c.Get(srv.URL + "/_fakeghcr/healthz")
	if err != nil {
		t.Fatalf("healthz with the CA file: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz: %s", resp.Status)
	}
}

func TestCACertPEMWithoutTLS(t *testing.T) {
	t.Parallel()
	if pem := ghcrtest.New(t).CACertPEM(); pem != nil {
		t.Errorf("CACertPEM without WithTLS = %q, want nil", pem)
	}
}

func TestCloseTwice(t *testing.T) {
	t.Parallel()
	srv := ghcrtest.New(t)
	c := srv.Client()
	resp, err := c.Get(srv.URL + "/_fakeghcr/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	srv.Close()
	srv.Close()
	if resp, err := c.Get(srv.URL + "/_fakeghcr/healthz"); err == nil {
		resp.Body.Close()
		t.Fatalf("request after Close: %s, want an error", resp.Status)
	}
}

// The transport reaches the fixture and nothing else: a test never sends a
// request to the network, least of all to the real ghcr.io.
func TestTransportReachesOnlyFixture(t *testing.T) {
	t.Parallel()
	plain := ghcrtest.New(t)
	withTLS := ghcrtest.New(t, ghcrtest.WithTLS())
	port := plain.URL[strings.LastIndex(plain.URL, ":")+1:]
	tlsPort := withTLS.URL[strings.LastIndex(withTLS.URL, ":")+1:]
	for _, tc := range []struct {
		srv     *ghcrtest.Server
		url     string
		reaches bool
	}{
		{plain, plain.URL + "/_fakeghcr/healthz", true},
		{plain, "http://localhost:" + port + "/_fakeghcr/healthz", true},
		{plain, "https://ghcr.io/v2/", false}, // plain HTTP mode does not stand in for ghcr.io
		{plain, "http://ghcr.io:" + port + "/v2/", false},
		{plain, "http://127.0.0.1:1/", false},
		{plain, "http://example.com/", false},
		{withTLS, withTLS.URL + "/_fakeghcr/healthz", true},
		{withTLS, "https://ghcr.io/_fakeghcr/healthz", true},
		{withTLS, "https://GHCR.io:443/_fakeghcr/healthz", true},
		{withTLS, "https://localhost:" + tlsPort + "/_fakeghcr/healthz", true},
		{withTLS, "https://pkg-containers.githubusercontent.com/", false},
		{withTLS, "https://api.github.com/", false},
		{withTLS, "http://ghcr.io/v2/", false}, // port 80
	} {
		t.Run(tc.url, func(t *testing.T) {
			t.Parallel()
			resp, err := tc.srv.Client().Get(tc.url)
			if tc.reaches {
				if err != nil {
					t.Fatalf("got %v, want the fixture to answer", err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("got %s, want 200", resp.Status)
				}
				return
			}
			if err == nil {
				resp.Body.Close()
			}
			if !errors.Is(err, ghcrtest.ErrOutsideFixture) {
				t.Fatalf("got %v, want ErrOutsideFixture", err)
			}
		})
	}
}

// recordingTB is a ghcrtest.TB that records instead of failing, to test
// what New and the methods do on errors and where the log goes.
type recordingTB struct {
	mu       sync.Mutex
	fatals   []string
	logs     []string
	cleanups []func()
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Fatalf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fatals = append(r.fatals, sprintf(format, args...))
}
func (r *recordingTB) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}
func (r *recordingTB) Log(args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, sprint(args...))
}
func (r *recordingTB) snapshot() (fatals, logs []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.fatals...), append([]string(nil), r.logs...)
}
func (r *recordingTB) cleanup() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func TestFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		do   func(rt *recordingTB)
		want string
	}{
		{"unknown builtin", func(rt *recordingTB) { ghcrtest.New(rt, ghcrtest.WithBuiltin("no-such-scenario")) }, "unknown built-in scenario"},
		{"missing scenario file", func(rt *recordingTB) { ghcrtest.New(rt, ghcrtest.WithScenarioFile("testdata/missing.yaml")) }, "missing.yaml"},
		{"nil scenario", func(rt *recordingTB) { ghcrtest.New(rt, ghcrtest.WithScenario(nil)) }, "nil scenario"},
		{"unknown credential", func(rt *recordingTB) { ghcrtest.New(rt).Credential("nobody") }, `no credential "nobody" (the world has workflow, alice)`},
		{"unknown package", func(rt *recordingTB) { ghcrtest.New(rt).SetVisibility("acme/nope", authz.Public) }, `unknown package "acme/nope"`},
		{"bad role", func(rt *recordingTB) { ghcrtest.New(rt).SetActionsAccess("acme/api", "acme/api", "owner") }, `unknown role "owner"`},
		{"duplicate credential", func(rt *recordingTB) {
			ghcrtest.New(rt).AddCredential(authz.Credential{Name: "alice", Secret: "x", Kind: authz.ClassicPAT, User: "alice"})
		}, `credential "alice" already exists`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rt := &recordingTB{}
			defer rt.cleanup()
			tc.do(rt)
			fatals, _ := rt.snapshot()
			if len(fatals) != 1 || !strings.HasPrefix(fatals[0], "ghcrtest: ") || !strings.Contains(fatals[0], tc.want) {
				t.Fatalf("Fatalf calls = %q, want one containing %q", fatals, tc.want)
			}
		})
	}
}

// The default log goes to the test, denials included, and stops at Close:
// testing panics on a Log after the test ends.
func TestDefaultLogStopsAtClose(t *testing.T) {
	t.Parallel()
	rt := &recordingTB{}
	srv := ghcrtest.New(rt, ghcrtest.WithScenario(seed(t)))
	if _, err := pushImage(t, srv, srv.Ref("acme/api:v1"), "workflow"); err == nil {
		t.Fatal("push succeeded, want a denial")
	}
	_, logs := rt.snapshot()
	if !strings.Contains(strings.Join(logs, "\n"), "reason=actions_access_missing") {
		t.Fatalf("test log has no denial:\n%s", strings.Join(logs, "\n"))
	}
	for _, l := range logs {
		if strings.Contains(l, srv.Secret("workflow")) {
			t.Errorf("log line carries a secret: %s", l)
		}
	}
	rt.cleanup() // the test ends: Close runs, after requests still in flight
	_, logs = rt.snapshot()
	n := len(logs)
	// A request served after Close (straight to the handler) logs nothing.
	req, _ := http.NewRequest(http.MethodPost, "/v2/acme/api/blobs/uploads/", nil)
	req.SetBasicAuth("x", srv.Secret("workflow"))
	srv.Registry().ServeHTTP(discard{}, req)
	srv.Reset()
	if _, logs := rt.snapshot(); len(logs) != n {
		t.Errorf("logged after Close: %q", logs[n:])
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	t.Run("builtin", func(t *testing.T) {
		t.Parallel()
		srv := ghcrtest.New(t, ghcrtest.WithBuiltin("actions-access-missing"))
		if _, ok := srv.World().Package("acme/api"); !ok || srv.Secret("workflow") != "ghs_api_workflow" {
			t.Errorf("builtin world not loaded: %+v", srv.World().Credentials)
		}
	})
	t.Run("scenario file", func(t *testing.T) {
		t.Parallel()
		srv := ghcrtest.New(t, ghcrtest.WithScenarioFile(seedFile))
		if got := srv.Secret("alice"); got != "ghp_test_alice" {
			t.Errorf("Secret(alice) = %q", got)
		}
	})
	t.Run("logger", func(t *testing.T) {
		t.Parallel()
		var buf syncBuffer
		srv := ghcrtest.New(t, ghcrtest.WithScenario(seed(t)), ghcrtest.WithLogger(newTextLogger(&buf)))
		_, _ = pushImage(t, srv, srv.Ref("acme/api:v1"), "workflow")
		if !strings.Contains(buf.String(), "reason=actions_access_missing") {
			t.Errorf("logger got no denial:\n%s", buf.String())
		}
	})
	t.Run("clock", func(t *testing.T) {
		t.Parallel()
		srv := ghcrtest.New(t, ghcrtest.WithScenario(seed(t)), ghcrtest.WithClock(fixedClock))
		_, _ = pushImage(t, srv, srv.Ref("acme/api:v1"), "workflow")
		d, ok := srv.LastDenial()
		if !ok || !d.Time.Equal(fixedClock()) {
			t.Errorf("denial time = %v, want %v", d.Time, fixedClock())
		}
	})
	t.Run("admin token", func(t *testing.T) {
		t.Parallel()
		srv := ghcrtest.New(t, ghcrtest.WithAdminToken("s3cret"))
		for token, want := range map[string]int{"s3cret": http.StatusOK, "wrong": http.StatusUnauthorized} {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/_fakeghcr/decisions", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("decisions with token %q: %s, want %d", token, resp.Status, want)
			}
		}
	})
}
