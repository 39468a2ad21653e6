package restapi

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/authz"
)

var update = flag.Bool("update", false, "rewrite testdata/errors.golden")

// TestErrorBodiesGolden pins every error answer, byte for byte, in
// testdata/errors.golden (go test -run Golden -update rewrites it).
func TestErrorBodiesGolden(t *testing.T) {
	f := newFixture(t)
	f.push("acme/web/api", dV1, "old") // two tagged versions: the popular one can be tried
	f.svc.SetDownloads("acme/web/api", dWeb, 9000)
	const v = "/api/v3/orgs/acme/packages/container/api/versions"
	reqs := []struct{ method, path, secret string }{
		{"GET", v, ""},
		{"GET", v, "ghp_revoked"},
		{"GET", v, "github_pat_fg"},
		{"GET", "/api/v3/orgs/acme/packages?package_type=container", "ghp_alice-noscope"},
		{"GET", "/api/v3/orgs/acme/packages/container/api", "ghp_alice-noscope"},
		{"GET", v, "ghp_alice-noscope"},
		{"GET", v + "/100000", "ghp_alice-noscope"},
		{"GET", v + "?state=deleted", "ghp_alice-read"},
		{"DELETE", v + "/100000", "ghp_alice-read"},
		{"POST", v + "/100000/restore", "ghp_alice-read"},
		{"DELETE", "/api/v3/orgs/acme/packages/container/api", "ghp_alice-read"},
		{"POST", "/api/v3/orgs/acme/packages/container/api/restore", "ghp_alice-read"},
		{"GET", "/api/v3/users/carol/packages/container/tool", "ghp_alice-read"},
		{"GET", "/api/v3/user/packages/container/tool/versions/1", "ghp_carol"},
		{"DELETE", "/api/v3/user/packages/container/tool/versions/100006", "ghp_carol"},           // last tagged
		{"DELETE", "/api/v3/orgs/acme/packages/container/web%2Fapi/versions/100005", "ghp_alice"}, // popular
		{"GET", "/api/v3/orgs/acme/packages?package_type=container", "ghs_wf"},
		{"GET", "/api/v3/user/packages?package_type=container", "ghs_wf"},
		{"GET", "/api/v3/orgs/strict/packages/container/thing", "ghp_alice"},
		{"GET", "/api/v3/orgs/acme/packages/conda/api", "ghp_alice"},
		{"GET", "/api/v3/orgs/acme/packages", "ghp_alice"},
		{"GET", v + "?state=all", "ghp_alice"},
		{"GET", v + "?per_page=-1", "ghp_alice"},
		{"GET", "/api/v3/orgs/acme/teams", "ghp_alice"},
	}
	var got strings.Builder
	for _, r := range reqs {
		status, _, body := f.do(t, r.method, r.path, r.secret)
		fmt.Fprintf(&got, "%s %s as %q\n%d %s\n\n", r.method, r.path, r.secret, status, body)
	}
	checkReasonsProduced(t, f, authz.RESTAllowed)
	path := "testdata/errors.golden"
	if *update {
		if err := os.WriteFile(path, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got.String()); diff != "" {
		t.Errorf("error bodies (-golden +got):\n%s", diff)
	}
}

// TestErrorBodiesAsReported checks answers against bodies public reports
// quote verbatim, independently of the golden file.
func TestErrorBodiesAsReported(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name, method, path, secret, want string
	}{
		{ // cli/cli#9606 (2024-10), gh api -X GET /orgs/aws/packages -f package_type=container with GITHUB_TOKEN
			"workflow token lists packages", "GET", "/api/v3/orgs/acme/packages?package_type=container", "ghs_wf",
			`{"message":"Invalid argument.","documentation_url":"https://docs.github.com/rest/packages/packages#list-packages-for-an-organization","status":"400"}`,
		},
		{ // quoted from a gh api --paginate transcript of the versions endpoint
			"no read:packages", "GET", "/api/v3/orgs/acme/packages/container/api/versions", "ghp_alice-noscope",
			`{"message":"You need at least read:packages scope to get a package's versions.","documentation_url":"https://docs.github.com/rest/packages/packages#list-package-versions-for-a-package-owned-by-an-organization","status":"403"}`,
		},
		{ // the 404 body a cleanup script's test stubs from gh api --paginate
			"missing package", "GET", "/api/v3/orgs/acme/packages/container/nope/versions", "ghp_alice",
			`{"message":"Package not found.","documentation_url":"https://docs.github.com/rest/packages/packages#list-package-versions-for-a-package-owned-by-an-organization","status":"404"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, body := f.do(t, tt.method, tt.path, tt.secret)
			if body != tt.want {
				t.Errorf("body\n%s\nwant\n%s", body, tt.want)
			}
		})
	}
}

// checkReasonsProduced fails unless f's decisions include every reason of
// authz.RESTReasons but those skipped.
func checkReasonsProduced(t *testing.T, f *fixture, skip ...authz.Reason) {
	t.Helper()
	seen := map[authz.Reason]bool{}
	f.logMu.Lock()
	for _, d := range f.log {
		seen[d.Reason] = true
	}
	f.logMu.Unlock()
	for _, r := range authz.RESTReasons() {
		if !seen[r] && !slices.Contains(skip, r) {
			t.Errorf("no request produced reason %s", r)
		}
	}
}

// TestListingAllowedReason: an owner's listing is allowed with the REST
// API's own reason, rest_allowed.
func TestListingAllowedReason(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if status, _, body := f.do(t, "GET", "/api/v3/orgs/acme/packages?package_type=container", "ghp_alice"); status != 200 {
		t.Fatalf("listing: %d %s", status, body)
	}
	f.logMu.Lock()
	defer f.logMu.Unlock()
	if len(f.log) == 0 || f.log[len(f.log)-1].Reason != authz.RESTAllowed {
		t.Errorf("listing decisions %+v, want the last with reason %s", f.log, authz.RESTAllowed)
	}
}
