package authz_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/authz"
)

func TestSourceRepository(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url    string
		want   string
		wantOK bool
	}{
		{"https://github.com/acme/api", "acme/api", true},
		{"HTTPS://GitHub.com/Acme/API", "acme/api", true},
		{"https://github.com/acme/api/", "acme/api", true},
		{"https://github.com/acme/api.git", "acme/api", true},
		{"https://github.com/acme/api.git/", "acme/api", true},
		{"https://github.com/acme/my_repo.v2", "acme/my_repo.v2", true},
		{"https://github.com/acme/api/tree/main", "", false},
		{"https://github.com/acme", "", false},
		{"https://github.com/acme/", "", false},
		{"https://github.com//api", "", false},
		{"https://github.com/acme/..", "", false},
		{"https://github.com/acme/api?tab=readme", "", false},
		{"https://github.com/acme/api#readme", "", false},
		{"http://github.com/acme/api", "", false},
		{"https://www.github.com/acme/api", "", false},
		{"https://gitlab.com/acme/api", "", false},
		{"git@github.com:acme/api.git", "", false},
		{"github.com/acme/api", "", false},
		{"", "", false},
		{"https://github.com/acme/" + strings.Repeat("a", 240), "", false},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			t.Parallel()
			got, ok := authz.SourceRepository(tc.url)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("SourceRepository(%q) = (%q, %v), want (%q, %v)", tc.url, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestNewPackage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		setup  func(*authz.World)
		p      authz.Principal
		pkg    string
		source string
		want   authz.Package
	}{
		{
			name: "GITHUB_TOKEN links, inherits and grants its repository admin",
			p:    gh("acme/web"), pkg: "acme/New",
			want: authz.Package{Name: "acme/new", Visibility: authz.Private, Repository: "acme/web", RepositoryID: 102, InheritAccess: true,
				ActionsAccess: []authz.RepoGrant{{Repository: "acme/web", Role: authz.RoleAdmin, RepositoryID: 102}}},
		},
		{
			name: "GITHUB_TOKEN ignores the source label",
			p:    gh("acme/web"), pkg: "acme/new", source: "https://github.com/acme/api",
			want: authz.Package{Name: "acme/new", Visibility: authz.Private, Repository: "acme/web", RepositoryID: 102, InheritAccess: true,
				ActionsAccess: []authz.RepoGrant{{Repository: "acme/web", Role: authz.RoleAdmin, RepositoryID: 102}}},
		},
		{
			name: "GITHUB_TOKEN, organization turned inheritance off: linked, no role",
			p:    gh("noinherit/app"), pkg: "noinherit/new",
			want: authz.Package{Name: "noinherit/new", Visibility: authz.Private, Repository: "noinherit/app", RepositoryID: 601},
		},
		{
			name: "GITHUB_TOKEN of a repository not in the world",
			p:    gh("acme/ghost"), pkg: "acme/new",
			want: authz.Package{Name: "acme/new", Visibility: authz.Private, Repository: "acme/ghost", InheritAccess: true,
				ActionsAccess: []authz.RepoGrant{{Repository: "acme/ghost", Role: authz.RoleAdmin}}},
		},
		{
			name: "PAT without label: unlinked, publisher is admin",
			p:    pat("Bob", wr), pkg: "acme/new",
			want: authz.Package{Name: "acme/new", Visibility: authz.Private, Users: map[string]authz.Role{"bob": authz.RoleAdmin}},
		},
		{
			name: "PAT with a source label of the same owner",
			p:    pat("bob", wr), pkg: "acme/new", source: "https://github.com/acme/api.git",
			want: authz.Package{Name: "acme/new", Visibility: authz.Private, Repository: "acme/api", RepositoryID: 101, InheritAccess: true,
				Users: map[string]authz.Role{"bob": authz.RoleAdmin}},
		},
		{
			name: "PAT with a source label, inheritance off",
			p:    pat("bob", wr), pkg: "noinherit/new", source: "https://github.com/noinherit/app",
			want: authz.Package{Name: "noinherit/new", Visibility: authz.Private, Repository: "noinherit/app", RepositoryID: 601,
				Users: map[string]authz.Role{"bob": authz.RoleAdmin}},
		},
		{
			name: "source label of another owner is ignored",
			p:    pat("bob", wr), pkg: "bob/new", source: "https://github.com/acme/api",
			want: authz.Package{Name: "bob/new", Visibility: authz.Private, Users: map[string]authz.Role{"bob": authz.RoleAdmin}},
		},
		{
			name: "source label of a missing repository is ignored",
			p:    pat("bob", wr), pkg: "acme/new", source: "https://github.com/acme/nope",
			want: authz.Package{Name: "acme/new", Visibility: authz.Private, Users: map[string]authz.Role{"bob": authz.RoleAdmin}},
		},
		{
			name: "revoked credential links and grants nothing",
			p:    revoked(gh("acme/web")), pkg: "acme/new",
			want: authz.Package{Name: "acme/new", Visibility: authz.Private},
		},
		{
			name: "GITHUB_TOKEN of another owner is not linked",
			p:    gh("other/x"), pkg: "acme/new",
			want: authz.Package{Name: "acme/new", Visibility: authz.Private},
		},
		{
			name: "OAuth publisher is admin",
			p:    oauth("bob", wr), pkg: "bob/new",
			want: authz.Package{Name: "bob/new", Visibility: authz.Private, Users: map[string]authz.Role{"bob": authz.RoleAdmin}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := world()
			if tc.setup != nil {
				tc.setup(&w)
			}
			got := authz.NewPackage(w, tc.p, tc.pkg, tc.source)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("NewPackage:\n got  %+v\n want %+v", got, tc.want)
			}
		})
	}
}

// A package created by a first push decides the next pushes: the creating
// workflow keeps write, a re-created repository of the same name does not,
// and the publisher of a PAT push is admin.
func TestNewPackageThenDecide(t *testing.T) {
	t.Parallel()
	type step struct {
		name  string
		setup func(*authz.World)
		p     authz.Principal
		a     authz.Access
		want  authz.Reason
		allow bool
	}
	tests := []struct {
		name    string
		creator authz.Principal
		pkg     string
		source  string
		steps   []step
	}{
		{
			name: "workflow-created", creator: gh("acme/web"), pkg: "acme/fresh",
			steps: []step{
				{name: "same workflow pushes again", p: gh("acme/web"), a: write("acme/fresh"), want: authz.AllowActionsAccess, allow: true},
				{name: "same workflow deletes", p: gh("acme/web"), a: del("acme/fresh"), want: authz.AllowActionsAccess, allow: true},
				{name: "other repository's workflow", p: gh("acme/api", pkgWrite), a: write("acme/fresh"), want: authz.DenyActionsAccess},
				{name: "stays private for anonymous", p: anonymous(), a: read("acme/fresh"), want: authz.DenyAnonymousRead},
				{name: "repository deleted and re-created", setup: func(w *authz.World) {
					repo := w.Repositories["acme/web"]
					repo.ID = 777
					w.Repositories["acme/web"] = repo
				}, p: gh("acme/web"), a: write("acme/fresh"), want: authz.DenyActionsAccess},
			},
		},
		{
			name: "workflow-created, inheritance off", creator: gh("noinherit/app"), pkg: "noinherit/fresh",
			steps: []step{
				// The package is linked but the repository got no role, so the
				// workflow that published it is refused on its next push and
				// cannot even read its private package.
				{name: "same workflow pushes again", p: gh("noinherit/app"), a: write("noinherit/fresh"), want: authz.DenyActionsAccess},
				{name: "same workflow pulls", p: gh("noinherit/app"), a: read("noinherit/fresh"), want: authz.DenyWorkflowNoRead},
				{name: "fixed by Manage Actions access", setup: func(w *authz.World) {
					pkg := w.Packages["noinherit/fresh"]
					pkg.ActionsAccess = []authz.RepoGrant{{Repository: "noinherit/app", Role: authz.RoleWrite}}
					w.Packages["noinherit/fresh"] = pkg
				}, p: gh("noinherit/app"), a: write("noinherit/fresh"), want: authz.AllowActionsAccess, allow: true},
				{name: "fixed by inheriting", setup: func(w *authz.World) {
					pkg := w.Packages["noinherit/fresh"]
					pkg.InheritAccess = true
					w.Packages["noinherit/fresh"] = pkg
				}, p: gh("noinherit/app"), a: write("noinherit/fresh"), want: authz.AllowInheritedRepo, allow: true},
			},
		},
		{
			name: "PAT-created", creator: pat("bob", wr), pkg: "acme/fresh",
			steps: []step{
				{name: "publisher pushes again", p: pat("bob", wr), a: write("acme/fresh"), want: authz.AllowRole, allow: true},
				{name: "a workflow", p: gh("acme/web"), a: write("acme/fresh"), want: authz.DenyActionsAccess},
				{name: "another member", p: pat("dave", wr), a: write("acme/fresh"), want: authz.DenyWritePackage},
			},
		},
		{
			name: "PAT-created with source label", creator: pat("bob", wr), pkg: "acme/fresh", source: "https://github.com/acme/api",
			steps: []step{
				{name: "linked repository's workflow", p: gh("acme/api", pkgWrite), a: write("acme/fresh"), want: authz.AllowInheritedRepo, allow: true},
				{name: "linked repository's maintainer", p: pat("frank", wr), a: write("acme/fresh"), want: authz.AllowInheritedRepo, allow: true},
			},
		},
	}
	for _, tc := range tests {
		for _, s := range tc.steps {
			t.Run(tc.name+"/"+s.name, func(t *testing.T) {
				t.Parallel()
				w := world()
				pkg := authz.NewPackage(w, tc.creator, tc.pkg, tc.source)
				w.Packages[strings.ToLower(pkg.Name)] = pkg
				if s.setup != nil {
					s.setup(&w)
				}
				got := authz.Decide(w, s.p, s.a)
				record(got.Reason)
				if got.Reason != s.want || got.Allow != s.allow {
					t.Errorf("got (%v, %s), want (%v, %s)\nexplanation: %s", got.Allow, got.Reason, s.allow, s.want, got.Explanation)
				}
				checkInvariants(t, s.p, got)
			})
		}
	}
}
