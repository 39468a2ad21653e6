package authz_test

import (
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/authz"
)

// A reusable workflow (on: workflow_call) pushes with the caller's GITHUB_TOKEN: what counts
// is the caller's repository, whatever the called workflow's repository is granted.
func TestReusableWorkflow(t *testing.T) {
	t.Parallel()
	called := func(from string) func(*authz.Credential) {
		return func(c *authz.Credential) { c.ReusableWorkflow = from }
	}
	w := world()
	// The package lists the reusable workflow's repository (acme/web), not the callers.
	w.Packages["acme/built"] = authz.Package{Name: "acme/built", Visibility: authz.Private,
		ActionsAccess: []authz.RepoGrant{{Repository: "acme/web", Role: authz.RoleWrite, RepositoryID: 102}}}
	tests := []struct {
		name    string
		p       authz.Principal
		a       authz.Access
		want    authz.Reason
		allow   bool
		explain string // a part of the explanation
	}{
		{name: "caller not listed: push refused", p: gh("acme/api", pkgWrite, called("acme/web")), a: write("acme/built"),
			want: authz.DenyActionsAccess, explain: "a called workflow's GITHUB_TOKEN is the caller's (repository acme/api), so the package must list acme/api"},
		{name: "caller not listed: pull refused", p: gh("acme/api", pkgWrite, called("acme/web")), a: read("acme/built"),
			want: authz.DenyWorkflowNoRead, explain: "is the caller's (repository acme/api)"},
		{name: "the caller is the listed repository", p: gh("acme/web", pkgWrite, called("acme/api")), a: write("acme/built"),
			want: authz.AllowActionsAccess, allow: true},
		{name: "the caller's read-only token is not raised", p: gh("acme/web", pkgRead, called("acme/api")), a: write("acme/built"),
			want: authz.DenyWorkflowReadOnly},
		{name: "neither listed", p: gh("other/x", pkgWrite, called("acme/api")), a: write("acme/built"),
			want: authz.DenyInstallationMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := authz.Decide(w, tc.p, tc.a)
			record(got.Reason)
			if got.Reason != tc.want || got.Allow != tc.allow {
				t.Fatalf("got (%v, %s), want (%v, %s)\nexplanation: %s", got.Allow, got.Reason, tc.allow, tc.want, got.Explanation)
			}
			if !strings.Contains(got.Explanation, tc.explain) {
				t.Errorf("explanation %q does not say %q", got.Explanation, tc.explain)
			}
			checkInvariants(t, tc.p, got)
		})
	}
}
