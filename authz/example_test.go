package authz_test

import (
	"fmt"

	"github.com/fakeghcr/fakeghcr/authz"
)

// The 2022 seed case: a workflow with "packages: write" pushes to a package
// first published from a laptop. The package is not linked to the
// repository and the repository is not in "Manage Actions access", so GHCR
// answers 403 permission_denied: write_package. Granting the repository the
// Write role fixes it.
func ExampleDecide() {
	w := authz.World{
		Owners:       map[string]authz.Owner{"acme": {Login: "acme", Type: authz.Organization}},
		Repositories: map[string]authz.Repository{"acme/api": {Name: "acme/api", ID: 1, WorkflowPermission: authz.RoleRead}},
		Packages:     map[string]authz.Package{"acme/api": {Name: "acme/api", Visibility: authz.Private}},
	}
	ci := authz.Principal{Credential: &authz.Credential{
		Name: "ci", Kind: authz.GitHubToken, Repository: "acme/api", Packages: authz.RoleWrite,
	}}
	push := authz.Access{Package: "acme/api", Action: authz.ActionWrite}

	d := authz.Decide(w, ci, push)
	fmt.Println(d.Allow, d.Reason)

	pkg := w.Packages["acme/api"]
	pkg.ActionsAccess = append(pkg.ActionsAccess, authz.RepoGrant{Repository: "acme/api", Role: authz.RoleWrite})
	w.Packages["acme/api"] = pkg

	d = authz.Decide(w, ci, push)
	fmt.Println(d.Allow, d.Reason)
	// Output:
	// false actions_access_missing
	// true actions_access
}

// Without a permissions block, a repository created after 2023-02-02 gives
// GITHUB_TOKEN read-only packages access: the push fails before Actions
// access is even looked at.
func ExampleDecide_restrictedDefault() {
	w := authz.World{
		Repositories: map[string]authz.Repository{"acme/api": {Name: "acme/api", WorkflowPermission: authz.RoleRead}},
	}
	ci := authz.Principal{Credential: &authz.Credential{Name: "ci", Kind: authz.GitHubToken, Repository: "acme/api"}}
	d := authz.Decide(w, ci, authz.Access{Package: "acme/api", Action: authz.ActionWrite})
	fmt.Println(d.Allow, d.Reason)
	// Output:
	// false workflow_packages_read_only_create
}

// Anonymous pulls: public packages only.
func ExampleDecide_anonymous() {
	w := authz.World{Packages: map[string]authz.Package{
		"acme/public":  {Name: "acme/public", Visibility: authz.Public},
		"acme/private": {Name: "acme/private", Visibility: authz.Private},
	}}
	for _, name := range []string{"acme/public", "acme/private"} {
		d := authz.Decide(w, authz.Principal{}, authz.Access{Package: name, Action: authz.ActionRead})
		fmt.Println(name, d.Allow, d.Reason)
	}
	// Output:
	// acme/public true public_read
	// acme/private false anonymous_read
}

func ExampleDecideToken() {
	w := authz.World{Packages: map[string]authz.Package{"acme/private": {Name: "acme/private", Visibility: authz.Private}}}
	for _, name := range []string{"acme/private", "acme/missing"} {
		d := authz.DecideToken(w, authz.Principal{}, authz.Access{Package: name, Action: authz.ActionRead})
		fmt.Println(name, d.Reason)
	}
	// Output:
	// acme/private anonymous_private
	// acme/missing anonymous_missing
}

func ExampleSourceRepository() {
	fmt.Println(authz.SourceRepository("https://github.com/Acme/API.git"))
	fmt.Println(authz.SourceRepository("https://github.com/acme/api/tree/main"))
	// Output:
	// acme/api true
	//  false
}
