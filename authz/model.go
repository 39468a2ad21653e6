// Package authz is fakeghcr's model of GitHub Container Registry's permission
// system: owners, repositories, packages, credentials, and the pure decision of
// whether a principal may read, write or delete a package.
//
// It imitates GHCR as GitHub's documentation and public issue reports show
// it behaving. Where the behaviour is INFERRED rather than observed, the rule
// is the conservative one and says so in a comment. The package does no I/O,
// no logging and no HTTP, and imports only the standard library. It also
// holds the edits a user makes to the world (World.Apply, Ops) and the one
// check of a world (World.Validate), next to the model they change.
package authz

import (
	"slices"
	"strings"
)

// Visibility is a package's or repository's visibility.
type Visibility string

// Visibilities GitHub offers.
const (
	Private  Visibility = "private"
	Public   Visibility = "public"
	Internal Visibility = "internal"
)

// Role is a level of access to a package: per user, per team, or per
// repository in "Manage Actions access".
type Role string

// Package roles, weakest first. RoleNone is the absence of a role.
const (
	RoleNone  Role = ""
	RoleRead  Role = "read"
	RoleWrite Role = "write"
	RoleAdmin Role = "admin"
)

// rank orders roles; repository collaborator roles (triage, maintain) map
// onto the nearest package role as GitHub's inheritance does.
func (r Role) rank() int {
	switch r {
	case RoleRead, "triage":
		return 1
	case RoleWrite, "maintain":
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// AtLeast reports whether r grants at least the access of min.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() && r.rank() > 0 }

// Max returns the stronger of two roles.
func (r Role) Max(o Role) Role {
	if o.rank() > r.rank() {
		return o
	}
	return r
}

// Action is what a request does to a package.
type Action string

// Actions. Registry GET/HEAD is ActionRead; POST/PATCH/PUT (uploads,
// mounts, manifests) is ActionWrite; ActionDelete is the packages REST API's
// delete (the registry API's DELETE is unsupported on GHCR).
const (
	ActionRead   Action = "read"
	ActionWrite  Action = "write"
	ActionDelete Action = "delete"
)

// OwnerType says whether an owner is a personal account or an organization.
type OwnerType string

// Owner types.
const (
	User         OwnerType = "user"
	Organization OwnerType = "organization"
)

// Owner is a GitHub user or organization: the first path segment of a
// package name (ghcr.io/OWNER/...).
type Owner struct {
	Login string
	Type  OwnerType
	// Members of an organization, by login. Owners of the organization have
	// admin on every package it owns.
	Members []Member
	// Teams of an organization: team slug -> member logins.
	Teams map[string][]string
	// PackageCreation lists the visibilities members may create packages
	// with (Organization settings -> Packages -> Package creation). Nil means
	// GitHub's default: all of them.
	PackageCreation []Visibility
	// ForbidClassicPAT is the organization's policy forbidding access via
	// personal access tokens (classic).
	ForbidClassicPAT bool
	// ForbidWorkflowWrite is the organization's Actions setting "Workflow
	// permissions: Read repository contents and packages permissions" with
	// repositories unable to choose read and write: every repository's
	// GITHUB_TOKEN default stays read, and setting a repository to write
	// fails with 409 (https://github.com/octopusreview/octopus/issues/580).
	// A workflow's own permissions: block still grants packages: write.
	ForbidWorkflowWrite bool
	// InheritAccessDefault is the organization's "Default Package Settings ->
	// Inherit access from source repository". Nil means on (GitHub's default).
	InheritAccessDefault *bool
	// Enterprise groups organizations for internal visibility. Empty means
	// the organization is its own enterprise.
	Enterprise string
}

// Member is one member of an organization.
type Member struct {
	Login string
	Owner bool
}

// Repository is a GitHub repository, named "owner/name".
type Repository struct {
	Name       string
	ID         int64
	Visibility Visibility
	// WorkflowPermission is the repository's default GITHUB_TOKEN permission
	// for packages when a workflow has no permissions block: RoleRead (the
	// restricted default since 2023-02-02) or RoleWrite (the permissive one).
	WorkflowPermission Role
	// Collaborators and their repository roles (read, triage, write,
	// maintain, admin), used when a package inherits access.
	Collaborators map[string]Role
}

// Owner returns the repository's owner login.
func (r Repository) Owner() string { return ownerOf(r.Name) }

// RepoGrant is one entry of a package's "Manage Actions access" list.
type RepoGrant struct {
	Repository string
	Role       Role
	// RepositoryID, when set, is the id of the repository the grant was
	// given to: like Package.RepositoryID, a repository deleted and
	// re-created under the same name has another id and the grant no longer
	// applies. Zero matches by name only. (INFERRED: GitHub keys grants by
	// repository id, as it does links [T13 #806].)
	RepositoryID int64
}

// Package is a container package: the path after ghcr.io/.
type Package struct {
	Name       string
	Visibility Visibility
	// Repository is the linked repository ("owner/name"), empty if none.
	Repository string
	// RepositoryID, when set, is the id of the repository the link points
	// at; a repository deleted and re-created under the same name has
	// another id, and the stale link grants nothing.
	RepositoryID int64
	// InheritAccess is "Inherit access from source repository".
	InheritAccess bool
	// ActionsAccess is "Manage Actions access".
	ActionsAccess []RepoGrant
	// Users and Teams are the package's explicit access roles.
	Users map[string]Role
	Teams map[string]Role
}

// Owner returns the package's owner login.
func (p Package) Owner() string { return ownerOf(p.Name) }

// CredentialKind is the kind of secret a client presents.
type CredentialKind string

// Credential kinds.
const (
	ClassicPAT      CredentialKind = "classic_pat"
	OAuth           CredentialKind = "oauth"
	FineGrainedPAT  CredentialKind = "fine_grained_pat"
	GitHubToken     CredentialKind = "github_token"
	AppInstallation CredentialKind = "app_installation"
)

// Credential is a secret that GitHub would recognise.
type Credential struct {
	Name   string
	Secret string
	Kind   CredentialKind
	// User is the account behind a PAT or OAuth token.
	User string
	// Scopes of a classic PAT or OAuth token (read:packages,
	// write:packages, delete:packages, ...).
	Scopes []string
	// Revoked marks a credential GitHub no longer accepts (expired,
	// revoked, or a stale one left in a docker config).
	Revoked bool

	// Repository is the workflow's repository, for GitHubToken.
	Repository string
	// Packages is the workflow's "permissions: packages:" value: RoleRead,
	// RoleWrite, or PackagesNone. Empty means no permissions block: the
	// repository's default applies.
	Packages Role
	// Event is the workflow's triggering event (push, pull_request,
	// pull_request_target, ...); informational except as below.
	Event string
	// Fork marks a run for a pull request from a fork: packages is capped
	// at read whatever the workflow asks.
	Fork bool
	// Dependabot marks a run triggered by Dependabot: its packages
	// permission is read-only by default (no permissions block), and an
	// explicit one raises it, except on pull_request_target.
	Dependabot bool
	// ReusableWorkflow is the repository of a reusable workflow
	// (on: workflow_call) that runs the push for the caller in Repository.
	// It changes nothing the token may do: the token is the caller's, with
	// the caller's repository and the permissions the caller grants
	// (https://github.com/docker/github-builder/issues/24,
	// https://github.com/docker/build-push-action/issues/1554). It is
	// named in explanations when a package grants that repository instead.
	ReusableWorkflow string

	// App is the GitHub App's slug, for AppInstallation.
	App string
}

// PackagesNone is a permissions block that leaves packages out (or says
// `packages: none`).
const PackagesNone Role = "none"

// HasScope reports whether a PAT or OAuth credential carries scope.
func (c Credential) HasScope(scope string) bool { return slices.Contains(c.Scopes, scope) }

// Principal is who a request acts as: a known credential, or anonymous.
type Principal struct {
	// Credential is nil for anonymous requests (no credential, or a bearer
	// that authenticates nobody).
	Credential *Credential
}

// Anonymous reports whether the principal carries no credential.
func (p Principal) Anonymous() bool { return p.Credential == nil }

// String names the principal for logs, never with its secret.
func (p Principal) String() string {
	if p.Credential == nil {
		return "anonymous"
	}
	return string(p.Credential.Kind) + ":" + p.Credential.Name
}

// World is the GitHub state fakeghcr imitates: who exists, who may do what.
// Maps are keyed by lower-case name.
type World struct {
	Owners       map[string]Owner
	Repositories map[string]Repository
	Packages     map[string]Package
	// Credentials in match order; a credential whose Secret is "*" matches
	// any secret no other credential matches.
	Credentials []Credential
}

// Wildcard is the Secret that matches any otherwise unknown secret.
const Wildcard = "*"

// Access is one thing a request asks to do.
type Access struct {
	Package string
	Action  Action
}

// Decision is the answer to an Access.
type Decision struct {
	Allow bool
	// Reason names the rule that decided; the registry maps a denial's
	// reason to GHCR's exact status, code and message.
	Reason Reason
	// Explanation says, in a sentence, which rule decided and the state
	// that triggered it. Fix says which setting would change the answer,
	// phrased as GitHub's UI or a workflow change would.
	Explanation string
	Fix         string
}

func ownerOf(name string) string {
	owner, _, _ := strings.Cut(strings.ToLower(name), "/")
	return owner
}
