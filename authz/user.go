package authz

import (
	"fmt"
	"strings"
)

// decideUser decides for a person's token: a classic PAT, or an OAuth token,
// which works like a classic PAT with the same scopes.
func decideUser(w World, c *Credential, a Access) Decision {
	owner := ownerOf(a.Package)

	// Rule classic-pat-forbidden: the organization's
	// policy forbids classic PATs. It does not apply to OAuth tokens.
	// INFERRED: it applies before any other check, to public packages and
	// to packages that do not exist yet too.
	if o, ok := w.Owner(owner); ok && c.Kind == ClassicPAT && o.Type == Organization && o.ForbidClassicPAT {
		return deny(DenyClassicPATForbidden,
			fmt.Sprintf("organization %s forbids access via personal access tokens (classic), so %s cannot %s %s",
				o.Login, describe(c), verb(a.Action), a.Package),
			fmt.Sprintf("Organization %s settings -> Personal access tokens -> Settings -> allow access via personal access tokens (classic); the fine-grained PATs and GitHub Apps the error suggests do not work with GitHub Container Registry; inside Actions use GITHUB_TOKEN", o.Login))
	}

	// Rule token-scopes: read needs read:packages or
	// write:packages (write implies read); write needs write:packages;
	// delete needs delete:packages and read. INFERRED and conservative: the
	// check applies to public packages too.
	if missing, ok := missingScope(c, a.Action); !ok {
		return deny(DenyScopes,
			fmt.Sprintf("%s lacks the %s scope needed to %s %s", describe(c), missing, verb(a.Action), a.Package),
			scopeFix(c, a.Action))
	}

	pkg, exists := w.Package(a.Package)
	switch a.Action {
	case ActionRead:
		return userRead(w, c, a, pkg, exists)
	case ActionWrite:
		if !exists {
			return userCreate(w, c, a)
		}
		// Rule write-role.
		if g := userRole(w, pkg, c.User); g.role.AtLeast(RoleWrite) {
			return allow(g.reason, fmt.Sprintf("%s may push to %s: the %s", describe(c), a.Package, g.source))
		}
		return deny(DenyWritePackage,
			fmt.Sprintf("%s is valid and has write:packages, but user %s has no Write role on existing package %s", describe(c), c.User, a.Package),
			accessFix(w, a.Package, c.User, "Write"))
	}
	// Rule delete-role: deleting needs admin on the package.
	if !exists {
		// INFERRED: the packages REST API answers 404 for a package that
		// does not exist.
		return deny(DenyNameUnknown,
			fmt.Sprintf("package %s does not exist, so %s cannot delete it", a.Package, describe(c)),
			"Check the package name (ghcr.io/OWNER/NAME, lower case)")
	}
	if g := userRole(w, pkg, c.User); g.role.AtLeast(RoleAdmin) {
		return allow(g.reason, fmt.Sprintf("%s may delete %s: the %s", describe(c), a.Package, g.source))
	}
	return deny(DenyDeletePackage,
		fmt.Sprintf("user %s needs the Admin role on %s to delete it", c.User, a.Package),
		accessFix(w, a.Package, c.User, "Admin"))
}

// userRead: public -> allow; missing -> 404 NAME_UNKNOWN;
// a role -> allow; internal -> any member of an organization in the
// enterprise; otherwise 403 read_package.
func userRead(w World, c *Credential, a Access, pkg Package, exists bool) Decision {
	switch {
	case exists && pkg.Visibility == Public:
		return allow(AllowPublicRead, fmt.Sprintf("%s is public; anyone may pull it", a.Package))
	case !exists:
		return deny(DenyNameUnknown,
			fmt.Sprintf("%s is valid but package %s does not exist", describe(c), a.Package),
			"Check the package name (ghcr.io/OWNER/NAME, lower case), or push it first")
	}
	if g := userRole(w, pkg, c.User); g.role.AtLeast(RoleRead) {
		return allow(g.reason, fmt.Sprintf("%s may pull %s: the %s", describe(c), a.Package, g.source))
	}
	if pkg.Visibility == Internal {
		if org, ok := sameEnterprise(w, pkg.Owner(), c.User); ok {
			return allow(AllowInternalRead,
				fmt.Sprintf("%s is internal and user %s is a member of organization %s in the same enterprise", a.Package, c.User, org))
		}
	}
	return deny(DenyReadPackage,
		fmt.Sprintf("%s is valid, but user %s has no role on %s package %s", describe(c), c.User, visibilityOf(pkg), a.Package),
		accessFix(w, a.Package, c.User, "Read")+"; or, on the same page, Danger Zone -> Change visibility -> Public (anyone may then pull it)")
}

// userCreate: the first push of a package that does not exist.
// A user may create packages in their own namespace; in an organization's
// namespace they must be a member, and the organization's "Package
// creation" setting must allow private packages, the visibility a first
// push gets. INFERRED and conservative: the creation setting binds
// organization owners too.
func userCreate(w World, c *Credential, a Access) Decision {
	owner := ownerOf(a.Package)
	o, known := w.Owner(owner)
	if known && o.Type == Organization {
		if _, member := o.member(c.User); !member {
			return deny(DenyCreatePackage,
				fmt.Sprintf("user %s is not a member of organization %s, so %s cannot create package %s", c.User, o.Login, describe(c), a.Package),
				fmt.Sprintf("Push to ghcr.io/%s/... instead, or ask an owner of %s to invite %s to the organization", c.User, o.Login, c.User))
		}
		if !w.mayCreate(owner, Private) {
			return deny(DenyCreationPolicy,
				fmt.Sprintf("organization %s's package creation setting does not let members create private packages, the visibility new package %s would get", o.Login, a.Package),
				fmt.Sprintf("Organization %s settings -> Packages -> Package creation -> tick Private", o.Login))
		}
		return allow(AllowCreate, fmt.Sprintf("user %s is a member of organization %s, which lets members create private packages; the push creates %s", c.User, o.Login, a.Package))
	}
	if c.User != "" && owner == strings.ToLower(c.User) {
		return allow(AllowCreate, fmt.Sprintf("user %s owns the namespace %s; the push creates private package %s", c.User, owner, a.Package))
	}
	return deny(DenyCreatePackage,
		fmt.Sprintf("namespace %s does not belong to user %s, so %s cannot create package %s there", owner, c.User, describe(c), a.Package),
		fmt.Sprintf("Push to ghcr.io/%s/... (the namespace of the token's user), or use a token of a user who may publish to %s", c.User, owner))
}

// missingScope returns the scope a classic PAT or OAuth token lacks for
// action, if any.
func missingScope(c *Credential, a Action) (string, bool) {
	read := c.HasScope("read:packages") || c.HasScope("write:packages")
	switch a {
	case ActionRead:
		if !read {
			return "read:packages", false
		}
	case ActionWrite:
		if !c.HasScope("write:packages") {
			return "write:packages", false
		}
	default:
		if !c.HasScope("delete:packages") {
			return "delete:packages", false
		}
		if !read {
			return "read:packages", false
		}
	}
	return "", true
}

func scopeFix(c *Credential, a Action) string {
	if c.Kind == OAuth {
		return fmt.Sprintf("Refresh the OAuth token with the %s scope (gh auth refresh --scopes %s)", scopeFor(a), scopeList(a))
	}
	return fmt.Sprintf("Create a classic PAT with the %s scope (https://github.com/settings/tokens/new?scopes=%s)", scopeFor(a), scopeList(a))
}

func scopeList(a Action) string {
	switch a {
	case ActionWrite:
		return "write:packages"
	case ActionDelete:
		return "read:packages,delete:packages"
	}
	return "read:packages"
}

func accessFix(w World, pkg, user, role string) string {
	fix := fmt.Sprintf("%s -> Manage access -> Invite teams or people -> add %s with role %s", settings(w, pkg), user, role)
	if o, ok := w.Owner(ownerOf(pkg)); ok && o.Type == Organization {
		if _, member := o.member(user); !member {
			fix += fmt.Sprintf(" (%s must first be a member of organization %s)", user, o.Login)
		}
	}
	return fix
}
