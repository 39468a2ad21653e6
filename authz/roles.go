package authz

import (
	"fmt"
	"slices"
	"strings"
)

// grant is a role on a package and the rule that gave it.
type grant struct {
	role   Role
	reason Reason
	// source says in words where the role comes from.
	source string
}

// userRole resolves a user's role on an existing package: the strongest of
// every source GitHub documents, with the reason naming the source that gave
// it. On a tie the first source listed wins.
//
//   - the package's explicit user role [D2, D5];
//   - the roles of the owner organization's teams the user belongs to [D2];
//   - organization owners: admin on every package of the organization [D5];
//   - the namespace owner: a user's own packages (INFERRED: the publisher
//     gets admin [D5], and a user account owns its namespace);
//   - inheritance: when the package inherits access from a linked repository
//     that still exists with the linked id, the user's collaborator role on
//     it (read/triage -> read, write/maintain -> write, admin -> admin), and
//     admin for owners of the organization owning that repository
//     [D2, D13, §3].
func userRole(w World, pkg Package, login string) grant {
	var best grant
	if login == "" {
		return best
	}
	consider := func(r Role, reason Reason, source string) {
		r = normalize(r)
		if r.rank() > best.role.rank() {
			best = grant{role: r, reason: reason, source: source}
		}
	}
	if r, ok := lookup(pkg.Users, login); ok {
		consider(r, AllowRole, fmt.Sprintf("package access list gives user %s the %s role", login, normalize(r)))
	}
	owner, ownerKnown := w.Owner(pkg.Owner())
	if ownerKnown && owner.Type == Organization {
		for _, slug := range sortedKeys(pkg.Teams) {
			members, _ := lookup(owner.Teams, slug)
			if containsFold(members, login) {
				r := pkg.Teams[slug]
				consider(r, AllowRole, fmt.Sprintf("package access list gives team %s/%s (member %s) the %s role", owner.Login, slug, login, normalize(r)))
			}
		}
		if m, ok := owner.member(login); ok && m.Owner {
			consider(RoleAdmin, AllowOrgOwner, fmt.Sprintf("%s is an owner of organization %s, and organization owners are admins of all its packages", login, owner.Login))
		}
	}
	if strings.EqualFold(pkg.Owner(), login) && !(ownerKnown && owner.Type == Organization) {
		consider(RoleAdmin, AllowPackageOwner, fmt.Sprintf("%s owns the namespace %s", login, pkg.Owner()))
	}
	if repo, ok := inheritedRepository(w, pkg); ok {
		if r, ok := lookup(repo.Collaborators, login); ok {
			consider(r, AllowInheritedRepo, fmt.Sprintf("package inherits access from linked repository %s, where %s has the %s role", repo.Name, login, r))
		}
		if o, ok := w.Owner(repo.Owner()); ok && o.Type == Organization {
			if m, ok := o.member(login); ok && m.Owner {
				consider(RoleAdmin, AllowInheritedRepo, fmt.Sprintf("package inherits access from linked repository %s, and %s owns organization %s", repo.Name, login, o.Login))
			}
		}
	}
	return best
}

// inheritedRepository is the repository a package inherits access from: it
// must inherit, be linked, and the linked repository must still exist with
// the linked id (a repository deleted and re-created under the same name has
// another id, and the stale link grants nothing [§6, T13 #806]).
func inheritedRepository(w World, pkg Package) (Repository, bool) {
	if !pkg.InheritAccess || pkg.Repository == "" {
		return Repository{}, false
	}
	repo, ok := w.Repository(pkg.Repository)
	if !ok || (pkg.RepositoryID != 0 && repo.ID != pkg.RepositoryID) {
		return Repository{}, false
	}
	return repo, true
}

// linkedTo reports whether pkg is linked to the repository named repo: same
// name and, when the link records an id, a repository with that id exists
// under that name now.
func linkedTo(w World, pkg Package, repo string) bool {
	if repo == "" || !strings.EqualFold(pkg.Repository, repo) {
		return false
	}
	return idMatches(w, repo, pkg.RepositoryID)
}

// actionsRole is the strongest role repo holds in pkg's "Manage Actions
// access" list; grants recording another repository id are stale.
func actionsRole(w World, pkg Package, repo string) Role {
	best := RoleNone
	if repo == "" {
		return best
	}
	for _, g := range pkg.ActionsAccess {
		if strings.EqualFold(g.Repository, repo) && idMatches(w, repo, g.RepositoryID) {
			best = best.Max(normalize(g.Role))
		}
	}
	return best
}

// idMatches: a zero id matches by name; otherwise the repository must exist
// with that id (an unknown repository matches no id: conservative).
func idMatches(w World, repo string, id int64) bool {
	if id == 0 {
		return true
	}
	r, ok := w.Repository(repo)
	return ok && r.ID == id
}

// normalize maps repository roles onto package roles: triage -> read,
// maintain -> write [D2 inheritance]. Unknown roles grant nothing.
func normalize(r Role) Role {
	switch r.rank() {
	case 1:
		return RoleRead
	case 2:
		return RoleWrite
	case 3:
		return RoleAdmin
	}
	return RoleNone
}

// sameEnterprise reports whether login is a member of an organization in the
// enterprise of package owner owner (internal visibility [D2, D5]). It
// returns that organization for the explanation.
func sameEnterprise(w World, owner, login string) (string, bool) {
	if login == "" {
		return "", false
	}
	ent := w.enterprise(owner)
	for _, k := range sortedKeys(w.Owners) {
		o := w.Owners[k]
		if o.Type != Organization || enterpriseKey(o, k) != ent {
			continue
		}
		if _, ok := o.member(login); ok {
			return o.Login, true
		}
	}
	return "", false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}
