package authz_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/authz"
)

// applyWorld is a small valid world every Apply case starts from.
func applyWorld() authz.World {
	return authz.World{
		Owners: map[string]authz.Owner{
			"acme":  {Login: "acme", Type: authz.Organization, Members: []authz.Member{{Login: "alice", Owner: true}, {Login: "bob"}}},
			"alice": {Login: "alice", Type: authz.User},
			"bob":   {Login: "bob", Type: authz.User},
			"other": {Login: "other", Type: authz.Organization},
		},
		Repositories: map[string]authz.Repository{
			"acme/api":  {Name: "acme/api", ID: 1, WorkflowPermission: authz.RoleRead},
			"acme/web":  {Name: "acme/web", ID: 2, WorkflowPermission: authz.RoleRead},
			"other/app": {Name: "other/app", ID: 3},
		},
		Packages: map[string]authz.Package{
			"acme/api": {Name: "acme/api", Visibility: authz.Private, Repository: "acme/api", RepositoryID: 1,
				ActionsAccess: []authz.RepoGrant{{Repository: "acme/web", RepositoryID: 2, Role: authz.RoleRead}},
				Users:         map[string]authz.Role{"bob": authz.RoleRead}},
		},
		Credentials: []authz.Credential{
			{Name: "pat", Secret: "ghp_pat", Kind: authz.ClassicPAT, User: "alice", Scopes: []string{"write:packages"}},
			{Name: "any", Secret: authz.Wildcard, Kind: authz.ClassicPAT, User: "bob"},
		},
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	yes := true
	tests := []struct {
		name   string
		change authz.Change
		// edit turns applyWorld into the expected result.
		edit func(w *authz.World)
	}{
		{"set actions access adds a grant with the repository's id",
			authz.Change{Op: authz.OpSetActionsAccess, Package: "acme/api", Repository: "ACME/API", Role: "Write"},
			func(w *authz.World) {
				p := w.Packages["acme/api"]
				p.ActionsAccess = append(p.ActionsAccess, authz.RepoGrant{Repository: "acme/api", RepositoryID: 1, Role: authz.RoleWrite})
				w.Packages["acme/api"] = p
			}},
		{"set actions access changes an existing role",
			authz.Change{Op: authz.OpSetActionsAccess, Package: "acme/api", Repository: "acme/web", Role: "admin"},
			func(w *authz.World) {
				p := w.Packages["acme/api"]
				p.ActionsAccess = []authz.RepoGrant{{Repository: "acme/web", RepositoryID: 2, Role: authz.RoleAdmin}}
				w.Packages["acme/api"] = p
			}},
		{"remove actions access",
			authz.Change{Op: authz.OpRemoveActionsAccess, Package: "acme/api", Repository: "acme/web"},
			func(w *authz.World) {
				p := w.Packages["acme/api"]
				p.ActionsAccess = []authz.RepoGrant{}
				w.Packages["acme/api"] = p
			}},
		{"set visibility",
			authz.Change{Op: authz.OpSetVisibility, Package: "Acme/Api", Visibility: "public"},
			func(w *authz.World) {
				p := w.Packages["acme/api"]
				p.Visibility = authz.Public
				w.Packages["acme/api"] = p
			}},
		{"link to another repository of the owner",
			authz.Change{Op: authz.OpLinkRepository, Package: "acme/api", Repository: "acme/web"},
			func(w *authz.World) {
				p := w.Packages["acme/api"]
				p.Repository, p.RepositoryID = "acme/web", 2
				w.Packages["acme/api"] = p
			}},
		{"unlink",
			authz.Change{Op: authz.OpLinkRepository, Package: "acme/api"},
			func(w *authz.World) {
				p := w.Packages["acme/api"]
				p.Repository, p.RepositoryID = "", 0
				w.Packages["acme/api"] = p
			}},
		{"set inherit access",
			authz.Change{Op: authz.OpSetInheritAccess, Package: "acme/api", Inherit: &yes},
			func(w *authz.World) {
				p := w.Packages["acme/api"]
				p.InheritAccess = true
				w.Packages["acme/api"] = p
			}},
		{"set user role",
			authz.Change{Op: authz.OpSetUserRole, Package: "acme/api", User: "ALICE", Role: "write"},
			func(w *authz.World) { w.Packages["acme/api"].Users["alice"] = authz.RoleWrite }},
		{"remove user role",
			authz.Change{Op: authz.OpRemoveUserRole, Package: "acme/api", User: "bob"},
			func(w *authz.World) { delete(w.Packages["acme/api"].Users, "bob") }},
		{"set workflow permission",
			authz.Change{Op: authz.OpSetWorkflowPermission, Repository: "acme/api", WorkflowPermission: "write"},
			func(w *authz.World) {
				r := w.Repositories["acme/api"]
				r.WorkflowPermission = authz.RoleWrite
				w.Repositories["acme/api"] = r
			}},
		{"add credential keeps the wildcard last",
			authz.Change{Op: authz.OpAddCredential, Credential: &authz.CredentialSpec{Name: "ci", Secret: "ghs_ci", Type: "github_token", Repository: "ACME/API", Packages: "write"}},
			func(w *authz.World) {
				ci := authz.Credential{Name: "ci", Secret: "ghs_ci", Kind: authz.GitHubToken, Repository: "acme/api", Packages: authz.RoleWrite}
				w.Credentials = []authz.Credential{w.Credentials[0], ci, w.Credentials[1]}
			}},
		{"revoke credential",
			authz.Change{Op: authz.OpRevokeCredential, Name: "pat"},
			func(w *authz.World) { w.Credentials[0].Revoked = true }},
		{"remove credential",
			authz.Change{Op: authz.OpRemoveCredential, Name: "pat"},
			func(w *authz.World) { w.Credentials = w.Credentials[1:] }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			before := applyWorld()
			got, err := before.Apply(tc.change)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			want := applyWorld()
			tc.edit(&want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("world after %s (-want +got):\n%s", tc.change.Op, diff)
			}
			if diff := cmp.Diff(applyWorld(), before); diff != "" {
				t.Errorf("Apply changed its receiver (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change authz.Change
		want   string
		setup  func(w *authz.World)
	}{
		{"unknown op", authz.Change{Op: "set_colour"}, `unknown op "set_colour"`, nil},
		{"unknown package", authz.Change{Op: authz.OpSetVisibility, Package: "acme/nope", Visibility: "public"}, `unknown package "acme/nope"`, nil},
		{"unknown repository", authz.Change{Op: authz.OpSetActionsAccess, Package: "acme/api", Repository: "acme/nope", Role: "read"}, `unknown repository "acme/nope"`, nil},
		{"unknown role", authz.Change{Op: authz.OpSetActionsAccess, Package: "acme/api", Repository: "acme/web", Role: "owner"}, `unknown role "owner"`, nil},
		{"unknown visibility", authz.Change{Op: authz.OpSetVisibility, Package: "acme/api", Visibility: "secret"}, `unknown visibility "secret"`, nil},
		{"internal visibility of a user's package", authz.Change{Op: authz.OpSetVisibility, Package: "alice/tool", Visibility: "internal"},
			"internal visibility needs an organization", func(w *authz.World) {
				w.Packages["alice/tool"] = authz.Package{Name: "alice/tool", Visibility: authz.Private}
			}},
		{"link across owners", authz.Change{Op: authz.OpLinkRepository, Package: "acme/api", Repository: "other/app"}, "belongs to another owner", nil},
		{"inherit missing", authz.Change{Op: authz.OpSetInheritAccess, Package: "acme/api"}, "inherit_access: missing", nil},
		{"role for an organization", authz.Change{Op: authz.OpSetUserRole, Package: "acme/api", User: "acme", Role: "read"}, `unknown user "acme"`, nil},
		{"workflow permission admin", authz.Change{Op: authz.OpSetWorkflowPermission, Repository: "acme/api", WorkflowPermission: "admin"}, `unknown workflow permission "admin"`, nil},
		{"workflow write forbidden by the organization", authz.Change{Op: authz.OpSetWorkflowPermission, Repository: "acme/api", WorkflowPermission: "write"},
			"Write permissions for workflows are disabled by the organization", func(w *authz.World) {
				o := w.Owners["acme"]
				o.ForbidWorkflowWrite = true
				w.Owners["acme"] = o
				r := w.Repositories["acme/api"]
				r.WorkflowPermission = authz.RoleRead
				w.Repositories["acme/api"] = r
			}},
		{"credential missing", authz.Change{Op: authz.OpAddCredential}, "credential: missing", nil},
		{"credential name taken", authz.Change{Op: authz.OpAddCredential, Credential: &authz.CredentialSpec{Name: "pat", Secret: "x", Type: "classic_pat", User: "bob"}}, `credential "pat" already exists`, nil},
		{"credential secret taken", authz.Change{Op: authz.OpAddCredential, Credential: &authz.CredentialSpec{Name: "new", Secret: "ghp_pat", Type: "classic_pat", User: "bob"}}, "same secret", nil},
		{"credential of an organization", authz.Change{Op: authz.OpAddCredential, Credential: &authz.CredentialSpec{Name: "new", Secret: "x", Type: "oauth", User: "acme"}}, `"acme" is an organization, not a user`, nil},
		{"credential type unknown", authz.Change{Op: authz.OpAddCredential, Credential: &authz.CredentialSpec{Name: "new", Secret: "x", Type: "ssh_key"}}, `unknown type "ssh_key"`, nil},
		{"credential field of another type", authz.Change{Op: authz.OpAddCredential, Credential: &authz.CredentialSpec{Name: "new", Secret: "x", Type: "fine_grained_pat", User: "bob", Scopes: []string{"repo"}}}, "scopes: only for classic_pat or oauth credentials", nil},
		{"credential scope unknown", authz.Change{Op: authz.OpAddCredential, Credential: &authz.CredentialSpec{Name: "new", Secret: "x", Type: "classic_pat", User: "bob", Scopes: []string{"write:package"}}}, `unknown scope "write:package"`, nil},
		{"workflow token of an unknown repository", authz.Change{Op: authz.OpAddCredential, Credential: &authz.CredentialSpec{Name: "new", Secret: "x", Type: "github_token", Repository: "acme/nope"}}, `unknown repository "acme/nope"`, nil},
		{"workflow packages permission", authz.Change{Op: authz.OpAddCredential, Credential: &authz.CredentialSpec{Name: "new", Secret: "x", Type: "github_token", Repository: "acme/api", Packages: "admin"}}, `unknown packages permission "admin"`, nil},
		{"second wildcard", authz.Change{Op: authz.OpAddCredential, Credential: &authz.CredentialSpec{Name: "new", Secret: "*", Type: "classic_pat", User: "bob"}}, "same secret", nil},
		{"revoke unknown", authz.Change{Op: authz.OpRevokeCredential, Name: "nope"}, `unknown credential "nope"`, nil},
		{"remove unknown", authz.Change{Op: authz.OpRemoveCredential, Name: "nope"}, `unknown credential "nope"`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := applyWorld()
			if tc.setup != nil {
				tc.setup(&w)
			}
			got, err := w.Apply(tc.change)
			if !errors.Is(err, authz.ErrInvalidChange) {
				t.Fatalf("Apply(%+v) = %v, want an error wrapping ErrInvalidChange", tc.change, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("a refused change changed the world (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOps: every op is listed once, says where on github.com it is made,
// names the fields it reads, applies (it is not "unknown") and is
// described in words.
func TestOps(t *testing.T) {
	t.Parallel()
	seen := map[authz.Op]bool{}
	for _, o := range authz.Ops() {
		if seen[o.Op] {
			t.Errorf("%s listed twice", o.Op)
		}
		seen[o.Op] = true
		if o.Setting == "" || len(o.Fields) == 0 {
			t.Errorf("%s: no setting or no fields: %+v", o.Op, o)
		}
		_, err := applyWorld().Apply(authz.Change{Op: o.Op})
		if err == nil || strings.Contains(err.Error(), "unknown op") {
			t.Errorf("%s: an empty change gives %v, want the op's own complaint", o.Op, err)
		}
		if d := (authz.Change{Op: o.Op, Credential: &authz.CredentialSpec{}}).Describe(); strings.HasPrefix(d, "applied ") {
			t.Errorf("%s: Describe has no words for it: %q", o.Op, d)
		}
	}
	if len(seen) != 11 {
		t.Errorf("%d ops, want the 11 GitHub settings fakeghcr models", len(seen))
	}
}

func TestDescribeHasNoSecret(t *testing.T) {
	t.Parallel()
	c := authz.Change{Op: authz.OpAddCredential, Credential: &authz.CredentialSpec{Name: "ci", Secret: "ghs_s3cret", Type: "github_token", Repository: "acme/api", Packages: "write", Fork: true}}
	got := c.Describe()
	want := "credential ci added (github_token, repository acme/api, packages: write, fork)"
	if got != want {
		t.Errorf("Describe() = %q, want %q", got, want)
	}
	attrs := c.LogAttrs()
	if diff := cmp.Diff([]any{"op", "add_credential", "credential", "ci"}, attrs); diff != "" {
		t.Errorf("LogAttrs() (-want +got):\n%s", diff)
	}
}

func TestWithPackage(t *testing.T) {
	t.Parallel()
	w := authz.World{}
	p := authz.Package{Name: "Acme/New", Visibility: authz.Private}
	got := w.WithPackage(p)
	if diff := cmp.Diff(map[string]authz.Package{"acme/new": p}, got.Packages); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
	if w.Packages != nil {
		t.Errorf("WithPackage changed its receiver: %v", w.Packages)
	}
}

// An organization that forbids read and write workflow permissions refuses a
// repository's switch to write with GitHub's 409 message, still allows read,
// and leaves a workflow's own permissions: block alone.
func TestForbidWorkflowWrite(t *testing.T) {
	t.Parallel()
	locked := func() authz.World {
		w := applyWorld()
		o := w.Owners["acme"]
		o.ForbidWorkflowWrite = true
		w.Owners["acme"] = o
		r := w.Repositories["acme/api"]
		r.WorkflowPermission = authz.RoleRead
		w.Repositories["acme/api"] = r
		return w
	}
	tests := []struct {
		name    string
		change  authz.Change
		wantErr error
	}{
		{"write", authz.Change{Op: authz.OpSetWorkflowPermission, Repository: "acme/api", WorkflowPermission: "write"}, authz.ErrWorkflowWriteDisabled},
		{"read", authz.Change{Op: authz.OpSetWorkflowPermission, Repository: "acme/api", WorkflowPermission: "read"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := locked()
			got, err := w.Apply(tc.change)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Apply = %v, want %v", err, tc.wantErr)
			}
			if got.Repositories["acme/api"].WorkflowPermission != authz.RoleRead {
				t.Errorf("workflow permission %q, want read", got.Repositories["acme/api"].WorkflowPermission)
			}
		})
	}
	t.Run("a repository set to write in a locked organization is not a valid world", func(t *testing.T) {
		t.Parallel()
		w := locked()
		r := w.Repositories["acme/api"]
		r.WorkflowPermission = authz.RoleWrite
		w.Repositories["acme/api"] = r
		if err := w.Validate(); err == nil || !strings.Contains(err.Error(), "forbid_workflow_write") {
			t.Errorf("Validate = %v, want a problem naming forbid_workflow_write", err)
		}
	})
}
