package restapi

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// do sends one request as secret ("" anonymous) and returns status and body.
func (f *fixture) do(t *testing.T, method, path, secret string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if secret != "" {
		req.Header.Set("Authorization", "token "+secret)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

// TestStatus walks who may do what: every cell is GitHub's status for that
// token on that endpoint. Mutating rows use versions whose deletion is
// allowed only where the expected status is 204.
func TestStatus(t *testing.T) {
	t.Parallel()
	const (
		versions = "/api/v3/orgs/acme/packages/container/api/versions"
		pkg      = "/api/v3/orgs/acme/packages/container/api"
	)
	tests := []struct {
		name, method, path, secret string
		want                       int
		wantMsg                    string
	}{
		{"anonymous list", "GET", versions, "", 401, msgRequiresAuth},
		{"revoked token", "GET", versions, "ghp_revoked", 401, msgBadCredentials},
		{"unknown token", "GET", versions, "ghp_nobody", 401, msgBadCredentials},
		{"fine-grained PAT", "GET", versions, "github_pat_fg", 403, msgNotAccessiblePAT},
		{"PAT without package scopes", "GET", versions, "ghp_alice-noscope", 403, msgScopeListVersions},
		{"PAT without package scopes, public package", "GET", "/api/v3/orgs/acme/packages/container/web%2Fapi", "ghp_alice-noscope", 403, msgScopeGetPackage},
		{"PAT without package scopes, list", "GET", "/api/v3/orgs/acme/packages?package_type=container", "ghp_alice-noscope", 403, msgScopeList},
		{"org owner lists versions", "GET", versions, "ghp_alice", 200, ""},
		{"read scope lists versions", "GET", versions, "ghp_alice-read", 200, ""},
		{"member without role", "GET", versions, "ghp_bob", 404, msgPackageNotFound},
		{"member without role, public package", "GET", "/api/v3/orgs/acme/packages/container/web%2Fapi/versions", "ghp_bob", 200, ""},
		{"other user's private package", "GET", "/api/v3/users/carol/packages/container/tool", "ghp_alice", 404, msgPackageNotFound},
		{"own package via /user", "GET", "/api/v3/user/packages/container/tool/versions", "ghp_carol", 200, ""},
		{"workflow reads linked package", "GET", versions, "ghs_wf", 200, ""},
		{"workflow lists org packages", "GET", "/api/v3/orgs/acme/packages?package_type=container", "ghs_wf", 400, msgInvalidArgument},
		{"workflow on /user", "GET", "/api/v3/user/packages?package_type=container", "ghs_wf", 403, msgNotAccessibleIntegration},
		{"app token", "GET", pkg, "ghs_app", 404, msgPackageNotFound},
		{"deleted versions need delete scope", "GET", versions + "?state=deleted", "ghp_alice-read", 403, msgScopeDeletedList},
		{"delete needs delete scope", "DELETE", versions + "/100000", "ghp_alice-read", 403, msgScopeDeleteVersion},
		{"package delete needs delete scope", "DELETE", pkg, "ghp_alice-read", 403, msgScopeDeletePackage},
		{"restore needs delete scope", "POST", versions + "/100000/restore", "ghp_alice-read", 403, msgScopeRestoreVersion},
		{"delete without admin", "DELETE", versions + "/100000", "ghp_bob", 404, msgPackageNotFound},
		{"workflow with write role cannot delete", "DELETE", versions + "/100000", "ghs_wf_other", 404, msgPackageNotFound},
		{"workflow with packages: read cannot delete", "DELETE", versions + "/100000", "ghs_wf_read", 404, msgPackageNotFound},
		{"org forbids classic PATs", "GET", "/api/v3/orgs/strict/packages/container/thing", "ghp_alice", 403, "`strict` forbids access via a personal access token (classic). Please use a GitHub App, OAuth App, or a personal access token with fine-grained permissions."},
		{"missing package", "GET", "/api/v3/orgs/acme/packages/container/nope", "ghp_alice", 404, msgPackageNotFound},
		{"org package under /users", "GET", "/api/v3/users/acme/packages/container/api", "ghp_alice", 404, msgPackageNotFound},
		{"user package under /orgs", "GET", "/api/v3/orgs/carol/packages/container/tool", "ghp_carol", 404, msgPackageNotFound},
		{"unencoded slash", "GET", "/api/v3/orgs/acme/packages/container/web/api", "ghp_alice", 404, msgNotFound},
		{"dot-dot name", "GET", "/api/v3/orgs/acme/packages/container/..%2F..%2Fapi", "ghp_alice", 404, msgPackageNotFound},
		{"unknown package type", "GET", "/api/v3/orgs/acme/packages/helm/api", "ghp_alice", 422, msgBadPackageType},
		{"other package type", "GET", "/api/v3/orgs/acme/packages/npm/api", "ghp_alice", 404, msgPackageNotFound},
		{"list without package_type", "GET", "/api/v3/orgs/acme/packages", "ghp_alice", 422, "Invalid request.\n\n\"package_type\" wasn't supplied."},
		{"list bad visibility", "GET", "/api/v3/orgs/acme/packages?package_type=container&visibility=secret", "ghp_alice", 422, msgBadVisibility},
		{"list unknown org", "GET", "/api/v3/orgs/nobody/packages?package_type=container", "ghp_alice", 404, msgNotFound},
		{"bad state", "GET", versions + "?state=gone", "ghp_alice", 422, msgBadState},
		{"per_page zero", "GET", versions + "?per_page=0", "ghp_alice", 422, msgBadPagination},
		{"page overflow", "GET", versions + "?page=99999999999999999999999", "ghp_alice", 422, msgBadPagination},
		{"page past the end", "GET", versions + "?page=7", "ghp_alice", 200, ""},
		{"bad version id", "GET", versions + "/abc", "ghp_alice", 404, msgVersionNotFound},
		{"version id with leading zero", "GET", versions + "/0100000", "ghp_alice", 404, msgVersionNotFound},
		{"unknown version", "GET", versions + "/99", "ghp_alice", 404, msgVersionNotFound},
		{"version of another package", "GET", "/api/v3/orgs/acme/packages/container/web%2Fapi/versions/100000", "ghp_alice", 404, msgVersionNotFound},
		{"restore an active version", "POST", versions + "/100000/restore", "ghp_alice", 404, msgVersionNotFound},
		{"restore a package never deleted", "POST", pkg + "/restore", "ghp_alice", 404, msgPackageNotFound},
		{"unknown route", "GET", "/api/v3/orgs/acme/hooks", "ghp_alice", 404, msgNotFound},
		{"wrong method", "PUT", versions, "ghp_alice", 404, msgNotFound},
	}
	f := newFixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := f.do(t, tt.method, tt.path, tt.secret)
			if status != tt.want {
				t.Fatalf("%s %s as %q: status %d, want %d; body %s", tt.method, tt.path, tt.secret, status, tt.want, body)
			}
			if tt.wantMsg != "" && !strings.Contains(body, jsonString(tt.wantMsg)) {
				t.Errorf("body %s, want message %q", body, tt.wantMsg)
			}
			if ct := h.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	// Nothing above may have deleted anything.
	for _, d := range []string{dV1, dV2, dIndex, dAMD64, dARM64} {
		if !f.content.has("acme/api", d) {
			t.Errorf("%s was deleted by a refused request", d)
		}
	}
}

// jsonString is s as it appears inside a JSON string.
func jsonString(s string) string {
	r := strings.NewReplacer("\n", `\n`, `"`, `\"`)
	return `"message":"` + r.Replace(s) + `"`
}
