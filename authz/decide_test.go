package authz_test

import (
	"testing"

	"github.com/fakeghcr/fakeghcr/authz"
)

func TestDecideAnonymous(t *testing.T) {
	t.Parallel()
	runCases(t, []decideCase{
		{name: "§9 row 2: read public", p: anonymous(), a: read("acme/public-img"), want: authz.AllowPublicRead, allow: true},
		{name: "read public, mixed case", p: anonymous(), a: read("Acme/Public-IMG"), want: authz.AllowPublicRead, allow: true},
		{name: "read private", p: anonymous(), a: read("acme/private-img"), want: authz.DenyAnonymousRead},
		{name: "read internal", p: anonymous(), a: read("acme/internal-img"), want: authz.DenyAnonymousRead},
		{name: "read missing", p: anonymous(), a: read("acme/nope"), want: authz.DenyAnonymousRead},
		{name: "§9 row 10: push public", p: anonymous(), a: write("acme/public-img"), want: authz.DenyAnonymousWrite},
		{name: "§9 row 10: push new", p: anonymous(), a: write("acme/nope"), want: authz.DenyAnonymousWrite},
		{name: "delete public", p: anonymous(), a: del("acme/public-img"), want: authz.DenyAnonymousWrite},
		{name: "package with no visibility is not public", setup: func(w *authz.World) {
			w.Packages["acme/blank"] = authz.Package{Name: "acme/blank"}
		}, p: anonymous(), a: read("acme/blank"), want: authz.DenyAnonymousRead},
	})
}

// A revoked credential, like a forged or expired bearer, authenticates
// nobody on /v2/ [§1.3, Q7].
func TestDecideRevokedIsAnonymous(t *testing.T) {
	t.Parallel()
	unknownKind := authz.Principal{Credential: &authz.Credential{Name: "odd", Secret: "s3cr3t", Kind: "deploy_key", User: "alice"}}
	runCases(t, []decideCase{
		{name: "revoked PAT reads public", p: revoked(pat("dave", "write:packages")), a: read("acme/public-img"), want: authz.AllowPublicRead, allow: true},
		{name: "revoked PAT of a reader", p: revoked(pat("dave", "write:packages")), a: read("acme/private-img"), want: authz.DenyAnonymousRead},
		{name: "revoked PAT of a writer", p: revoked(pat("dave", "write:packages")), a: write("acme/private-img"), want: authz.DenyAnonymousWrite},
		{name: "revoked GITHUB_TOKEN", p: revoked(gh("acme/web", packages(authz.RoleWrite))), a: write("acme/web-img"), want: authz.DenyAnonymousWrite},
		{name: "revoked org-owner PAT deletes", p: revoked(pat("alice", "read:packages", "delete:packages")), a: del("acme/cli-pushed"), want: authz.DenyAnonymousWrite},
		{name: "unknown credential kind", p: unknownKind, a: read("acme/private-img"), want: authz.DenyAnonymousRead},
		{name: "unknown credential kind, public", p: unknownKind, a: read("acme/public-img"), want: authz.AllowPublicRead, allow: true},
	})
}

func TestDecideFineGrainedPAT(t *testing.T) {
	t.Parallel()
	runCases(t, []decideCase{
		{name: "§9 row 12: push", p: fineGrained("dave"), a: write("acme/private-img"), want: authz.DenyFineGrainedPAT},
		{name: "create", p: fineGrained("bob"), a: write("bob/new"), want: authz.DenyFineGrainedPAT},
		{name: "read private with a role", p: fineGrained("bob"), a: read("acme/private-img"), want: authz.DenyFineGrainedPAT},
		// INFERRED and conservative: consistent with the classic-PAT scope check.
		{name: "read public", p: fineGrained("bob"), a: read("acme/public-img"), want: authz.DenyFineGrainedPAT},
		{name: "delete", p: fineGrained("alice"), a: del("acme/cli-pushed"), want: authz.DenyFineGrainedPAT},
	})
}

func TestDecideAppInstallation(t *testing.T) {
	t.Parallel()
	runCases(t, []decideCase{
		{name: "read public", p: app("release-bot"), a: read("acme/public-img"), want: authz.AllowPublicRead, allow: true},
		{name: "read private", p: app("release-bot"), a: read("acme/private-img"), want: authz.DenyAppRead},
		{name: "read missing", p: app("release-bot"), a: read("acme/nope"), want: authz.DenyNameUnknown},
		{name: "§9 row 20: push new", p: app("release-bot"), a: write("acme/nope"), want: authz.DenyAppCreate},
		{name: "§9 row 20: push existing", p: app("release-bot"), a: write("acme/private-img"), want: authz.DenyAppWrite},
		{name: "push existing public", p: app("release-bot"), a: write("acme/public-img"), want: authz.DenyAppWrite},
		{name: "delete", p: app("release-bot"), a: del("acme/private-img"), want: authz.DenyAppWrite},
		{name: "delete missing", p: app("release-bot"), a: del("acme/nope"), want: authz.DenyAppWrite},
	})
}
