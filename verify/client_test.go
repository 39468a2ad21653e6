package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// trace records each request as "METHOD /path?query STATUS AUTH", AUTH
// being the Authorization scheme or "-", with digests and upload ids
// replaced by D and U.
type trace struct {
	inner http.RoundTripper
	mu    sync.Mutex
	lines []string
	// check, when set, sees every request (headers asserted per test).
	check func(*http.Request)
}

var (
	traceDigest = regexp.MustCompile(`sha256(:|%3A)[0-9a-f]{64}`)
	traceUpload = regexp.MustCompile(`/uploads/[^/?]+`)
)

func (t *trace) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.check != nil {
		t.check(req)
	}
	resp, err := t.inner.RoundTrip(req)
	status := "ERR"
	if err == nil {
		status = fmt.Sprint(resp.StatusCode)
	}
	auth, _, _ := strings.Cut(req.Header.Get("Authorization"), " ")
	if auth == "" {
		auth = "-"
	}
	line := req.Method + " " + traceUpload.ReplaceAllString(traceDigest.ReplaceAllString(req.URL.RequestURI(), "D"), "/uploads/U") + " " + status + " " + auth
	t.mu.Lock()
	t.lines = append(t.lines, line)
	t.mu.Unlock()
	return resp, err
}

func (t *trace) take() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.lines
	t.lines = nil
	return l
}

const orderWorld = `name: order
owners:
  - {login: acme, type: organization, members: [alice], owners: [alice]}
  - {login: alice, type: user}
repositories:
  - {name: acme/api}
packages:
  - {name: acme/api, visibility: public, repository: acme/api, tags: [latest]}
  - {name: acme/private, visibility: private, repository: acme/api}
credentials:
  - {name: alice, secret: ghp_a, type: classic_pat, user: alice, scopes: ["write:packages"]}
  - {name: workflow, secret: ghs_w, type: github_token, repository: acme/api, packages: write}
faults:
  - {status: 429, method: POST, repository: acme/retried, times: 1}
  - {status: 503, method: GET, path: "/v2/acme/api/manifests/flaky", times: 1}
expect:
  - {credential: alice, action: push, package: acme/api, status: 201}
`

// orderServer serves orderWorld and returns a Client's host.
func orderServer(t *testing.T) string {
	t.Helper()
	sc, err := scenarios.Parse("order.yaml", []byte(orderWorld))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := registry.New(registry.Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return strings.TrimPrefix(ts.URL, "http://")
}

const (
	pushToken = "GET /token?scope=repository%3Aacme%2Fapi%3Apush%2Cpull&service=ghcr.io 200 Basic"
	pullToken = "GET /token?scope=repository%3Aacme%2Fapi%3Apull&service=ghcr.io 200 Basic"
	ping      = "GET /v2/ 401 -"
)

// TestRequestOrder: the client sends go-containerregistry v0.22.1's
// requests in its order (recorded from remote.Write, remote.Get,
// remote.List and transport.NewWithContext against fakeghcr).
func TestRequestOrder(t *testing.T) {
	t.Parallel()
	host := orderServer(t)
	ctx := t.Context()
	tr := &trace{inner: http.DefaultTransport}
	alice := Client{Host: host, Secret: "ghp_a", Transport: tr}

	if _, err := alice.PushStreamed(ctx, "acme/api", "streamed"); err != nil {
		t.Fatal(err)
	}
	wantLines(t, "PushStreamed", tr.take(), []string{
		ping, pushToken,
		"POST /v2/acme/api/blobs/uploads/ 202 Bearer",
		"PATCH /v2/acme/api/blobs/uploads/U 202 Bearer",
		"PUT /v2/acme/api/blobs/uploads/U?digest=D 201 Bearer",
		"HEAD /v2/acme/api/blobs/D 404 Bearer",
		"POST /v2/acme/api/blobs/uploads/ 202 Bearer",
		"PATCH /v2/acme/api/blobs/uploads/U 202 Bearer",
		"PUT /v2/acme/api/blobs/uploads/U?digest=D 201 Bearer",
		"HEAD /v2/acme/api/manifests/streamed 404 Bearer",
		"PUT /v2/acme/api/manifests/streamed 201 Bearer",
	})

	digest, err := alice.Push(ctx, "acme/api", "headfirst")
	if err != nil {
		t.Fatal(err)
	}
	got := tr.take()
	// The layer and the config are uploaded in parallel: each in order,
	// the two interleaved in any way.
	if len(got) != 12 {
		t.Fatalf("Push: %d requests, want 12:\n%s", len(got), strings.Join(got, "\n"))
	}
	wantLines(t, "Push (start)", got[:3], []string{ping, pushToken, "HEAD /v2/acme/api/manifests/headfirst 404 Bearer"})
	wantLines(t, "Push (end)", got[11:], []string{"PUT /v2/acme/api/manifests/headfirst 201 Bearer"})
	lanes := slices.Sorted(slices.Values(got[3:11]))
	wantLines(t, "Push (blobs, sorted)", lanes, []string{
		"HEAD /v2/acme/api/blobs/D 404 Bearer", "HEAD /v2/acme/api/blobs/D 404 Bearer",
		"PATCH /v2/acme/api/blobs/uploads/U 202 Bearer", "PATCH /v2/acme/api/blobs/uploads/U 202 Bearer",
		"POST /v2/acme/api/blobs/uploads/ 202 Bearer", "POST /v2/acme/api/blobs/uploads/ 202 Bearer",
		"PUT /v2/acme/api/blobs/uploads/U?digest=D 201 Bearer", "PUT /v2/acme/api/blobs/uploads/U?digest=D 201 Bearer",
	})
	if got[3] != "HEAD /v2/acme/api/blobs/D 404 Bearer" {
		t.Errorf("Push: the first blob request is %q, want a HEAD", got[3])
	}

	tr.check = func(r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/manifests/") && r.Header.Get("Accept") != manifestAccept {
			t.Errorf("manifest GET Accept %q, want ggcr's %q", r.Header.Get("Accept"), manifestAccept)
		}
	}
	pulled, err := alice.Pull(ctx, "acme/api", "headfirst")
	if err != nil || pulled != digest {
		t.Errorf("Pull = %q, %v; want %q (the pushed digest)", pulled, err, digest)
	}
	wantLines(t, "Pull", tr.take(), []string{ping, pullToken, "GET /v2/acme/api/manifests/headfirst 200 Bearer"})

	tags, err := alice.Tags(ctx, "acme/api")
	if want := []string{"headfirst", "latest", "streamed"}; err != nil || !slices.Equal(tags, want) {
		t.Errorf("Tags = %q, %v; want %q", tags, err, want)
	}
	wantLines(t, "Tags", tr.take(), []string{ping, pullToken, "GET /v2/acme/api/tags/list?n=1000 200 Bearer"})

	if err := alice.Login(ctx); err != nil {
		t.Fatal(err)
	}
	wantLines(t, "Login", tr.take(), []string{ping, "GET /token?service=ghcr.io 200 Basic", "GET /v2/ 200 Bearer"})
}

// TestRefusals: a refusal is an *Error whose text is crane's, for the
// upload POST, a body-less HEAD and the /token request.
func TestRefusals(t *testing.T) {
	t.Parallel()
	host := orderServer(t)
	ctx := t.Context()
	tr := &trace{inner: http.DefaultTransport}
	workflow := Client{Host: host, Secret: "ghs_w", Transport: tr}
	for _, tc := range []struct {
		name     string
		run      func() error
		wantText string // a regular expression
		want     []string
	}{
		{"streamed push refused at the POST", func() error {
			_, err := Client{Host: host, Secret: "ghs_w", Transport: tr}.PushStreamed(ctx, "acme/private", "x")
			return err
		}, regexp.QuoteMeta("POST http://" + host + "/v2/acme/private/blobs/uploads/: DENIED: permission_denied: write_package"),
			nil},
		{"head-first push refused at a blob HEAD", func() error { _, err := workflow.Push(ctx, "acme/private", "x"); return err },
			regexp.QuoteMeta("HEAD http://"+host+"/v2/acme/private/blobs/sha256:") + "[0-9a-f]{64}" +
				regexp.QuoteMeta(": unexpected status code 403 Forbidden (HEAD responses have no body, use GET for details)"),
			nil},
		{"anonymous pull refused at /token", func() error {
			_, err := Client{Host: host, Transport: tr}.Pull(ctx, "acme/private", "latest")
			return err
		},
			regexp.QuoteMeta("GET http://" + host + "/token?scope=repository%3Aacme%2Fprivate%3Apull&service=ghcr.io: UNAUTHORIZED: authentication required"),
			[]string{ping, "GET /token?scope=repository%3Aacme%2Fprivate%3Apull&service=ghcr.io 401 -"}},
	} {
		err := tc.run()
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v (%T), want an *Error", tc.name, err, err)
			continue
		}
		if !regexp.MustCompile("^" + tc.wantText + "$").MatchString(err.Error()) {
			t.Errorf("%s: error text\n  %s\nwant\n  %s", tc.name, err, tc.wantText)
		}
		if got := tr.take(); tc.want != nil {
			wantLines(t, tc.name, got, tc.want)
		}
	}
}

// TestRetries: remote.Write retries a whole upload step after a 429 (no
// HEAD for a streamed layer, so the POST again), and the transport retries
// a GET answered 503.
func TestRetries(t *testing.T) {
	t.Parallel()
	host := orderServer(t)
	ctx := t.Context()
	tr := &trace{inner: http.DefaultTransport}
	alice := Client{Host: host, Secret: "ghp_a", Transport: tr}
	if _, err := alice.PushStreamed(ctx, "acme/retried", "v1"); err != nil {
		t.Fatal(err)
	}
	got := tr.take()
	if len(got) < 4 || got[2] != "POST /v2/acme/retried/blobs/uploads/ 429 Bearer" || got[3] != "POST /v2/acme/retried/blobs/uploads/ 202 Bearer" {
		t.Errorf("push after a 429: %q, want the POST again", got)
	}
	if _, err := alice.Push(ctx, "acme/api", "flaky"); err != nil {
		t.Fatal(err)
	}
	tr.take()
	if _, err := alice.Pull(ctx, "acme/api", "flaky"); err != nil {
		t.Fatal(err)
	}
	wantLines(t, "pull after a 503", tr.take(), []string{ping, pullToken,
		"GET /v2/acme/api/manifests/flaky 503 Bearer", "GET /v2/acme/api/manifests/flaky 200 Bearer"})
}

// TestChallengeAndPages: a 401 with a challenge adds its scope (first),
// refreshes the token and resends the request once; tags follow the Link
// header.
func TestChallengeAndPages(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	tokens := 0
	mux := http.NewServeMux()
	challenge := func(w http.ResponseWriter, r *http.Request, scope string) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="http://`+r.Host+`/token?x=1",service="svc"`+scope)
		w.WriteHeader(http.StatusUnauthorized)
	}
	mux.HandleFunc("/v2/", func(w http.ResponseWriter, r *http.Request) { challenge(w, r, "") })
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokens++
		n := tokens
		mu.Unlock()
		fmt.Fprintf(w, `{"access_token":"t%d"}`, n)
	})
	mux.HandleFunc("/v2/p/tags/list", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Authorization") == "Bearer t1":
			challenge(w, r, `,scope="repository:p:pull,extra"`)
		case r.URL.Query().Get("last") == "":
			w.Header().Set("Link", `</v2/p/tags/list?n=1&last=a>; rel="next"`)
			fmt.Fprint(w, `{"name":"p","tags":["a"]}`)
		default:
			fmt.Fprint(w, `{"name":"p","tags":["b"]}`)
		}
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	tr := &trace{inner: http.DefaultTransport}
	tags, err := Client{Host: strings.TrimPrefix(ts.URL, "http://"), Secret: "s", Transport: tr}.Tags(t.Context(), "p")
	if err != nil || !slices.Equal(tags, []string{"a", "b"}) {
		t.Errorf("Tags = %q, %v; want [a b]", tags, err)
	}
	wantLines(t, "tags", tr.take(), []string{
		"GET /v2/ 401 -",
		"GET /token?scope=repository%3Ap%3Apull&service=svc&x=1 200 Basic",
		"GET /v2/p/tags/list?n=1000 401 Bearer",
		"GET /token?scope=repository%3Ap%3Apull%2Cextra&scope=repository%3Ap%3Apull&service=svc&x=1 200 Basic",
		"GET /v2/p/tags/list?n=1000 200 Bearer",
		"GET /v2/p/tags/list?n=1&last=a 200 Bearer",
	})
}

// TestErrorText: Error reads as go-containerregistry's transport.Error.
func TestErrorText(t *testing.T) {
	u, _ := url.Parse("http://h/v2/x/blobs/uploads/1?_state=secret&digest=sha256:ab")
	for _, tc := range []struct {
		e    *Error
		want string
	}{
		{&Error{StatusCode: 403, Method: "HEAD", URL: u}, "HEAD http://h/v2/x/blobs/uploads/1?_state=REDACTED&digest=sha256%3Aab: unexpected status code 403 Forbidden (HEAD responses have no body, use GET for details)"},
		{&Error{StatusCode: 502, Method: "PUT", URL: u, body: "bad gateway"}, "PUT http://h/v2/x/blobs/uploads/1?_state=REDACTED&digest=sha256%3Aab: unexpected status code 502 Bad Gateway: bad gateway"},
		{&Error{StatusCode: 400, Errors: []ErrorEntry{{Code: "MANIFEST_BLOB_UNKNOWN", Message: "blob unknown", Detail: "sha256:ab"}, {Code: "DENIED", Message: "no"}}},
			"multiple errors returned: MANIFEST_BLOB_UNKNOWN: blob unknown; sha256:ab; DENIED: no"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q\nwant      %q", got, tc.want)
		}
	}
}

// TestContextRespected: a canceled context stops a retrying client at once.
func TestContextRespected(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(ts.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Client{Host: strings.TrimPrefix(ts.URL, "http://")}.Pull(ctx, "p", "latest")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("Pull against a 503 server with a 200ms context: %v after %v", err, time.Since(start))
	}
}

func wantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: requests\n  %s\nwant\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
