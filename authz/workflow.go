package authz

import (
	"fmt"
	"strings"
)

// decideWorkflow decides for a GitHub Actions GITHUB_TOKEN: an installation
// token of the Actions app, scoped to the workflow's repository.
func decideWorkflow(w World, c *Credential, a Access) Decision {
	q := workflowRequest{w: w, c: c, a: a}
	q.pkg, q.exists = w.Package(a.Package)
	q.perm, q.why = packagesPermission(w, c)
	var d Decision
	switch a.Action {
	case ActionRead:
		return workflowRead(q)
	case ActionWrite:
		d = workflowWrite(q)
	default:
		d = workflowDelete(q)
	}
	if d.Allow && dependabotRaised(c) {
		d.Explanation += "; a Dependabot run's GITHUB_TOKEN is read-only by default, and the workflow's permissions key raises it (GitHub docs, \"Troubleshooting Dependabot on GitHub Actions\", \"Changing GITHUB_TOKEN permissions\")"
	}
	return d
}

// workflowRequest is one GITHUB_TOKEN request being decided: the world,
// the token, the access, the package (if it exists), and the token's
// packages permission with where it comes from.
type workflowRequest struct {
	w      World
	c      *Credential
	a      Access
	pkg    Package
	exists bool
	perm   Role
	why    string
}

// workflowRead: public -> any workflow;
// packages none -> nothing; internal -> any repository of the enterprise;
// private -> repositories granted in Manage Actions access, or the linked
// repository when the package inherits access; otherwise 403 "installation
// not allowed to Read organization package".
func workflowRead(q workflowRequest) Decision {
	w, c, a, pkg, exists, perm, why := q.w, q.c, q.a, q.pkg, q.exists, q.perm, q.why
	repo := c.Repository
	switch {
	case exists && pkg.Visibility == Public:
		return allow(AllowPublicRead, fmt.Sprintf("%s is public; any workflow may pull it", a.Package))
	case perm == PackagesNone:
		return deny(DenyWorkflowNoRead,
			fmt.Sprintf("%s has no packages permission (%s), so it cannot pull non-public package %s", describe(c), why, a.Package),
			fmt.Sprintf("Add \"permissions: packages: read\" to the workflow job in %s (a permissions block sets every scope it leaves out to none)", repo))
	case !exists:
		return deny(DenyNameUnknown,
			fmt.Sprintf("%s is valid but package %s does not exist", describe(c), a.Package),
			"Check the package name (ghcr.io/OWNER/NAME, lower case), or push it first")
	}
	if pkg.Visibility == Internal && repo != "" && w.enterprise(ownerOf(repo)) == w.enterprise(pkg.Owner()) {
		return allow(AllowInternalRead,
			fmt.Sprintf("%s is internal and the workflow's repository %s belongs to the same enterprise", a.Package, repo))
	}
	if r := actionsRole(w, pkg, repo); r.AtLeast(RoleRead) {
		return allow(AllowActionsAccess,
			fmt.Sprintf("%s may pull %s: repository %s has the %s role in its Manage Actions access", describe(c), a.Package, repo, r))
	}
	if pkg.InheritAccess && linkedTo(w, pkg, repo) {
		return allow(AllowInheritedRepo,
			fmt.Sprintf("%s may pull %s: the package is linked to %s and inherits its access", describe(c), a.Package, repo))
	}
	return deny(DenyWorkflowNoRead,
		fmt.Sprintf("%s cannot pull %s package %s: %s%s", describe(c), visibilityOf(pkg), a.Package, whyNoRepoAccess(w, pkg, repo, RoleRead), reusableNote(w, c, pkg, RoleRead)),
		actionsFix(w, a.Package, repo, "Read"))
}

// workflowWrite is spec §6's rule, in its order:
//  1. package owner != repository owner -> installation missing;
//  2. packages permission != write -> "installation not allowed to
//     Write|Create organization package";
//  3. package missing -> create, subject to the organization's creation
//     setting for private packages;
//  4. exists: a. repository has Write or Admin in Manage Actions access;
//     b. linked to the repository and inheriting access;
//     c. otherwise 403 write_package: the 2022 seed case. A Read
//     role in Manage Actions access lands in 4c (INFERRED).
func workflowWrite(q workflowRequest) Decision {
	w, c, a, pkg, exists, perm, why := q.w, q.c, q.a, q.pkg, q.exists, q.perm, q.why
	repo := c.Repository
	owner := ownerOf(a.Package)
	if d, ok := installationMissing(c, a); !ok {
		return d
	}
	if perm != RoleWrite {
		fix := permissionFix(c, why)
		if !exists {
			return deny(DenyWorkflowCreate,
				fmt.Sprintf("%s has packages: %s (%s), not write, so it cannot create package %s", describe(c), perm, why, a.Package),
				fix)
		}
		return deny(DenyWorkflowReadOnly,
			fmt.Sprintf("%s has packages: %s (%s), not write, so it cannot push to %s; adding the repository under Manage Actions access does not help", describe(c), perm, why, a.Package),
			fix)
	}
	if !exists {
		if !w.mayCreate(owner, Private) {
			return deny(DenyCreationPolicy,
				fmt.Sprintf("organization %s's package creation setting does not allow private packages, the visibility new package %s would get", owner, a.Package),
				fmt.Sprintf("Organization %s settings -> Packages -> Package creation -> tick Private", owner))
		}
		return allow(AllowCreate,
			fmt.Sprintf("%s has packages: write and %s belongs to the repository's owner; the push creates private package %s linked to %s", describe(c), owner, a.Package, repo))
	}
	if r := actionsRole(w, pkg, repo); r.AtLeast(RoleWrite) {
		return allow(AllowActionsAccess,
			fmt.Sprintf("%s may push to %s: repository %s has the %s role in its Manage Actions access", describe(c), a.Package, repo, r))
	}
	if pkg.InheritAccess && linkedTo(w, pkg, repo) {
		return allow(AllowInheritedRepo,
			fmt.Sprintf("%s may push to %s: the package is linked to %s and inherits its access", describe(c), a.Package, repo))
	}
	return deny(DenyActionsAccess,
		fmt.Sprintf("%s has packages: write, but it cannot push to existing package %s: %s%s", describe(c), a.Package, whyNoRepoAccess(w, pkg, repo, RoleWrite), reusableNote(w, c, pkg, RoleWrite)),
		actionsFix(w, a.Package, repo, "Write"))
}

// workflowDelete: deleting needs the Admin role for the repository in Manage
// Actions access and a token
// that may write packages (INFERRED). INFERRED and conservative: an
// inheriting link does not make the workflow an admin.
func workflowDelete(q workflowRequest) Decision {
	w, c, a, pkg, exists, perm, why := q.w, q.c, q.a, q.pkg, q.exists, q.perm, q.why
	repo := c.Repository
	if d, ok := installationMissing(c, a); !ok {
		return d
	}
	if !exists {
		return deny(DenyNameUnknown,
			fmt.Sprintf("package %s does not exist, so %s cannot delete it", a.Package, describe(c)),
			"Check the package name (ghcr.io/OWNER/NAME, lower case)")
	}
	if perm != RoleWrite {
		return deny(DenyDeletePackage,
			fmt.Sprintf("%s has packages: %s (%s), not write, so it cannot delete %s", describe(c), perm, why, a.Package),
			permissionFix(c, why))
	}
	if r := actionsRole(w, pkg, repo); r.AtLeast(RoleAdmin) {
		return allow(AllowActionsAccess,
			fmt.Sprintf("%s may delete %s: repository %s has the Admin role in its Manage Actions access", describe(c), a.Package, repo))
	}
	return deny(DenyDeletePackage,
		fmt.Sprintf("%s cannot delete %s: %s", describe(c), a.Package, whyNoRepoAccess(w, pkg, repo, RoleAdmin)),
		actionsFix(w, a.Package, repo, "Admin"))
}

// installationMissing: the Actions app has no installation in a namespace
// other than the workflow repository's owner.
func installationMissing(c *Credential, a Access) (Decision, bool) {
	owner, repoOwner := ownerOf(a.Package), ownerOf(c.Repository)
	if owner == repoOwner && owner != "" {
		return Decision{}, true
	}
	return deny(DenyInstallationMissing,
		fmt.Sprintf("%s may only %s packages of its repository's owner %s, not of %s", describe(c), verb(a.Action), repoOwner, owner),
		fmt.Sprintf("Push to ghcr.io/%s/... instead, or use a classic PAT with the %s scope of a user who may publish to %s (stored as a repository secret)", repoOwner, scopeFor(a.Action), owner)), false
}

// packagesPermission is a GITHUB_TOKEN's effective packages permission
// (RoleRead, RoleWrite or PackagesNone) and, in words, where it comes from:
//   - the job's "permissions: packages:" value; a permissions block that
//     leaves packages out means none;
//   - without a block, the repository's default: permissive = write,
//     restricted = read; read when the repository or its setting is unknown
//     (restricted is the default since 2023-02-02);
//   - pull requests from forks get at most read, except pull_request_target;
//   - a Dependabot run's token is read-only by default: without a
//     permissions block it gets read whatever the repository's default,
//     but an explicit "packages: write" raises it [GitHub docs,
//     "Troubleshooting Dependabot on GitHub Actions", "Changing
//     GITHUB_TOKEN permissions": "By default, GitHub Actions workflows
//     triggered by Dependabot get a GITHUB_TOKEN with read-only
//     permissions. You can use the permissions key in your workflow to
//     increase the access for the token"; changelog 2021-10-06, "Workflows
//     triggered by Dependabot PRs will respect permissions key in
//     workflows"; seen for packages at
//     https://github.com/jidicula/clang-format-action/issues/190, fixed by
//     adding packages: write]. On pull_request_target (base ref created by
//     Dependabot) the docs say read-only without "by default": capped.
//
// INFERRED and conservative: an unknown Packages value means none.
func packagesPermission(w World, c *Credential) (Role, string) {
	var perm Role
	var why string
	switch c.Packages {
	case "":
		repo, ok := w.Repository(c.Repository)
		switch {
		case ok && repo.WorkflowPermission.AtLeast(RoleWrite):
			perm, why = RoleWrite, fmt.Sprintf("the permissive default of %s", c.Repository)
		case ok && repo.WorkflowPermission != "":
			perm, why = RoleRead, fmt.Sprintf("the restricted default of %s", c.Repository)
		default:
			perm, why = RoleRead, "the restricted default"
		}
	case RoleRead, RoleWrite:
		perm, why = c.Packages, fmt.Sprintf("the job's permissions block says packages: %s", c.Packages)
	case PackagesNone:
		perm, why = PackagesNone, "the job's permissions block leaves packages out"
	default:
		perm, why = PackagesNone, fmt.Sprintf("unrecognised packages permission %q", c.Packages)
	}
	if perm == RoleWrite {
		switch {
		case c.Dependabot && c.Event == "pull_request_target":
			perm, why = RoleRead, "a Dependabot pull_request_target run gets a read-only token whatever the workflow asks (GitHub docs, \"Troubleshooting Dependabot on GitHub Actions\")"
		case c.Dependabot && c.Packages == "":
			perm, why = RoleRead, "a Dependabot run's token is read-only by default and no permissions block raises it (GitHub docs, \"Troubleshooting Dependabot on GitHub Actions\": the permissions key can increase it)"
		case c.Fork && c.Event != "pull_request_target":
			perm, why = RoleRead, "a pull request from a fork gets a read-only token"
		}
	}
	return perm, why
}

// dependabotRaised reports whether a Dependabot run's packages: write comes
// from the workflow's permissions key raising its read-only default.
func dependabotRaised(c *Credential) bool {
	return c.Dependabot && c.Event != "pull_request_target" && c.Packages == RoleWrite
}

func permissionFix(c *Credential, why string) string {
	switch {
	case c.Dependabot && c.Event == "pull_request_target":
		return "Skip the push in Dependabot runs (if: github.actor != 'dependabot[bot]'); a Dependabot pull_request_target run's GITHUB_TOKEN is read-only"
	case c.Dependabot:
		return "Skip the push in Dependabot runs (if: github.actor != 'dependabot[bot]'), or add \"permissions: packages: write\" to the job: a Dependabot run's GITHUB_TOKEN is read-only by default and the permissions key raises it (GitHub docs warn that a compromised dependency then runs with that access)"
	case c.Fork && c.Event != "pull_request_target":
		return "Push from a push or release workflow instead; pull requests from forks get a read-only GITHUB_TOKEN"
	case strings.Contains(why, "leaves packages out"):
		return "Add \"packages: write\" to the job's permissions block (a permissions block sets every scope it leaves out to none)"
	}
	return fmt.Sprintf("Add \"permissions: packages: write\" to the workflow job (or set %s Settings -> Actions -> General -> Workflow permissions to \"Read and write permissions\")", c.Repository)
}

func actionsFix(w World, pkg, repo, role string) string {
	return fmt.Sprintf("%s -> Manage Actions access -> Add repository %s with role %s", settings(w, pkg), repo, role)
}

// whyNoRepoAccess says why repo's workflows do not get role on pkg, naming
// the state that lands in §6 rule 4c.
func whyNoRepoAccess(w World, pkg Package, repo string, role Role) string {
	var parts []string
	granted := actionsRole(w, pkg, repo)
	switch {
	case granted != RoleNone:
		parts = append(parts, fmt.Sprintf("repository %s has only the %s role in Manage Actions access", repo, granted))
	case hasStaleGrant(w, pkg, repo):
		parts = append(parts, fmt.Sprintf("the Manage Actions access entry for %s was given to an earlier repository of that name", repo))
	default:
		parts = append(parts, fmt.Sprintf("repository %s is not in its Manage Actions access", repo))
	}
	if role == RoleAdmin {
		return parts[0]
	}
	switch {
	case pkg.Repository == "":
		parts = append(parts, "the package is not linked to any repository (as when it was first pushed from a laptop or with a PAT)")
	case !strings.EqualFold(pkg.Repository, repo):
		parts = append(parts, fmt.Sprintf("the package is linked to another repository, %s", pkg.Repository))
	case !linkedTo(w, pkg, repo):
		parts = append(parts, fmt.Sprintf("its link points at an earlier repository named %s (id %d), deleted and re-created since", repo, pkg.RepositoryID))
	case !pkg.InheritAccess:
		parts = append(parts, fmt.Sprintf("it is linked to %s but does not inherit access from it", repo))
	}
	return strings.Join(parts, ", and ")
}

// reusableNote explains a refusal where the package grants the reusable workflow's
// repository rather than the caller's: the token is the caller's.
func reusableNote(w World, c *Credential, pkg Package, role Role) string {
	if c.ReusableWorkflow == "" || strings.EqualFold(c.ReusableWorkflow, c.Repository) {
		return ""
	}
	if r := actionsRole(w, pkg, c.ReusableWorkflow); r.AtLeast(role) {
		return fmt.Sprintf("; the push runs in the reusable workflow of %s, which has the %s role in Manage Actions access, but a called workflow's GITHUB_TOKEN is the caller's (repository %s), so the package must list %s", c.ReusableWorkflow, r, c.Repository, c.Repository)
	}
	return fmt.Sprintf("; the push runs in the reusable workflow of %s, but a called workflow's GITHUB_TOKEN is the caller's (repository %s)", c.ReusableWorkflow, c.Repository)
}

func hasStaleGrant(w World, pkg Package, repo string) bool {
	for _, g := range pkg.ActionsAccess {
		if strings.EqualFold(g.Repository, repo) && !idMatches(w, repo, g.RepositoryID) {
			return true
		}
	}
	return false
}
