package registry_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// The secrets of testWorld's credentials. Every test that logs greps the
// whole log for each of them.
const (
	secretAlice      = "ghp_test_alice_0123456789"
	secretBob        = "ghp_test_bob_0123456789"
	secretCarol      = "ghp_test_carol_0123456789"
	secretDave       = "ghp_test_dave_0123456789"
	secretErin       = "ghp_test_erin_0123456789"
	secretFine       = "github_pat_test_fine_0123456789"
	secretWorkflow   = "ghs_test_workflow_0123456789"
	secretWorkflowRO = "ghs_test_workflow_ro_0123456789"
	secretWeb        = "ghs_test_web_0123456789"
	secretApp        = "ghs_test_app_0123456789"
	secretStale      = "ghp_test_stale_0123456789"
)

func allSecrets() []string {
	return []string{secretAlice, secretBob, secretCarol, secretDave, secretErin, secretFine,
		secretWorkflow, secretWorkflowRO, secretWeb, secretApp, secretStale}
}

// testWorld is a fresh GitHub world for one test.
//
// Organization acme: alice (owner), bob, carol, dave are members;
// repositories acme/api and acme/web (permissive workflow defaults).
// Package acme/api is private, alice admin, unlinked, no Actions access:
// the seed case. acme/public is public. Organization strict forbids classic
// PATs; erin is a member and admin of its private package strict/app.
func testWorld() authz.World {
	return authz.World{
		Owners: map[string]authz.Owner{
			"acme": {Login: "acme", Type: authz.Organization, Members: []authz.Member{
				{Login: "alice", Owner: true}, {Login: "bob"}, {Login: "carol"}, {Login: "dave"}}},
			"strict": {Login: "strict", Type: authz.Organization, ForbidClassicPAT: true,
				Members: []authz.Member{{Login: "erin", Owner: true}}},
			"other": {Login: "other", Type: authz.Organization},
			"alice": {Login: "alice", Type: authz.User},
			"bob":   {Login: "bob", Type: authz.User},
			"carol": {Login: "carol", Type: authz.User},
			"dave":  {Login: "dave", Type: authz.User},
			"erin":  {Login: "erin", Type: authz.User},
		},
		Repositories: map[string]authz.Repository{
			"acme/api":   {Name: "acme/api", ID: 101, Visibility: authz.Private, WorkflowPermission: authz.RoleWrite},
			"acme/web":   {Name: "acme/web", ID: 102, Visibility: authz.Private, WorkflowPermission: authz.RoleWrite},
			"strict/app": {Name: "strict/app", ID: 201, Visibility: authz.Private, WorkflowPermission: authz.RoleWrite},
		},
		Packages: map[string]authz.Package{
			"acme/api":    {Name: "acme/api", Visibility: authz.Private, Users: map[string]authz.Role{"alice": authz.RoleAdmin}},
			"acme/public": {Name: "acme/public", Visibility: authz.Public, Users: map[string]authz.Role{"alice": authz.RoleAdmin}},
			"strict/app":  {Name: "strict/app", Visibility: authz.Private, Users: map[string]authz.Role{"erin": authz.RoleAdmin}},
		},
		Credentials: []authz.Credential{
			{Name: "alice", Secret: secretAlice, Kind: authz.ClassicPAT, User: "alice", Scopes: []string{"write:packages", "read:packages"}},
			{Name: "bob", Secret: secretBob, Kind: authz.ClassicPAT, User: "bob", Scopes: []string{"read:packages"}},
			{Name: "carol", Secret: secretCarol, Kind: authz.ClassicPAT, User: "carol", Scopes: []string{"repo"}},
			{Name: "dave", Secret: secretDave, Kind: authz.ClassicPAT, User: "dave", Scopes: []string{"write:packages"}},
			{Name: "erin", Secret: secretErin, Kind: authz.ClassicPAT, User: "erin", Scopes: []string{"write:packages"}},
			{Name: "fine", Secret: secretFine, Kind: authz.FineGrainedPAT, User: "alice"},
			{Name: "workflow", Secret: secretWorkflow, Kind: authz.GitHubToken, Repository: "acme/api", Packages: authz.RoleWrite, Event: "push"},
			{Name: "workflow-ro", Secret: secretWorkflowRO, Kind: authz.GitHubToken, Repository: "acme/api", Packages: authz.RoleRead, Event: "push"},
			{Name: "web", Secret: secretWeb, Kind: authz.GitHubToken, Repository: "acme/web", Packages: authz.RoleRead, Event: "push"},
			{Name: "app", Secret: secretApp, Kind: authz.AppInstallation, App: "deployer"},
			{Name: "stale", Secret: secretStale, Kind: authz.ClassicPAT, User: "alice", Scopes: []string{"write:packages", "read:packages"}, Revoked: true},
		},
	}
}

// testTags preloads a small image under each package's latest tag.
func testTags() map[string][]string {
	return map[string][]string{"acme/api": {"latest"}, "acme/public": {"latest"}, "strict/app": {"latest"}}
}

// fixture is one fake GHCR served over HTTP for one test.
type fixture struct {
	srv  *registry.Server
	ts   *httptest.Server
	host string // 127.0.0.1:port, the registry part of references
	logs *syncBuffer
}

// start serves a Server built from world (with testTags) and opts.
func start(t *testing.T, world authz.World, opts registry.Options) *fixture {
	t.Helper()
	sc := &scenarios.Scenario{Name: t.Name(), World: world, Tags: testTags()}
	return startScenario(t, sc, opts)
}

func startScenario(t *testing.T, sc *scenarios.Scenario, opts registry.Options) *fixture {
	t.Helper()
	logs := &syncBuffer{}
	opts.Scenario = sc
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := registry.New(opts)
	if err != nil {
		t.Fatalf("registry.New: %v", err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &fixture{srv: srv, ts: ts, host: strings.TrimPrefix(ts.URL, "http://"), logs: logs}
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// exchange is one recorded HTTP round trip.
type exchange struct {
	Method string
	Path   string
	Query  string
	Status int
	Header http.Header
	Body   []byte
}

// recorder is an http.RoundTripper that keeps every response, so a test
// can look at the headers of the one a client failed on.
type recorder struct {
	inner http.RoundTripper
	mu    sync.Mutex
	log   []exchange
}

// newRecorder sends through a transport of its own: tests run in parallel, and
// httptest.Server.Close calls CloseIdleConnections on http.DefaultTransport, which
// fails another test's POST on a reused connection with "http: CloseIdleConnections
// called" (TestSection9SeedFixedByApply flaked so).
func newRecorder() *recorder {
	return &recorder{inner: http.DefaultTransport.(*http.Transport).Clone()}
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.inner.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	r.log = append(r.log, exchange{Method: req.Method, Path: req.URL.Path, Query: req.URL.RawQuery,
		Status: resp.StatusCode, Header: resp.Header.Clone(), Body: body})
	r.mu.Unlock()
	return resp, nil
}

// exchanges returns a copy of what was recorded.
func (r *recorder) exchanges() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]exchange(nil), r.log...)
}

// failed returns the last recorded response the client error names.
func (r *recorder) failed(terr *transport.Error) (exchange, bool) {
	ex := r.exchanges()
	for i := len(ex) - 1; i >= 0; i-- {
		e := ex[i]
		if e.Status != terr.StatusCode {
			continue
		}
		if terr.Request == nil || (terr.Request.Method == e.Method && terr.Request.URL.Path == e.Path) {
			return e, true
		}
	}
	return exchange{}, false
}

// basic is a docker login with any user name and secret as password.
func basic(secret string) authn.Authenticator {
	if secret == "" {
		return authn.Anonymous
	}
	return &authn.Basic{Username: "someone", Password: secret}
}

func (f *fixture) ref(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(f.host+"/"+s, name.Insecure)
	if err != nil {
		t.Fatalf("parse reference %q: %v", s, err)
	}
	return r
}

func remoteOpts(auth authn.Authenticator, rt http.RoundTripper) []remote.Option {
	return []remote.Option{remote.WithAuth(auth), remote.WithTransport(rt), remote.WithContext(context.Background())}
}

func randomImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatalf("random image: %v", err)
	}
	return img
}

// push writes a random image to repo:tag as the owner of secret.
func (f *fixture) push(t *testing.T, secret, ref string) error {
	t.Helper()
	return remote.Write(f.ref(t, ref), randomImage(t), remoteOpts(basic(secret), newRecorder())...)
}

// mustPush pushes img to ref as alice.
func (f *fixture) mustPush(t *testing.T, ref string, img v1.Image) {
	t.Helper()
	if err := remote.Write(f.ref(t, ref), img, remoteOpts(basic(secretAlice), newRecorder())...); err != nil {
		t.Fatalf("pushing %s as alice: %v", ref, err)
	}
}

// reply is a raw HTTP answer.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// do sends one raw request; headers are name, value pairs.
func (f *fixture) do(t *testing.T, method, path string, body io.Reader, headers ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, f.ts.URL+path, body)
	if err != nil {
		t.Fatalf("new request %s %s: %v", method, path, err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// token runs the token dance for secret ("" is anonymous) and returns the
// registry token, failing the test on anything but 200.
func (f *fixture) token(t *testing.T, secret string, scopes ...string) string {
	t.Helper()
	q := "/token?service=ghcr.io"
	for _, s := range scopes {
		q += "&scope=" + s
	}
	var hdr []string
	if secret != "" {
		hdr = []string{"Authorization", basicHeader("someone", secret)}
	}
	r := f.do(t, http.MethodGet, q, nil, hdr...)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: status %d, body %s", q, r.Status, r.Body)
	}
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(r.Body, &tok); err != nil || tok.Token == "" {
		t.Fatalf("GET %s: body %s: %v", q, r.Body, err)
	}
	return tok.Token
}

func basicHeader(user, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+secret))
}

func bearer(token string) string { return "Bearer " + token }

// ghcrBody is GHCR's error envelope, byte for byte.
func ghcrBody(code, message string) string {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": code, "message": message}}})
	return string(b) + "\n"
}

// challenge is GHCR's WWW-Authenticate for repo on f.
func (f *fixture) challenge(repo string) string {
	return `Bearer realm="` + f.ts.URL + `/token",service="ghcr.io",scope="repository:` + repo + `:pull"`
}

// GHCR's messages, as the spec quotes them.
const (
	msgAuthRequired    = "authentication required"
	msgUnauthenticated = "unauthenticated: User cannot be authenticated with the token provided."
	msgResourceDenied  = "requested access to the resource is denied"
	msgScopes          = "permission_denied: The token provided does not match expected scopes."
)

// asTransportError unwraps a client error to the registry's answer.
func asTransportError(t *testing.T, err error) *transport.Error {
	t.Helper()
	var terr *transport.Error
	if !errors.As(err, &terr) {
		t.Fatalf("error %v (%T) is not a *transport.Error", err, err)
	}
	return terr
}

// checkError asserts a raw reply is GHCR's error envelope, byte for byte.
func checkError(t *testing.T, r reply, status int, code, message string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d (body %s)", r.Status, status, r.Body)
	}
	if got, want := string(r.Body), ghcrBody(code, message); got != want {
		t.Errorf("body\n got %q\nwant %q", got, want)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
}

// pushIndex pushes a random two-image OCI index to ref as alice.
func pushIndex(t *testing.T, f *fixture, ref string) v1.ImageIndex {
	t.Helper()
	idx, err := random.Index(256, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(f.ref(t, ref), idx, remoteOpts(basic(secretAlice), newRecorder())...); err != nil {
		t.Fatalf("pushing index %s: %v", ref, err)
	}
	return idx
}
