package webui

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

const adminToken = "test-admin-token"

// harness is a registry with the page mounted, and a logged-in browser.
type harness struct {
	t      testing.TB
	ui     *UI
	srv    *registry.Server
	ts     *httptest.Server
	client *http.Client
}

func newHarness(t testing.TB, sc *scenarios.Scenario) *harness {
	t.Helper()
	ui, err := New(Options{AdminToken: adminToken, Poll: 10e6})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := registry.New(registry.Options{Scenario: sc, AdminToken: adminToken, AdminUI: ui.Mount})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ui.Close(); ts.Close(); srv.Close() })
	jar, _ := cookiejar.New(nil)
	h := &harness{t: t, ui: ui, srv: srv, ts: ts, client: &http.Client{Jar: jar}}
	return h
}

// login opens the one-time link.
func (h *harness) login() {
	h.t.Helper()
	resp, err := h.client.Get(h.ui.LoginURL(h.ts.URL))
	if err != nil {
		h.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<h1>Packages</h1>") {
		h.t.Fatalf("login link: %d %s", resp.StatusCode, body)
	}
}

func (h *harness) get(path string) (int, string, http.Header) {
	h.t.Helper()
	resp, err := h.client.Get(h.ts.URL + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

// post sends a form as the page would, from the page's own origin unless
// header says otherwise.
func (h *harness) post(path string, form url.Values, header http.Header) (int, string) {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", h.ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func (h *harness) csrf() string {
	h.t.Helper()
	_, body, _ := h.get(Prefix + "/")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		h.t.Fatalf("no CSRF token on the page: %s", body)
	}
	return m[1]
}

// push asks for a push token with secret and POSTs an upload, as crane
// does; it returns the upload's status.
func (h *harness) push(secret, repo string) int {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.ts.URL+"/token?service=fakeghcr&scope=repository:"+repo+":pull,push", nil)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("x:"+secret)))
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	var tok struct{ Token string }
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	req, _ = http.NewRequest("POST", h.ts.URL+"/v2/"+repo+"/blobs/uploads/", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, err = h.ts.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestLoginLinkIsOneTime(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scenarios.Default())
	resp, err := h.client.Get(h.ts.URL + Prefix + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != Prefix+"/login" {
		t.Fatalf("without a session the page went to %s, want the login page", resp.Request.URL.Path)
	}
	h.login()
	other := &http.Client{}
	resp, err = other.Get(h.ui.LoginURL(h.ts.URL))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("second use of the login link: %d, want 403", resp.StatusCode)
	}
	// The admin token logs in.
	jar, _ := cookiejar.New(nil)
	other.Jar = jar
	resp, err = other.PostForm(h.ts.URL+Prefix+"/login", url.Values{"token": {"wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("wrong admin token: %d, want 403", resp.StatusCode)
	}
	resp, err = other.PostForm(h.ts.URL+Prefix+"/login", url.Values{"token": {adminToken}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != Prefix+"/" {
		t.Errorf("admin token login: %d at %s", resp.StatusCode, resp.Request.URL.Path)
	}
}

func TestPagesHideSecretsAndCarryCSP(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scenarios.Default())
	h.login()
	if h.push("ghs_demo_workflow", "acme/api") != http.StatusForbidden {
		t.Fatal("the seed push was not refused")
	}
	pages := []string{"/", "/package?name=acme/api", "/repository?name=acme/api", "/owner?login=acme", "/credentials", "/timeline"}
	for _, p := range pages {
		status, body, header := h.get(Prefix + p)
		if status != 200 {
			t.Errorf("%s: %d", p, status)
		}
		csp := header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		for _, c := range h.srv.World().Credentials {
			if c.Secret != authz.Wildcard && strings.Contains(body, c.Secret) {
				t.Errorf("%s shows the secret of %s", p, c.Name)
			}
		}
		if strings.Contains(body, "http://") && strings.Contains(body, "src=\"http") {
			t.Errorf("%s loads an external asset", p)
		}
	}
	// Shown on purpose, one secret appears.
	status, body := h.post(Prefix+"/credentials", url.Values{"csrf": {h.csrf()}, "show": {"alice"}}, nil)
	if status != 200 || !strings.Contains(body, "ghp_demo_alice") || strings.Contains(body, "ghs_demo_workflow") {
		t.Errorf("show alice: %d, want her secret only", status)
	}
}

func TestChangesRefusedCrossSite(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scenarios.Default())
	h.login()
	csrf := h.csrf()
	change := url.Values{"op": {"set_actions_access"}, "package": {"acme/api"}, "repository": {"acme/api"}, "role": {"write"}, "back": {Prefix + "/"}}
	cases := []struct {
		name   string
		form   url.Values
		header http.Header
		want   int
	}{
		{"no CSRF token", change, nil, http.StatusForbidden},
		{"another origin", withCSRF(change, csrf), http.Header{"Origin": {"http://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
		{"same site, other port", withCSRF(change, csrf), http.Header{"Origin": {"http://127.0.0.1:1"}, "Sec-Fetch-Site": {"same-site"}}, http.StatusForbidden},
		{"another origin, no fetch metadata", withCSRF(change, csrf), http.Header{"Origin": {"http://evil.example"}, "Sec-Fetch-Site": nil}, http.StatusForbidden},
	}
	for _, c := range cases {
		if status, body := h.post(Prefix+"/change", c.form, c.header); status != c.want || !strings.Contains(body, "Refused") {
			t.Errorf("%s: %d, want %d with a reason", c.name, status, c.want)
		}
	}
	if p, _ := h.srv.World().Package("acme/api"); len(p.ActionsAccess) != 0 {
		t.Fatalf("a refused change was applied: %+v", p.ActionsAccess)
	}
	// A stranger's browser, without the session, is refused too.
	resp, err := http.PostForm(h.ts.URL+Prefix+"/change", withCSRF(change, csrf))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no session: %d, want 401", resp.StatusCode)
	}
	// A Host the page does not answer for (DNS rebinding).
	req, _ := http.NewRequest("GET", h.ts.URL+Prefix+"/login", nil)
	req.Host = "rebound.example:80"
	resp, err = h.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("Host rebound.example: %d, want 421", resp.StatusCode)
	}
}

func withCSRF(v url.Values, csrf string) url.Values {
	out := url.Values{"csrf": {csrf}}
	for k, x := range v {
		out[k] = x
	}
	return out
}

// TestFormChangeEqualsAdminChange: adding a repository on the settings page
// makes the world the admin API's change makes.
func TestFormChangeEqualsAdminChange(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scenarios.Default())
	h.login()
	status, body := h.post(Prefix+"/change", url.Values{"csrf": {h.csrf()}, "op": {"set_actions_access"}, "package": {"acme/api"},
		"repository": {"acme/api"}, "role": {"write"}, "back": {Prefix + "/package?name=acme/api"}}, nil)
	if status != 200 || !strings.Contains(body, "Changed: acme/api: Manage Actions access: repository acme/api has role write") {
		t.Fatalf("add repository: %d %s", status, body)
	}
	want, err := scenarios.Default().World.Apply(authz.Change{Op: authz.OpSetActionsAccess, Package: "acme/api", Repository: "acme/api", Role: "write"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := scenarios.Marshal(&scenarios.Scenario{Name: "x", World: h.srv.World()})
	wantYAML, _ := scenarios.Marshal(&scenarios.Scenario{Name: "x", World: want})
	if string(got) != string(wantYAML) {
		t.Errorf("worlds differ:\n%s\nwant\n%s", got, wantYAML)
	}
}

func TestWorkflowWriteLockedIs409(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Builtin("org-forbids-workflow-write")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, sc)
	h.login()
	var repo string
	for name := range sc.World.Repositories {
		repo = name
	}
	_, page, _ := h.get(Prefix + "/repository?name=" + url.QueryEscape(repo))
	if !strings.Contains(page, "409 Conflict") || !strings.Contains(page, `id="wfp-write" name="workflow_permission" value="write" disabled`) {
		t.Errorf("the repository page does not show the organization's lock:\n%s", page)
	}
	status, body := h.post(Prefix+"/change", url.Values{"csrf": {h.csrf()}, "op": {"set_workflow_permission"}, "repository": {repo},
		"workflow_permission": {"write"}}, nil)
	if status != http.StatusConflict || !strings.Contains(body, authz.ErrWorkflowWriteDisabled.Error()) {
		t.Errorf("set write: %d %s, want 409 with GitHub's message", status, body)
	}
}

func TestBadChangeIsAClearRefusal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scenarios.Default())
	h.login()
	for _, form := range []url.Values{
		{"op": {"add_credential"}},
		{"op": {"no_such_op"}},
		{"op": {"set_actions_access"}, "package": {"acme/nothing"}, "repository": {"acme/api"}, "role": {"write"}},
		{"op": {"set_visibility"}, "package": {"acme/api"}, "visibility": {"secret"}},
	} {
		status, body := h.post(Prefix+"/change", withCSRF(form, h.csrf()), nil)
		if status != http.StatusBadRequest || !strings.Contains(body, `role="alert"`) {
			t.Errorf("%v: %d, want 400 with a message", form, status)
		}
	}
}

func TestOffWithoutAdminToken(t *testing.T) {
	t.Parallel()
	ui, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := registry.New(registry.Options{AdminUI: ui.Mount})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", ui.LoginURL(""), nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("login without an admin token: %d, want 404", rec.Code)
	}
}

func TestUnknownPagesAndListing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scenarios.Default())
	h.login()
	for _, p := range []string{"/nothing", "/static/", "/static/nothing.css", "/package?name=acme/nothing"} {
		if status, body, _ := h.get(Prefix + p); status != http.StatusNotFound || strings.Contains(body, "style.css</a>") {
			t.Errorf("%s: %d", p, status)
		}
	}
	if status, body, header := h.get(Prefix + "/static/style.css"); status != 200 || !strings.HasPrefix(header.Get("Content-Type"), "text/css") || len(body) == 0 {
		t.Errorf("style.css: %d %q", status, header.Get("Content-Type"))
	}
}

// TestPagesParse keeps the embedded templates parseable: New no longer
// parses them (they are parsed on the first page drawn, off serve's
// start-up), so a broken template would otherwise show only as a 500.
func TestPagesParse(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"head", "foot", "login", "error", "overview", "owner", "package",
		"repository", "credentials", "timeline", "row", "hidden"} {
		if pages.Lookup(name) == nil {
			t.Errorf("template %q is not defined", name)
		}
	}
}
