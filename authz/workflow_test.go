package authz_test

import (
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/authz"
)

var (
	pkgWrite = packages(authz.RoleWrite)
	pkgRead  = packages(authz.RoleRead)
	pkgNone  = packages(authz.PackagesNone)
)

func TestDecideWorkflowRead(t *testing.T) {
	t.Parallel()
	runCases(t, []decideCase{
		{name: "public", p: gh("other/x"), a: read("acme/public-img"), want: authz.AllowPublicRead, allow: true},
		{name: "public with packages none", p: gh("acme/web", pkgNone), a: read("acme/public-img"), want: authz.AllowPublicRead, allow: true},
		{name: "linked and inheriting", p: gh("acme/web"), a: read("acme/web-img"), want: authz.AllowInheritedRepo, allow: true},
		{name: "linked without id", p: gh("acme/web"), a: read("acme/linked-noid"), want: authz.AllowInheritedRepo, allow: true},
		{name: "Actions access read", p: gh("acme/web"), a: read("acme/granted-read"), want: authz.AllowActionsAccess, allow: true},
		{name: "fork PR may read", p: gh("acme/web", pkgWrite, fork, event("pull_request")), a: read("acme/granted-read"), want: authz.AllowActionsAccess, allow: true},
		{name: "Dependabot may read", p: gh("acme/web", dependabot), a: read("acme/web-img"), want: authz.AllowInheritedRepo, allow: true},
		{name: "§9 row 9 / Q6: private package of another repository", p: gh("acme/api"), a: read("acme/web-img"), want: authz.DenyWorkflowNoRead},
		{name: "§9 row 9: unlinked, no grant", p: gh("acme/web"), a: read("acme/cli-pushed"), want: authz.DenyWorkflowNoRead},
		{name: "linked but not inheriting", p: gh("acme/web"), a: read("acme/linked-noinh"), want: authz.DenyWorkflowNoRead},
		{name: "stale link and stale grant", p: gh("acme/reborn"), a: read("acme/reborn"), want: authz.DenyWorkflowNoRead},
		{name: "packages none (block without packages)", p: gh("acme/web", pkgNone), a: read("acme/web-img"), want: authz.DenyWorkflowNoRead},
		{name: "packages none, internal", p: gh("acme/web", pkgNone), a: read("acme/internal-img"), want: authz.DenyWorkflowNoRead},
		{name: "unrecognised packages value means none", p: gh("acme/web", packages("admin")), a: read("acme/web-img"), want: authz.DenyWorkflowNoRead},
		{name: "Q6: internal, same org", p: gh("acme/api"), a: read("acme/internal-img"), want: authz.AllowInternalRead, allow: true},
		{name: "Q6: internal, other org of the enterprise", p: gh("acme-labs/tool"), a: read("acme/internal-img"), want: authz.AllowInternalRead, allow: true},
		{name: "Q6: internal, outside the enterprise", p: gh("other/x"), a: read("acme/internal-img"), want: authz.DenyWorkflowNoRead},
		{name: "internal, personal repository", p: gh("alice/dotfiles"), a: read("acme/internal-img"), want: authz.DenyWorkflowNoRead},
		{name: "foreign private package", p: gh("acme/web"), a: read("other/secret"), want: authz.DenyWorkflowNoRead},
		{name: "missing package", p: gh("acme/web"), a: read("acme/nope"), want: authz.DenyNameUnknown},
	})
}

// Spec §6 and §9 rows 14-19.
func TestDecideWorkflowWrite(t *testing.T) {
	t.Parallel()
	runCases(t, []decideCase{
		// Rule 1: installation missing.
		{name: "§9 row 19: foreign namespace, existing", p: gh("acme/web", pkgWrite), a: write("other/secret"), want: authz.DenyInstallationMissing},
		{name: "§9 row 19: foreign namespace, new", p: gh("acme/web", pkgWrite), a: write("other/new"), want: authz.DenyInstallationMissing},
		{name: "T17: prefix of the owner is another namespace", p: gh("jestasecurity/thumper", pkgWrite), a: write("jesta/thumper"), want: authz.DenyInstallationMissing},
		{name: "workflow without a repository", p: gh("", pkgWrite), a: write("acme/new"), want: authz.DenyInstallationMissing},
		{name: "rule 1 before rule 2", p: gh("acme/api"), a: write("other/new"), want: authz.DenyInstallationMissing},
		{name: "user namespace from an org repository", p: gh("acme/web", pkgWrite), a: write("alice/tool"), want: authz.DenyInstallationMissing},

		// Rule 2: packages permission is not write.
		{name: "§9 row 14: restricted default", p: gh("acme/api"), a: write("acme/api"), want: authz.DenyWorkflowReadOnly},
		{name: "§9 row 15: restricted default, first publish", p: gh("acme/api"), a: write("acme/new"), want: authz.DenyWorkflowCreate},
		{name: "repository default unset means read", p: gh("acme/nodefault"), a: write("acme/granted-write"), want: authz.DenyWorkflowReadOnly},
		{name: "repository unknown means read", p: gh("acme/ghost"), a: write("acme/new"), want: authz.DenyWorkflowCreate},
		{name: "§9 row 14: packages: read", p: gh("acme/web", pkgRead), a: write("acme/web-img"), want: authz.DenyWorkflowReadOnly},
		{name: "§9 row 14: block without packages", p: gh("acme/web", pkgNone), a: write("acme/web-img"), want: authz.DenyWorkflowReadOnly},
		{name: "§9 row 15: block without packages, first publish", p: gh("acme/web", pkgNone), a: write("acme/new"), want: authz.DenyWorkflowCreate},
		{name: "§9 row 14: fork PR capped", p: gh("acme/web", pkgWrite, fork, event("pull_request")), a: write("acme/web-img"), want: authz.DenyWorkflowReadOnly},
		{name: "§9 row 15: fork PR capped, first publish", p: gh("acme/web", fork, event("pull_request")), a: write("acme/new"), want: authz.DenyWorkflowCreate},
		{name: "fork PR via pull_request_target not capped", p: gh("acme/web", pkgWrite, fork, event("pull_request_target")), a: write("acme/web-img"), want: authz.AllowInheritedRepo, allow: true},
		// Dependabot: read-only by default, raised by an explicit
		// permissions key (GitHub docs, "Troubleshooting Dependabot on
		// GitHub Actions", "Changing GITHUB_TOKEN permissions").
		{name: "§9 row 14: Dependabot without a block is read-only on a permissive repository", p: gh("acme/web", dependabot, event("pull_request")), a: write("acme/web-img"), want: authz.DenyWorkflowReadOnly},
		{name: "Dependabot push without a block is read-only", p: gh("acme/web", dependabot, event("push")), a: write("acme/web-img"), want: authz.DenyWorkflowReadOnly},
		{name: "Dependabot without a block, first publish", p: gh("acme/web", dependabot), a: write("acme/new"), want: authz.DenyWorkflowCreate},
		{name: "Dependabot pull_request: packages: write raises the default", p: gh("acme/web", pkgWrite, dependabot, event("pull_request")), a: write("acme/web-img"), want: authz.AllowInheritedRepo, allow: true},
		{name: "Dependabot push: packages: write raises the default", p: gh("acme/web", pkgWrite, dependabot, event("push")), a: write("acme/web-img"), want: authz.AllowInheritedRepo, allow: true},
		{name: "Dependabot: packages: write on a restricted repository, first publish", p: gh("acme/api", pkgWrite, dependabot, event("push")), a: write("acme/brand-new"), want: authz.AllowCreate, allow: true},
		{name: "Dependabot: packages: read stays read", p: gh("acme/web", pkgRead, dependabot), a: write("acme/web-img"), want: authz.DenyWorkflowReadOnly},
		{name: "Dependabot: a raised token still needs access to the package", p: gh("acme/api", pkgWrite, dependabot), a: write("acme/web-img"), want: authz.DenyActionsAccess},
		{name: "Dependabot capped on pull_request_target", p: gh("acme/web", pkgWrite, dependabot, event("pull_request_target")), a: write("acme/web-img"), want: authz.DenyWorkflowReadOnly},
		{name: "Dependabot and fork: the fork's cap wins", p: gh("acme/web", pkgWrite, dependabot, fork, event("pull_request")), a: write("acme/web-img"), want: authz.DenyWorkflowReadOnly},
		{name: "Actions access does not help a read-only token", p: gh("acme/web", pkgRead), a: write("acme/granted-write"), want: authz.DenyWorkflowReadOnly},

		// Rule 3: create.
		{name: "§9 row 16: first publish, permissive default", p: gh("acme/web"), a: write("acme/brand-new"), want: authz.AllowCreate, allow: true},
		{name: "§9 row 16: first publish, packages: write on restricted repo", p: gh("acme/api", pkgWrite), a: write("acme/brand-new"), want: authz.AllowCreate, allow: true},
		{name: "first publish in a personal namespace", p: gh("alice/dotfiles"), a: write("alice/new-img"), want: authz.AllowCreate, allow: true},
		{name: "creation policy forbids private", p: gh("pubonly/app"), a: write("pubonly/new"), want: authz.DenyCreationPolicy},

		// Rule 4: existing package.
		{name: "§9 row 18: Actions access write", p: gh("acme/web"), a: write("acme/granted-write"), want: authz.AllowActionsAccess, allow: true},
		{name: "Actions access admin", p: gh("acme/web"), a: write("acme/granted-admin"), want: authz.AllowActionsAccess, allow: true},
		{name: "created by this workflow", p: gh("acme/api", pkgWrite), a: write("acme/api"), want: authz.AllowActionsAccess, allow: true},
		{name: "linked and inheriting", p: gh("acme/web"), a: write("acme/web-img"), want: authz.AllowInheritedRepo, allow: true},
		{name: "linked without id", p: gh("acme/web"), a: write("acme/linked-noid"), want: authz.AllowInheritedRepo, allow: true},
		{name: "§9 row 17: created by a PAT", p: gh("acme/web"), a: write("acme/cli-pushed"), want: authz.DenyActionsAccess},
		{name: "§9 row 17: created by another repository's workflow", p: gh("acme/api", pkgWrite), a: write("acme/web-img"), want: authz.DenyActionsAccess},
		{name: "§9 row 17: repository deleted and re-created", p: gh("acme/reborn"), a: write("acme/reborn"), want: authz.DenyActionsAccess},
		{name: "re-created control: same id", setup: func(w *authz.World) {
			repo := w.Repositories["acme/reborn"]
			repo.ID = 103
			w.Repositories["acme/reborn"] = repo
		}, p: gh("acme/reborn"), a: write("acme/reborn"), want: authz.AllowActionsAccess, allow: true},
		{name: "stale link when the repository is gone", setup: func(w *authz.World) {
			delete(w.Repositories, "acme/reborn")
		}, p: gh("acme/reborn", pkgWrite), a: write("acme/reborn"), want: authz.DenyActionsAccess},
		{name: "read role in Actions access", p: gh("acme/web"), a: write("acme/granted-read"), want: authz.DenyActionsAccess},
		{name: "linked but not inheriting", p: gh("acme/web"), a: write("acme/linked-noinh"), want: authz.DenyActionsAccess},
		{name: "public package, unlinked", p: gh("acme/web"), a: write("acme/public-img"), want: authz.DenyActionsAccess},
		{name: "§9 row 18: seed case fixed", setup: func(w *authz.World) {
			p := w.Packages["acme/cli-pushed"]
			p.ActionsAccess = append(p.ActionsAccess, authz.RepoGrant{Repository: "acme/web", Role: authz.RoleWrite, RepositoryID: 102})
			w.Packages["acme/cli-pushed"] = p
		}, p: gh("acme/web"), a: write("acme/cli-pushed"), want: authz.AllowActionsAccess, allow: true},
		{name: "adding a source link later does not inherit", setup: func(w *authz.World) {
			p := w.Packages["acme/cli-pushed"]
			p.Repository, p.RepositoryID = "acme/web", 102
			w.Packages["acme/cli-pushed"] = p
		}, p: gh("acme/web"), a: write("acme/cli-pushed"), want: authz.DenyActionsAccess},
		{name: "mixed-case names", p: gh("ACME/Web"), a: write("Acme/Granted-Write"), want: authz.AllowActionsAccess, allow: true},
	})
}

func TestDecideWorkflowDelete(t *testing.T) {
	t.Parallel()
	runCases(t, []decideCase{
		{name: "Actions access admin", p: gh("acme/web", pkgWrite), a: del("acme/granted-admin"), want: authz.AllowActionsAccess, allow: true},
		{name: "Actions access write", p: gh("acme/web", pkgWrite), a: del("acme/granted-write"), want: authz.DenyDeletePackage},
		{name: "inheriting link is not admin (INFERRED)", p: gh("acme/web", pkgWrite), a: del("acme/web-img"), want: authz.DenyDeletePackage},
		{name: "read-only token", p: gh("acme/web", pkgRead), a: del("acme/granted-admin"), want: authz.DenyDeletePackage},
		{name: "fork PR", p: gh("acme/web", fork), a: del("acme/granted-admin"), want: authz.DenyDeletePackage},
		{name: "Dependabot without a block", p: gh("acme/web", dependabot), a: del("acme/granted-admin"), want: authz.DenyDeletePackage},
		{name: "Dependabot with packages: write and Admin", p: gh("acme/web", pkgWrite, dependabot), a: del("acme/granted-admin"), want: authz.AllowActionsAccess, allow: true},
		{name: "stale admin grant", p: gh("acme/reborn", pkgWrite), a: del("acme/reborn"), want: authz.DenyDeletePackage},
		{name: "foreign namespace", p: gh("acme/web", pkgWrite), a: del("other/secret"), want: authz.DenyInstallationMissing},
		{name: "missing package", p: gh("acme/web", pkgWrite), a: del("acme/nope"), want: authz.DenyNameUnknown},
	})
}

// A Dependabot run's explanations say where its packages permission comes
// from: the read-only default (fix: skip the push or raise it) or the
// permissions key raising it, citing GitHub's docs.
func TestDependabotExplanations(t *testing.T) {
	t.Parallel()
	w := world()
	d := authz.Decide(w, gh("acme/web", dependabot, event("pull_request")), write("acme/web-img"))
	for _, want := range []string{"read-only by default", "Troubleshooting Dependabot on GitHub Actions"} {
		if !strings.Contains(d.Explanation, want) {
			t.Errorf("default denial: explanation %q lacks %q", d.Explanation, want)
		}
	}
	for _, want := range []string{"github.actor != 'dependabot[bot]'", "permissions: packages: write"} {
		if !strings.Contains(d.Fix, want) {
			t.Errorf("default denial: fix %q lacks %q", d.Fix, want)
		}
	}
	d = authz.Decide(w, gh("acme/web", pkgWrite, dependabot, event("pull_request_target")), write("acme/web-img"))
	if strings.Contains(d.Fix, "permissions: packages: write") {
		t.Errorf("pull_request_target: fix %q offers a permissions block, which cannot raise it", d.Fix)
	}
	d = authz.Decide(w, gh("acme/web", pkgWrite, dependabot, event("push")), write("acme/web-img"))
	if !d.Allow || !strings.Contains(d.Explanation, "permissions key raises it") || !strings.Contains(d.Explanation, "Changing GITHUB_TOKEN permissions") {
		t.Errorf("raised Dependabot push: got allow=%v, explanation %q", d.Allow, d.Explanation)
	}
	d = authz.Decide(w, gh("acme/web", pkgWrite, event("push")), write("acme/web-img"))
	if strings.Contains(d.Explanation, "Dependabot") {
		t.Errorf("a run not triggered by Dependabot mentions it: %q", d.Explanation)
	}
}
