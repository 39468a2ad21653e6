package authz_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/authz"
)

// FuzzApply: whatever a change holds, Apply never panics, never changes
// its receiver, and either refuses with ErrInvalidChange or returns a world
// Validate accepts.
func FuzzApply(f *testing.F) {
	for _, o := range authz.Ops() {
		f.Add(string(o.Op), "acme/api", "acme/web", "bob", "write", "public", "write", "new", "ghp_new", "classic_pat", true)
	}
	f.Add("add_credential", "", "ACME/API", "Alice", "Admin", "internal", "read", "ci", "*", "github_token", false)
	f.Fuzz(func(t *testing.T, op, pkg, repo, user, role, visibility, perm, name, secret, typ string, inherit bool) {
		w := applyWorld()
		c := authz.Change{Op: authz.Op(op), Package: pkg, Repository: repo, User: user, Role: role, Visibility: visibility,
			Inherit: &inherit, WorkflowPermission: perm, Name: name,
			Credential: &authz.CredentialSpec{Name: name, Secret: secret, Type: typ, User: user, Repository: repo, Packages: perm}}
		got, err := w.Apply(c)
		if diff := cmp.Diff(applyWorld(), w); diff != "" {
			t.Fatalf("Apply changed its receiver (-want +got):\n%s", diff)
		}
		if err != nil {
			if !errors.Is(err, authz.ErrInvalidChange) {
				t.Fatalf("error %v does not wrap ErrInvalidChange", err)
			}
			return
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("Apply(%+v) returned a world Validate refuses: %v", c, err)
		}
	})
}
