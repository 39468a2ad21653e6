package authz_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/authz"
)

func TestValidateAcceptsAValidWorld(t *testing.T) {
	t.Parallel()
	if err := applyWorld().Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if err := (authz.World{}).Validate(); err != nil {
		t.Fatalf("the empty world: %v", err)
	}
}

// TestValidate: each broken world is reported at the path of what breaks.
func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		breakIt func(w *authz.World)
		paths   []string
	}{
		{"key not the lower-case name", func(w *authz.World) {
			w.Owners["Bob"] = authz.Owner{Login: "carol", Type: authz.User}
		}, []string{"owners[Bob].login"}},
		{"bad login", func(w *authz.World) {
			w.Owners["-x"] = authz.Owner{Login: "-x", Type: authz.User}
		}, []string{"owners[-x].login"}},
		{"unknown owner type", func(w *authz.World) {
			w.Owners["carol"] = authz.Owner{Login: "carol", Type: "robot"}
		}, []string{"owners[carol].type"}},
		{"organization settings on a user", func(w *authz.World) {
			w.Owners["carol"] = authz.Owner{Login: "carol", Type: authz.User, ForbidClassicPAT: true}
		}, []string{"owners[carol].forbid_classic_pat"}},
		{"member not a user", func(w *authz.World) {
			o := w.Owners["acme"]
			o.Members = append(o.Members, authz.Member{Login: "other"})
			w.Owners["acme"] = o
		}, []string{"owners[acme].members[2]"}},
		{"team member not in the organization", func(w *authz.World) {
			o := w.Owners["acme"]
			o.Teams = map[string][]string{"devs": {"carol"}}
			w.Owners["acme"] = o
		}, []string{"owners[acme].teams.devs[0]"}},
		{"repository of an undeclared owner", func(w *authz.World) {
			w.Repositories["ghost/app"] = authz.Repository{Name: "ghost/app"}
		}, []string{"repositories[ghost/app].name"}},
		{"repository id taken", func(w *authz.World) {
			w.Repositories["acme/zzz"] = authz.Repository{Name: "acme/zzz", ID: 1}
		}, []string{"repositories[acme/zzz].id"}},
		{"internal repository of a user", func(w *authz.World) {
			w.Repositories["bob/app"] = authz.Repository{Name: "bob/app", Visibility: authz.Internal}
		}, []string{"repositories[bob/app].visibility"}},
		{"collaborator role unknown", func(w *authz.World) {
			r := w.Repositories["acme/api"]
			r.Collaborators = map[string]authz.Role{"bob": "boss"}
			w.Repositories["acme/api"] = r
		}, []string{"repositories[acme/api].collaborators.bob"}},
		{"package name in upper case", func(w *authz.World) {
			w.Packages["acme/app"] = authz.Package{Name: "acme/App"}
		}, []string{"packages[acme/app].name"}},
		{"package linked across owners", func(w *authz.World) {
			p := w.Packages["acme/api"]
			p.Repository, p.RepositoryID = "other/app", 0
			w.Packages["acme/api"] = p
		}, []string{"packages[acme/api].repository"}},
		{"stale link needs a name", func(w *authz.World) {
			w.Packages["acme/old"] = authz.Package{Name: "acme/old", RepositoryID: 99}
		}, []string{"packages[acme/old].repository_id"}},
		{"stale link to a deleted repository is fine", func(w *authz.World) {
			w.Packages["acme/old"] = authz.Package{Name: "acme/old", Repository: "acme/gone", RepositoryID: 99}
		}, nil},
		{"grant to an unknown repository", func(w *authz.World) {
			p := w.Packages["acme/api"]
			p.ActionsAccess = []authz.RepoGrant{{Repository: "acme/nope", Role: authz.RoleRead}}
			w.Packages["acme/api"] = p
		}, []string{"packages[acme/api].actions_access[0]"}},
		{"team of a user's package", func(w *authz.World) {
			w.Packages["bob/tool"] = authz.Package{Name: "bob/tool", Teams: map[string]authz.Role{"devs": authz.RoleRead}}
		}, []string{"packages[bob/tool].teams.devs"}},
		{"credential problems keep their index", func(w *authz.World) {
			w.Credentials = append(w.Credentials, authz.Credential{Name: "pat", Secret: "ghp_pat", Kind: authz.ClassicPAT, User: "nobody"})
		}, []string{"credentials[2].name", "credentials[2].secret", "credentials[2].user"}},
		{"several problems, sorted", func(w *authz.World) {
			w.Packages["acme/x"] = authz.Package{Name: "acme/x", Visibility: "hidden"}
			w.Owners["zed"] = authz.Owner{Login: "zed", Type: "bot"}
		}, []string{"owners[zed].type", "packages[acme/x].visibility"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := applyWorld()
			tc.breakIt(&w)
			var paths []string
			if err := w.Validate(); err != nil {
				for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
					var p *authz.Problem
					if !errors.As(e, &p) {
						t.Fatalf("%v is not a *Problem", e)
					}
					paths = append(paths, p.Path)
				}
			}
			if diff := cmp.Diff(tc.paths, paths); diff != "" {
				t.Errorf("problem paths (-want +got):\n%s\nerror: %v", diff, w.Validate())
			}
		})
	}
}
