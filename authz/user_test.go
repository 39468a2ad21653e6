package authz_test

import (
	"testing"

	"github.com/fakeghcr/fakeghcr/authz"
)

const (
	r  = "read:packages"
	wr = "write:packages"
	dl = "delete:packages"
)

func TestDecideUserRead(t *testing.T) {
	t.Parallel()
	runCases(t, []decideCase{
		{name: "§9 row 22: explicit read role", p: pat("bob", r), a: read("acme/private-img"), want: authz.AllowRole, allow: true},
		{name: "write:packages implies read", p: pat("bob", wr), a: read("acme/private-img"), want: authz.AllowRole, allow: true},
		{name: "§9 row 7: no role", p: pat("mallory", r), a: read("acme/private-img"), want: authz.DenyReadPackage},
		{name: "org membership alone grants nothing", p: pat("bob", r), a: read("acme/cli-pushed"), want: authz.DenyReadPackage},
		{name: "§9 row 8: PAT lacks read:packages", p: pat("bob", "repo"), a: read("acme/private-img"), want: authz.DenyScopes},
		{name: "PAT without any scope", p: pat("bob"), a: read("acme/private-img"), want: authz.DenyScopes},
		{name: "delete:packages alone does not read", p: pat("bob", dl), a: read("acme/private-img"), want: authz.DenyScopes},
		// INFERRED and conservative: the scope check applies to public packages too.
		{name: "public, PAT lacks scope", p: pat("bob", "repo"), a: read("acme/public-img"), want: authz.DenyScopes},
		{name: "public", p: pat("mallory", r), a: read("acme/public-img"), want: authz.AllowPublicRead, allow: true},
		{name: "Q1: missing package", p: pat("bob", r), a: read("acme/nope"), want: authz.DenyNameUnknown},
		{name: "team role", p: pat("carol", r), a: read("acme/private-img"), want: authz.AllowRole, allow: true},
		{name: "org owner", p: pat("alice", r), a: read("acme/cli-pushed"), want: authz.AllowOrgOwner, allow: true},
		{name: "namespace owner", p: pat("alice", r), a: read("alice/tool"), want: authz.AllowPackageOwner, allow: true},
		{name: "explicit role in another user's namespace", p: pat("alice", r), a: read("bob/tool"), want: authz.AllowRole, allow: true},
		{name: "other user's namespace without role", p: pat("mallory", r), a: read("alice/tool"), want: authz.DenyReadPackage},
		{name: "inherited: maintain collaborator", p: pat("frank", r), a: read("acme/inherits-api"), want: authz.AllowInheritedRepo, allow: true},
		{name: "inherited: triage collaborator", p: pat("gina", r), a: read("acme/inherits-api"), want: authz.AllowInheritedRepo, allow: true},
		{name: "inherited: collaborator, case-insensitive", p: pat("FRANK", r), a: read("ACME/inherits-api"), want: authz.AllowInheritedRepo, allow: true},
		{name: "not inheriting", setup: func(w *authz.World) {
			p := w.Packages["acme/inherits-api"]
			p.InheritAccess = false
			w.Packages["acme/inherits-api"] = p
		}, p: pat("frank", r), a: read("acme/inherits-api"), want: authz.DenyReadPackage},
		{name: "stale link: repository re-created", p: pat("kate", r), a: read("acme/stale-users"), want: authz.DenyReadPackage},
		{name: "stale link control: same id", setup: func(w *authz.World) {
			repo := w.Repositories["acme/reborn"]
			repo.ID = 103
			w.Repositories["acme/reborn"] = repo
		}, p: pat("kate", r), a: read("acme/stale-users"), want: authz.AllowInheritedRepo, allow: true},
		{name: "linked repository deleted", setup: func(w *authz.World) {
			delete(w.Repositories, "acme/api")
		}, p: pat("frank", r), a: read("acme/inherits-api"), want: authz.DenyReadPackage},
		// Links cross owners only in hand-made worlds; this exercises the
		// "owners of the repository's organization" source of inheritance.
		{name: "inherited: owner of the linked repository's organization", setup: func(w *authz.World) {
			w.Packages["bob/linked"] = authz.Package{Name: "bob/linked", Visibility: authz.Private, Repository: "acme/api", RepositoryID: 101, InheritAccess: true}
		}, p: pat("alice", r), a: read("bob/linked"), want: authz.AllowInheritedRepo, allow: true},
		{name: "internal: member of the owner org", p: pat("bob", r), a: read("acme/internal-img"), want: authz.AllowInternalRead, allow: true},
		{name: "internal: member of another org of the enterprise", p: pat("erin", r), a: read("acme/internal-img"), want: authz.AllowInternalRead, allow: true},
		{name: "internal: outside the enterprise", p: pat("mallory", r), a: read("acme/internal-img"), want: authz.DenyReadPackage},
		{name: "internal: org without enterprise is its own", p: pat("mallory", r), a: read("other/internal"), want: authz.AllowInternalRead, allow: true},
		{name: "internal: org without enterprise excludes others", p: pat("bob", r), a: read("other/internal"), want: authz.DenyReadPackage},
		{name: "internal: role beats enterprise", p: pat("alice", r), a: read("acme/internal-img"), want: authz.AllowOrgOwner, allow: true},
		{name: "OAuth token works like a classic PAT", p: oauth("bob", r), a: read("acme/private-img"), want: authz.AllowRole, allow: true},
		{name: "PAT without a user", p: pat("", r), a: read("acme/private-img"), want: authz.DenyReadPackage},
		{name: "PAT without a user, internal", p: pat("", r), a: read("acme/internal-img"), want: authz.DenyReadPackage},
		{name: "unknown role value grants nothing", setup: func(w *authz.World) {
			w.Packages["acme/private-img"].Users["bob"] = "superuser"
		}, p: pat("bob", r), a: read("acme/private-img"), want: authz.DenyReadPackage},
		{name: "unknown role value in Actions access grants nothing", setup: func(w *authz.World) {
			p := w.Packages["acme/cli-pushed"]
			p.ActionsAccess = []authz.RepoGrant{{Repository: "acme/web", Role: "owner"}}
			w.Packages["acme/cli-pushed"] = p
		}, p: gh("acme/web"), a: read("acme/cli-pushed"), want: authz.DenyWorkflowNoRead},
		{name: "OAuth token lacking scope", p: oauth("bob", "gist"), a: read("acme/private-img"), want: authz.DenyScopes},
	})
}

func TestDecideUserWrite(t *testing.T) {
	t.Parallel()
	runCases(t, []decideCase{
		{name: "explicit write role", p: pat("dave", wr), a: write("acme/private-img"), want: authz.AllowRole, allow: true},
		{name: "team write role", p: pat("carol", wr), a: write("acme/private-img"), want: authz.AllowRole, allow: true},
		{name: "§9 row 13: read-only role", p: pat("bob", wr), a: write("acme/private-img"), want: authz.DenyWritePackage},
		{name: "§9 row 13: no role", p: pat("mallory", wr), a: write("acme/cli-pushed"), want: authz.DenyWritePackage},
		{name: "public grants no write", p: pat("bob", wr), a: write("acme/public-img"), want: authz.DenyWritePackage},
		{name: "public with write role", p: pat("dave", wr), a: write("acme/public-unlinked"), want: authz.AllowRole, allow: true},
		{name: "§9 row 11: PAT read-only", p: pat("dave", r), a: write("acme/private-img"), want: authz.DenyScopes},
		{name: "§9 row 11: gh token read-only", p: oauth("dave", r), a: write("acme/private-img"), want: authz.DenyScopes},
		{name: "org owner", p: pat("alice", wr), a: write("acme/cli-pushed"), want: authz.AllowOrgOwner, allow: true},
		{name: "namespace owner", p: pat("alice", wr), a: write("alice/tool"), want: authz.AllowPackageOwner, allow: true},
		{name: "inherited: maintain -> write", p: pat("frank", wr), a: write("acme/inherits-api"), want: authz.AllowInheritedRepo, allow: true},
		{name: "inherited: triage -> read only", p: pat("gina", wr), a: write("acme/inherits-api"), want: authz.DenyWritePackage},
		{name: "inherited: read collaborator", p: pat("ivan", wr), a: write("acme/inherits-api"), want: authz.DenyWritePackage},
		{name: "maximum: team write beats explicit read", setup: func(w *authz.World) {
			w.Packages["acme/private-img"].Users["carol"] = authz.RoleRead
		}, p: pat("carol", wr), a: write("acme/private-img"), want: authz.AllowRole, allow: true},
		{name: "maximum: org owner beats explicit read", setup: func(w *authz.World) {
			w.Packages["acme/private-img"].Users["alice"] = authz.RoleRead
		}, p: pat("alice", wr), a: write("acme/private-img"), want: authz.AllowOrgOwner, allow: true},
		{name: "maximum: tie goes to the explicit role", setup: func(w *authz.World) {
			w.Packages["acme/private-img"].Users["alice"] = authz.RoleAdmin
		}, p: pat("alice", wr), a: write("acme/private-img"), want: authz.AllowRole, allow: true},
	})
}

// Creating a package on first push [Q8, §3].
func TestDecideUserCreate(t *testing.T) {
	t.Parallel()
	runCases(t, []decideCase{
		{name: "own namespace", p: pat("bob", wr), a: write("bob/new"), want: authz.AllowCreate, allow: true},
		{name: "own namespace, nested name", p: pat("bob", wr), a: write("bob/tools/new"), want: authz.AllowCreate, allow: true},
		{name: "own namespace, user not in world", p: pat("zed", wr), a: write("zed/new"), want: authz.AllowCreate, allow: true},
		{name: "Q8: another user's namespace", p: pat("bob", wr), a: write("alice/new"), want: authz.DenyCreatePackage},
		{name: "Q8: unknown namespace", p: pat("bob", wr), a: write("ghost/new"), want: authz.DenyCreatePackage},
		{name: "PAT without a user", p: pat("", wr), a: write("acme/new"), want: authz.DenyCreatePackage},
		{name: "Q8: org the user is not in", p: pat("mallory", wr), a: write("acme/new"), want: authz.DenyCreatePackage},
		{name: "org member", p: pat("bob", wr), a: write("acme/new"), want: authz.AllowCreate, allow: true},
		{name: "org owner", p: pat("alice", wr), a: write("acme/new"), want: authz.AllowCreate, allow: true},
		// INFERRED: the creation setting binds organization owners too.
		{name: "creation policy: public only", p: pat("bob", wr), a: write("pubonly/new"), want: authz.DenyCreationPolicy},
		{name: "creation policy: nothing allowed", setup: func(w *authz.World) {
			o := w.Owners["acme"]
			o.PackageCreation = []authz.Visibility{}
			w.Owners["acme"] = o
		}, p: pat("bob", wr), a: write("acme/new"), want: authz.DenyCreationPolicy},
		{name: "creation policy: private allowed", setup: func(w *authz.World) {
			o := w.Owners["pubonly"]
			o.PackageCreation = []authz.Visibility{authz.Public, authz.Private}
			w.Owners["pubonly"] = o
		}, p: pat("bob", wr), a: write("pubonly/new"), want: authz.AllowCreate, allow: true},
		{name: "non-member is told namespace, not policy", p: pat("mallory", wr), a: write("pubonly/new"), want: authz.DenyCreatePackage},
		{name: "scope checked before namespace", p: pat("bob", r), a: write("alice/new"), want: authz.DenyScopes},
	})
}

func TestDecideUserDelete(t *testing.T) {
	t.Parallel()
	runCases(t, []decideCase{
		{name: "org owner", p: pat("alice", r, dl), a: del("acme/cli-pushed"), want: authz.AllowOrgOwner, allow: true},
		{name: "explicit admin", p: pat("dave", wr, dl), a: del("acme/cli-pushed"), want: authz.AllowRole, allow: true},
		{name: "namespace owner", p: pat("bob", r, dl), a: del("bob/tool"), want: authz.AllowPackageOwner, allow: true},
		{name: "inherited admin", p: pat("henry", r, dl), a: del("acme/inherits-api"), want: authz.AllowInheritedRepo, allow: true},
		{name: "write role is not enough", p: pat("dave", wr, dl), a: del("acme/private-img"), want: authz.DenyDeletePackage},
		{name: "public package needs admin too", p: pat("bob", r, dl), a: del("acme/public-img"), want: authz.DenyDeletePackage},
		{name: "no delete:packages", p: pat("alice", wr), a: del("acme/cli-pushed"), want: authz.DenyScopes},
		{name: "delete:packages without read", p: pat("alice", dl), a: del("acme/cli-pushed"), want: authz.DenyScopes},
		{name: "missing package", p: pat("alice", r, dl), a: del("acme/nope"), want: authz.DenyNameUnknown},
		{name: "unknown action is decided as delete", p: pat("dave", wr), a: authz.Access{Package: "acme/private-img", Action: "mount"}, want: authz.DenyScopes},
	})
}

// An organization forbidding classic PATs [§2, §9 row 21, T15].
func TestDecideClassicPATBan(t *testing.T) {
	t.Parallel()
	runCases(t, []decideCase{
		{name: "§9 row 21: push", p: pat("bob", wr), a: write("strict/new"), want: authz.DenyClassicPATForbidden},
		{name: "read public (INFERRED: ban first)", p: pat("bob", r), a: read("strict/app"), want: authz.DenyClassicPATForbidden},
		{name: "ban before scopes", p: pat("bob"), a: read("strict/app"), want: authz.DenyClassicPATForbidden},
		{name: "delete", p: pat("bob", r, dl), a: del("strict/app"), want: authz.DenyClassicPATForbidden},
		{name: "OAuth unaffected: read", p: oauth("bob", r), a: read("strict/app"), want: authz.AllowPublicRead, allow: true},
		{name: "OAuth unaffected: create", p: oauth("bob", wr), a: write("strict/new"), want: authz.AllowCreate, allow: true},
		{name: "other orgs unaffected", p: pat("bob", r), a: read("acme/private-img"), want: authz.AllowRole, allow: true},
		{name: "GITHUB_TOKEN unaffected", setup: func(w *authz.World) {
			w.Repositories["strict/ci"] = authz.Repository{Name: "strict/ci", ID: 801}
		}, p: gh("strict/ci", packages(authz.RoleWrite)), a: write("strict/new"), want: authz.AllowCreate, allow: true},
	})
}
