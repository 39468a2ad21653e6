package restapi

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// FuzzServe: no path, query, method or token makes the API answer 5xx or
// panic, and no request by a token without delete rights removes content.
func FuzzServe(f *testing.F) {
	for _, s := range []string{
		"/api/v3/orgs/acme/packages/container/api/versions?per_page=2&page=3",
		"/api/v3/orgs/acme/packages/container/web%2Fapi/versions/100000/restore",
		"/api/v3/user/packages/container/tool",
		"/orgs/acme/packages?package_type=container&visibility=public",
		"/api/v3/users/%2e%2e/packages/container/%2e%2e%2f",
		"/api/v3/orgs/acme/packages/container/a%zz",
		"/api/v3/orgs//packages/container//versions/",
		"/api/v3/repos/acme/api",
		"/repos/acme/api/actions/permissions/workflow",
		"/api/v3/repos/acme%2Fapi/x/actions/permissions/workflow",
	} {
		f.Add("GET", s, "ghp_alice")
		f.Add("DELETE", s, "ghp_bob")
		f.Add("POST", s, "")
	}
	content := newMemContent()
	content.put("acme/api", dV1, "1.0")
	content.put("acme/api", dV2, "2.0")
	svc, err := New(Options{Content: content, Worlds: &memWorlds{w: testWorld()}, Now: func() time.Time { return time.Unix(0, 0) }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, target, secret string) {
		u, err := url.Parse(target)
		if err != nil || !validMethod(method) {
			return
		}
		r := &http.Request{Method: method, URL: u, Host: "example.test", Header: http.Header{}}
		if secret != "" {
			r.Header.Set("Authorization", "Bearer "+secret)
		}
		had := len(content.Manifests("acme/api"))
		w := httptest.NewRecorder()
		svc.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %s: %d %s", method, target, w.Code, w.Body)
		}
		if secret != "ghp_alice" && len(content.Manifests("acme/api")) < had {
			t.Fatalf("%s %s as %q removed content", method, target, secret)
		}
	})
}

func validMethod(m string) bool {
	switch m {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return true
	}
	return false
}

func TestParsePathBadEscape(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"/orgs/acme/packages/container/a%zz", "/orgs/a%zz/packages", "/orgs/acme/packages/container//versions"} {
		if _, ok := parsePath("GET", p); ok {
			t.Errorf("%s parsed", p)
		}
	}
}
