package faults

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// backend is a stand-in registry: it stores manifests PUT to it and
// counts the requests that reached it.
type backend struct {
	mu      sync.Mutex
	stored  map[string]bool
	reached atomic.Int64
}

func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.reached.Add(1)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stored == nil {
		b.stored = map[string]bool{}
	}
	_, _ = io.Copy(io.Discard, r.Body)
	switch r.Method {
	case http.MethodPut:
		b.stored[r.URL.Path] = true
		w.Header().Set("Docker-Content-Digest", "sha256:abc")
		w.WriteHeader(http.StatusCreated)
	default:
		if b.stored[r.URL.Path] || strings.HasSuffix(r.URL.Path, "sha256:abc") {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusNotFound)
	}
}

type harness struct {
	set   *Set
	be    *backend
	srv   *httptest.Server
	now   atomic.Int64 // unix nanos
	fired []Fired
	mu    sync.Mutex
	slept atomic.Int64
}

func newHarness(t *testing.T, rules ...Rule) *harness {
	t.Helper()
	h := &harness{set: &Set{}, be: &backend{}}
	h.now.Store(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC).UnixNano())
	for _, r := range rules {
		if _, err := h.set.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	m := &Middleware{Rules: h.set,
		Now:   func() time.Time { return time.Unix(0, h.now.Load()) },
		Sleep: func(_ context.Context, d time.Duration) error { h.slept.Add(int64(d)); return nil },
		OnFire: func(_ *http.Request, f Fired) {
			h.mu.Lock()
			h.fired = append(h.fired, f)
			h.mu.Unlock()
		}}
	h.srv = httptest.NewServer(m.Wrap(h.be))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *harness) firedList() []Fired {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Fired(nil), h.fired...)
}

func (b *backend) has(p string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stored[p]
}

func (h *harness) do(t *testing.T, method, path, body string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestStatusFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		rule       Rule
		method     string
		path       string
		wantStatus int
		wantBody   string
	}{
		{"GHCR's 429", Rule{Status: 429}, "GET", "/v2/acme/api/manifests/latest", 429,
			`{"errors":[{"code":"TOOMANYREQUESTS","message":"retry-after: 1.16676ms, allowed: 44000/minute"}]}` + "\n"},
		{"429 with a chosen wait and quota", Rule{Status: 429, RetryAfter: Duration(22625684 * time.Nanosecond), Allowed: "2000/minute"}, "POST", "/v2/acme/api/blobs/uploads/", 429,
			`{"errors":[{"code":"TOOMANYREQUESTS","message":"retry-after: 22.625684ms, allowed: 2000/minute"}]}` + "\n"},
		{"503", Rule{Status: 503}, "GET", "/v2/", 503, `{"errors":[{"code":"UNAVAILABLE","message":"service unavailable"}]}` + "\n"},
		{"500 on the token endpoint", Rule{Status: 500}, "GET", "/token", 500, `{"errors":[{"code":"UNKNOWN","message":"unknown error"}]}` + "\n"},
		{"REST path gets GitHub's shape", Rule{Status: 502}, "GET", "/api/v3/orgs/acme/packages", 502,
			`{"message":"service unavailable","documentation_url":"https://docs.github.com/rest","status":"502"}`},
		{"HEAD has no body", Rule{Status: 429}, "HEAD", "/v2/acme/api/blobs/sha256:1", 429, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tt.rule)
			status, hdr, body := h.do(t, tt.method, tt.path, "")
			if status != tt.wantStatus || body != tt.wantBody {
				t.Fatalf("got %d %q, want %d %q", status, body, tt.wantStatus, tt.wantBody)
			}
			if h.be.reached.Load() != 0 {
				t.Error("the registry saw a failed request")
			}
			if hdr.Get("Retry-After") != "" {
				t.Error("Retry-After sent; GHCR is not known to send one")
			}
			fired := h.firedList()
			if len(fired) != 1 || fired[0].Status != tt.wantStatus || fired[0].Effect != "status" {
				t.Errorf("fired %+v", fired)
			}
		})
	}
}

func TestAdminAPIIsNeverFaulted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Rule{Status: 503})
	if status, _, _ := h.do(t, "GET", "/_fakeghcr/faults", ""); status == 503 {
		t.Fatal("admin API faulted")
	}
}

func TestDelay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Rule{Delay: Duration(3 * time.Second), Times: 1})
	h.be.stored = map[string]bool{"/v2/acme/api/manifests/v1": true}
	if status, _, _ := h.do(t, "GET", "/v2/acme/api/manifests/v1", ""); status != 200 {
		t.Fatalf("status %d", status)
	}
	if time.Duration(h.slept.Load()) != 3*time.Second || h.be.reached.Load() != 1 {
		t.Errorf("slept %v, reached %d", time.Duration(h.slept.Load()), h.be.reached.Load())
	}
	h.do(t, "GET", "/v2/acme/api/manifests/v1", "")
	if time.Duration(h.slept.Load()) != 3*time.Second {
		t.Error("times: 1 slept twice")
	}
}

func TestResetCutsTheUpload(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Rule{ResetAfter: 1024, Path: "/v2/*/blobs/uploads/*"})
	req, _ := http.NewRequest("PATCH", h.srv.URL+"/v2/acme/api/blobs/uploads/u1", strings.NewReader(strings.Repeat("x", 64<<10)))
	_, err := h.srv.Client().Do(req)
	if err == nil {
		t.Fatal("the upload was answered")
	}
	if h.be.reached.Load() != 0 {
		t.Error("the registry saw the cut upload")
	}
	if fired := h.firedList(); len(fired) != 1 || fired[0].Effect != "reset" {
		t.Errorf("fired %+v", fired)
	}
}

func TestLagHidesFreshManifests(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Rule{Lag: Duration(2 * time.Second), Path: "/v2/*/manifests/*"})
	const tagPath = "/v2/acme/chart/manifests/0.1.0"
	if status, _, _ := h.do(t, "PUT", tagPath, "{}"); status != 201 {
		t.Fatalf("push %d", status)
	}
	for _, p := range []string{tagPath, "/v2/acme/chart/manifests/sha256:abc"} {
		status, _, body := h.do(t, "GET", p, "")
		if status != 404 || body != `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`+"\n" {
			t.Errorf("GET %s within the lag: %d %s", p, status, body)
		}
	}
	if status, _, _ := h.do(t, "HEAD", tagPath, ""); status != 404 {
		t.Errorf("HEAD within the lag: %d", status)
	}
	h.now.Add(int64(2 * time.Second))
	if status, _, _ := h.do(t, "GET", tagPath, ""); status != 200 {
		t.Errorf("GET after the lag: %d", status)
	}
	if !h.be.has(tagPath) {
		t.Error("lag changed stored data")
	}
	if st := h.set.List()[0]; st.Fired != 3 {
		t.Errorf("lag fired %d times, want 3", st.Fired)
	}
	// A manifest pushed to another repository the rule's path selects too;
	// one the rule does not select is never hidden.
	h2 := newHarness(t, Rule{Lag: Duration(time.Minute), Repository: "acme/*"})
	h2.do(t, "PUT", "/v2/other/x/manifests/v1", "{}")
	if status, _, _ := h2.do(t, "GET", "/v2/other/x/manifests/v1", ""); status != 200 {
		t.Errorf("unselected repository hidden: %d", status)
	}
}

// TestResetSparesShortBodies: a body that ends before the cut passes whole,
// and the rule has neither selected nor fired.
func TestResetSparesShortBodies(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Rule{ResetAfter: 1024, Times: 1})
	if status, _, _ := h.do(t, "PUT", "/v2/acme/api/blobs/uploads/u1", strings.Repeat("x", 100)); status != 201 {
		t.Fatalf("short body: %d", status)
	}
	if st := h.set.List()[0]; st.Fired != 0 || st.Matched != 0 {
		t.Errorf("counters %+v", st)
	}
	if h.be.reached.Load() != 1 {
		t.Error("the short request did not reach the registry")
	}
	// The rule still has its one firing for a long body.
	req, _ := http.NewRequest("PATCH", h.srv.URL+"/v2/acme/api/blobs/uploads/u1", strings.NewReader(strings.Repeat("x", 4096)))
	if _, err := h.srv.Client().Do(req); err == nil {
		t.Error("the long upload was answered")
	}
}

// TestResetNotUsedUpByAConcurrentShortBody: while a short body is still
// arriving, a long upload running beside it is the one a times: 1 reset rule
// cuts (oras uploads its config and its layer at once).
func TestResetNotUsedUpByAConcurrentShortBody(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Rule{ResetAfter: 8, Times: 1, Path: "/v2/*/blobs/uploads/*"})
	pr, pw := io.Pipe()
	short := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("PUT", h.srv.URL+"/v2/acme/api/blobs/uploads/config", pr)
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			short <- 0
			return
		}
		resp.Body.Close()
		short <- resp.StatusCode
	}()
	if _, err := pw.Write([]byte("{}")); err != nil { // the short body has begun, not ended
		t.Fatal(err)
	}
	req, _ := http.NewRequest("PUT", h.srv.URL+"/v2/acme/api/blobs/uploads/layer", strings.NewReader(strings.Repeat("x", 64)))
	if _, err := h.srv.Client().Do(req); err == nil {
		t.Error("the long upload beside a short one was answered, not cut")
	}
	pw.Close()
	if status := <-short; status != http.StatusCreated {
		t.Errorf("the short upload: %d, want 201", status)
	}
}

// TestLagMemoryBounded: a flood of pushes under a lag rule is remembered
// up to maxFresh entries; later pushes go unhidden, and once the first
// ones are 10 minutes old there is room again.
func TestLagMemoryBounded(t *testing.T) {
	t.Parallel()
	set := &Set{}
	if _, err := set.Add(Rule{Lag: Duration(5 * time.Minute), Repository: "acme/*"}); err != nil {
		t.Fatal(err)
	}
	var now atomic.Int64
	now.Store(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC).UnixNano())
	m := &Middleware{Rules: set, Now: func() time.Time { return time.Unix(0, now.Load()) }}
	h := m.Wrap(&backend{})
	do := func(method, path string) int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader("{}")))
		return w.Code
	}
	for i := range maxFresh + 10 {
		if code := do("PUT", fmt.Sprintf("/v2/acme/app/manifests/t%d", i)); code != http.StatusCreated {
			t.Fatalf("push %d: %d", i, code)
		}
	}
	m.mu.Lock()
	n := len(m.fresh)
	m.mu.Unlock()
	if n > maxFresh {
		t.Fatalf("%d pushes remembered, want at most %d", n, maxFresh)
	}
	if code := do("GET", "/v2/acme/app/manifests/t0"); code != http.StatusNotFound {
		t.Errorf("first push within the lag: %d, want it hidden (404)", code)
	}
	if code := do("GET", fmt.Sprintf("/v2/acme/app/manifests/t%d", maxFresh+9)); code != http.StatusOK {
		t.Errorf("a push past the bound: %d, want it served (200)", code)
	}
	now.Add(int64(11 * time.Minute))
	do("PUT", "/v2/acme/app/manifests/late")
	if code := do("GET", "/v2/acme/app/manifests/late"); code != http.StatusNotFound {
		t.Errorf("a push after the old entries expired: %d, want it hidden (404)", code)
	}
}
