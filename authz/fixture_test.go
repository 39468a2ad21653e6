package authz_test

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fakeghcr/fakeghcr/authz"
)

// seen collects every Reason a test produced, so TestMain can check that
// each one is covered by at least one case.
var seen = struct {
	sync.Mutex
	reasons map[authz.Reason]bool
}{reasons: map[authz.Reason]bool{}}

func record(r authz.Reason) {
	seen.Lock()
	defer seen.Unlock()
	seen.reasons[r] = true
}

// TestMain checks, after a full run, that every Reason was produced by
// some test case. Runs that do not run every test do not check: filtered
// with -run or -skip, listing with -list (no test runs at all), or
// fuzzing with -fuzz.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && !partialRun() {
		var missing []string
		seen.Lock()
		for _, r := range append(authz.DenyReasons(), authz.AllowReasons()...) {
			if !seen.reasons[r] {
				missing = append(missing, string(r))
			}
		}
		seen.Unlock()
		if len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: no test case produced these reasons: %s\n", strings.Join(missing, ", "))
			code = 1
		}
	}
	os.Exit(code)
}

// partialRun reports whether flags made this run skip some tests.
func partialRun() bool {
	for _, name := range []string{"test.run", "test.skip", "test.list", "test.fuzz"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }

// world is the shared fixture: a fresh value for every test.
//
// Organization acme (enterprise acme-ent): alice is an owner; bob, carol,
// dave are members; carol is in team platform. acme-labs is another
// organization of acme-ent (member erin). other is outside it (member
// mallory). strict forbids classic PATs; pubonly lets members create public
// packages only; noinherit turns off "Inherit access from source
// repository".
func world() authz.World {
	return authz.World{
		Owners: map[string]authz.Owner{
			"acme": {Login: "acme", Type: authz.Organization, Enterprise: "acme-ent",
				Members: []authz.Member{{Login: "alice", Owner: true}, {Login: "bob"}, {Login: "carol"}, {Login: "dave"}},
				Teams:   map[string][]string{"platform": {"carol"}},
			},
			"acme-labs": {Login: "acme-labs", Type: authz.Organization, Enterprise: "acme-ent",
				Members: []authz.Member{{Login: "erin"}}},
			"other":     {Login: "other", Type: authz.Organization, Members: []authz.Member{{Login: "mallory"}}},
			"strict":    {Login: "strict", Type: authz.Organization, ForbidClassicPAT: true, Members: []authz.Member{{Login: "bob"}}},
			"pubonly":   {Login: "pubonly", Type: authz.Organization, PackageCreation: []authz.Visibility{authz.Public}, Members: []authz.Member{{Login: "bob", Owner: true}}},
			"noinherit": {Login: "noinherit", Type: authz.Organization, InheritAccessDefault: ptr(false), Members: []authz.Member{{Login: "bob"}}},
			"alice":     {Login: "alice", Type: authz.User},
			"bob":       {Login: "bob", Type: authz.User},
		},
		Repositories: map[string]authz.Repository{
			// restricted workflow default; collaborators for inheritance.
			"acme/api": {Name: "acme/api", ID: 101, Visibility: authz.Private, WorkflowPermission: authz.RoleRead,
				Collaborators: map[string]authz.Role{"frank": "maintain", "gina": "triage", "henry": authz.RoleAdmin, "ivan": authz.RoleRead}},
			// permissive workflow default.
			"acme/web": {Name: "acme/web", ID: 102, WorkflowPermission: authz.RoleWrite},
			// deleted and re-created: the packages below still point at id 103.
			"acme/reborn":       {Name: "acme/reborn", ID: 999, WorkflowPermission: authz.RoleWrite, Collaborators: map[string]authz.Role{"kate": authz.RoleWrite}},
			"acme/nodefault":    {Name: "acme/nodefault", ID: 104},
			"acme-labs/tool":    {Name: "acme-labs/tool", ID: 201},
			"other/x":           {Name: "other/x", ID: 301, WorkflowPermission: authz.RoleWrite},
			"alice/dotfiles":    {Name: "alice/dotfiles", ID: 401, WorkflowPermission: authz.RoleWrite},
			"pubonly/app":       {Name: "pubonly/app", ID: 501, WorkflowPermission: authz.RoleWrite},
			"noinherit/app":     {Name: "noinherit/app", ID: 601, WorkflowPermission: authz.RoleWrite},
			"other-org-owned/r": {Name: "other-org-owned/r", ID: 701},
		},
		Packages: map[string]authz.Package{
			"acme/public-img":   {Name: "acme/public-img", Visibility: authz.Public},
			"acme/private-img":  {Name: "acme/private-img", Visibility: authz.Private, Users: map[string]authz.Role{"bob": authz.RoleRead, "dave": authz.RoleWrite}, Teams: map[string]authz.Role{"platform": authz.RoleWrite}},
			"acme/internal-img": {Name: "acme/internal-img", Visibility: authz.Internal},
			// created by acme/api's workflow.
			"acme/api": {Name: "acme/api", Visibility: authz.Private, Repository: "acme/api", RepositoryID: 101, InheritAccess: true,
				ActionsAccess: []authz.RepoGrant{{Repository: "acme/api", Role: authz.RoleAdmin, RepositoryID: 101}}},
			// created by a PAT / CLI push: unlinked, no Actions access.
			"acme/cli-pushed": {Name: "acme/cli-pushed", Visibility: authz.Private, Users: map[string]authz.Role{"dave": authz.RoleAdmin}},
			// created by another repository's workflow (acme/web).
			"acme/web-img": {Name: "acme/web-img", Visibility: authz.Private, Repository: "acme/web", RepositoryID: 102, InheritAccess: true},
			// linked to a repository since deleted and re-created.
			"acme/reborn": {Name: "acme/reborn", Visibility: authz.Private, Repository: "acme/reborn", RepositoryID: 103, InheritAccess: true,
				ActionsAccess: []authz.RepoGrant{{Repository: "acme/reborn", Role: authz.RoleAdmin, RepositoryID: 103}}},
			"acme/granted-read":    {Name: "acme/granted-read", Visibility: authz.Private, ActionsAccess: []authz.RepoGrant{{Repository: "acme/web", Role: authz.RoleRead}}},
			"acme/granted-write":   {Name: "acme/granted-write", Visibility: authz.Private, ActionsAccess: []authz.RepoGrant{{Repository: "acme/web", Role: authz.RoleWrite}}},
			"acme/granted-admin":   {Name: "acme/granted-admin", Visibility: authz.Private, ActionsAccess: []authz.RepoGrant{{Repository: "acme/web", Role: authz.RoleAdmin}}},
			"acme/linked-noinh":    {Name: "acme/linked-noinh", Visibility: authz.Private, Repository: "acme/web", RepositoryID: 102},
			"acme/linked-noid":     {Name: "acme/linked-noid", Visibility: authz.Private, Repository: "acme/web", InheritAccess: true},
			"acme/public-unlinked": {Name: "acme/public-unlinked", Visibility: authz.Public, Users: map[string]authz.Role{"dave": authz.RoleWrite}},
			"acme/inherits-api":    {Name: "acme/inherits-api", Visibility: authz.Private, Repository: "acme/api", RepositoryID: 101, InheritAccess: true},
			"acme/stale-users":     {Name: "acme/stale-users", Visibility: authz.Private, Repository: "acme/reborn", RepositoryID: 103, InheritAccess: true},
			"acme-labs/lab-img":    {Name: "acme-labs/lab-img", Visibility: authz.Internal},
			"other/secret":         {Name: "other/secret", Visibility: authz.Private},
			"other/internal":       {Name: "other/internal", Visibility: authz.Internal},
			"strict/app":           {Name: "strict/app", Visibility: authz.Public},
			"alice/tool":           {Name: "alice/tool", Visibility: authz.Private},
			"bob/tool":             {Name: "bob/tool", Visibility: authz.Private, Users: map[string]authz.Role{"alice": authz.RoleRead}},
			"noinherit/app":        {Name: "noinherit/app", Visibility: authz.Private},
		},
	}
}

// Principals.

func anonymous() authz.Principal { return authz.Principal{} }

func pat(user string, scopes ...string) authz.Principal {
	return authz.Principal{Credential: &authz.Credential{Name: user + "-pat", Secret: "ghp_" + user, Kind: authz.ClassicPAT, User: user, Scopes: scopes}}
}

func oauth(user string, scopes ...string) authz.Principal {
	return authz.Principal{Credential: &authz.Credential{Name: user + "-gh", Secret: "gho_" + user, Kind: authz.OAuth, User: user, Scopes: scopes}}
}

func fineGrained(user string) authz.Principal {
	return authz.Principal{Credential: &authz.Credential{Name: user + "-fg", Secret: "github_pat_" + user, Kind: authz.FineGrainedPAT, User: user}}
}

func app(slug string) authz.Principal {
	return authz.Principal{Credential: &authz.Credential{Name: slug + "-inst", Secret: "ghs_app_" + slug, Kind: authz.AppInstallation, App: slug}}
}

// gh is a GITHUB_TOKEN of a workflow in repo; mods adjust it.
func gh(repo string, mods ...func(*authz.Credential)) authz.Principal {
	c := &authz.Credential{Name: "ci", Secret: "ghs_" + repo, Kind: authz.GitHubToken, Repository: repo, Event: "push"}
	for _, m := range mods {
		m(c)
	}
	return authz.Principal{Credential: c}
}

func packages(r authz.Role) func(*authz.Credential) {
	return func(c *authz.Credential) { c.Packages = r }
}
func event(e string) func(*authz.Credential) { return func(c *authz.Credential) { c.Event = e } }
func fork(c *authz.Credential)               { c.Fork = true }
func dependabot(c *authz.Credential)         { c.Dependabot = true }
func revoked(p authz.Principal) authz.Principal {
	c := *p.Credential
	c.Revoked = true
	return authz.Principal{Credential: &c}
}

func read(pkg string) authz.Access  { return authz.Access{Package: pkg, Action: authz.ActionRead} }
func write(pkg string) authz.Access { return authz.Access{Package: pkg, Action: authz.ActionWrite} }
func del(pkg string) authz.Access   { return authz.Access{Package: pkg, Action: authz.ActionDelete} }

// decideCase is one row of a decision table.
type decideCase struct {
	name   string
	setup  func(*authz.World) // optional change to the fixture
	p      authz.Principal
	a      authz.Access
	want   authz.Reason
	allow  bool
	decide func(authz.World, authz.Principal, authz.Access) authz.Decision // default authz.Decide
}

func runCases(t *testing.T, cases []decideCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := world()
			if tc.setup != nil {
				tc.setup(&w)
			}
			decide := tc.decide
			if decide == nil {
				decide = authz.Decide
			}
			got := decide(w, tc.p, tc.a)
			record(got.Reason)
			if got.Reason != tc.want || got.Allow != tc.allow {
				t.Errorf("%s %s %s: got (allow=%v, %s), want (allow=%v, %s)\nexplanation: %s",
					tc.p, tc.a.Action, tc.a.Package, got.Allow, got.Reason, tc.allow, tc.want, got.Explanation)
			}
			checkInvariants(t, tc.p, got)
		})
	}
}

// privateCitation matches the research notes' own references ("[D5]",
// "[§6 rule 2, T21]", "spec §10"), which mean nothing to a user.
var privateCitation = regexp.MustCompile(`\[(§|[DTQ][0-9])[^\]]*\]|§`)

// checkInvariants: every decision explains itself, every denial says how to
// fix it, the allow flag agrees with the reason, and no text leaks a secret.
func checkInvariants(t *testing.T, p authz.Principal, d authz.Decision) {
	t.Helper()
	if d.Explanation == "" {
		t.Errorf("decision %s has no Explanation", d.Reason)
	}
	if !d.Allow && d.Fix == "" {
		t.Errorf("denial %s has no Fix", d.Reason)
	}
	if d.Allow != slices.Contains(authz.AllowReasons(), d.Reason) {
		t.Errorf("Allow=%v disagrees with reason %s", d.Allow, d.Reason)
	}
	if !d.Allow && !slices.Contains(authz.DenyReasons(), d.Reason) {
		t.Errorf("denial reason %s is not in DenyReasons()", d.Reason)
	}
	for _, text := range []string{d.Explanation, d.Fix} {
		if ref := privateCitation.FindString(text); ref != "" {
			t.Errorf("decision %s cites %q: users see explanations, which cite public sources only", d.Reason, ref)
		}
	}
	if c := p.Credential; c != nil && c.Secret != "" {
		if strings.Contains(d.Explanation, c.Secret) || strings.Contains(d.Fix, c.Secret) {
			t.Errorf("decision %s leaks the credential's secret", d.Reason)
		}
	}
}
