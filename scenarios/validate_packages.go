package scenarios

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// Validation of packages: link, Manage Actions access, roles and tags.

func (b *builder) packages(pkgs []filePackage) {
	order := map[string]int{}
	for i, pk := range pkgs {
		p := fmt.Sprintf("packages[%d]", i)
		if !b.packageName(p+".name", pk.Name) {
			continue
		}
		owner, _, _ := strings.Cut(pk.Name, "/")
		o, ownerOK := b.s.World.Owners[owner]
		if !ownerOK {
			b.errorf(p+".name", "owner %q of package %s is not declared under owners", owner, pk.Name)
			continue
		}
		if j, dup := order[pk.Name]; dup {
			b.errorf(p+".name", "duplicate package %q (also packages[%d])", pk.Name, j)
			continue
		}
		order[pk.Name] = i
		b.index["packages["+pk.Name+"]"] = p
		pkg := authz.Package{
			Name:          pk.Name,
			Visibility:    b.ownerVisibility(p+".visibility", pk.Visibility, owner),
			InheritAccess: pk.InheritAccess,
			RepositoryID:  pk.RepositoryID,
		}
		b.packageLink(p, pk, owner, &pkg)
		b.packageGrants(p, pk, &pkg)
		b.packageUsers(p, pk, &pkg)
		b.packageTeams(p, pk, o, &pkg)
		b.packageTags(p, pk)
		b.s.World.Packages[pkg.Name] = pkg
	}
}

// packageLink checks the linked repository: one of the package's owner,
// declared, or a stale link (repository_id) to a deleted one.
func (b *builder) packageLink(p string, pk filePackage, owner string, pkg *authz.Package) {
	if pk.Repository != "" {
		name, ok := b.repoName(p+".repository", pk.Repository)
		repoOwner, _, _ := strings.Cut(name, "/")
		switch {
		case !ok:
		case repoOwner != owner:
			b.errorf(p+".repository", "a package of %s can only be linked to a repository of %s, not %s", owner, owner, name)
		case pk.RepositoryID == 0 && b.s.World.Repositories[name].Name == "":
			b.errorf(p+".repository", "unknown repository %q (declare it, or set repository_id for a link to a deleted repository)", name)
		default:
			pkg.Repository = name
		}
	}
	switch {
	case pk.RepositoryID < 0:
		b.errorf(p+".repository_id", "must be positive")
	case pk.RepositoryID > 0 && pk.Repository == "":
		b.errorf(p+".repository_id", "needs repository (the name the stale link shows)")
	}
}

// packageGrants checks "Manage Actions access".
func (b *builder) packageGrants(p string, pk filePackage, pkg *authz.Package) {
	for j, g := range pk.ActionsAccess {
		f := fmt.Sprintf("%s.actions_access[%d]", p, j)
		var repo string
		okRepo := false
		switch {
		case g.RepositoryID < 0:
			b.errorf(f+".repository_id", "must be positive")
		case g.RepositoryID > 0:
			// A grant to a deleted repository's id: the name need not exist.
			repo, okRepo = b.repoName(f+".repository", g.Repository)
		default:
			repo, okRepo = b.repoRef(f+".repository", g.Repository)
		}
		role, okRole := b.role(f+".role", g.Role)
		if !okRepo || !okRole {
			continue
		}
		if slices.ContainsFunc(pkg.ActionsAccess, func(x authz.RepoGrant) bool { return x.Repository == repo }) {
			b.errorf(f+".repository", "duplicate repository %q", repo)
			continue
		}
		pkg.ActionsAccess = append(pkg.ActionsAccess, authz.RepoGrant{Repository: repo, Role: role, RepositoryID: g.RepositoryID})
	}
}

// packageUsers checks the users' roles ("Manage access").
func (b *builder) packageUsers(p string, pk filePackage, pkg *authz.Package) {
	for _, login := range slices.Sorted(maps.Keys(pk.Users)) {
		f := p + ".users." + login
		key := strings.ToLower(login)
		role, okRole := b.role(f, pk.Users[login])
		switch {
		case !b.userRef(f, key) || !okRole:
		case pkg.Users[key] != "":
			b.errorf(f, "duplicate user %q", key)
		default:
			if pkg.Users == nil {
				pkg.Users = map[string]authz.Role{}
			}
			pkg.Users[key] = role
		}
	}
}

// packageTeams checks the teams' roles: teams of the owning organization.
func (b *builder) packageTeams(p string, pk filePackage, o authz.Owner, pkg *authz.Package) {
	for _, slug := range slices.Sorted(maps.Keys(pk.Teams)) {
		f := p + ".teams." + slug
		key := strings.ToLower(slug)
		role, okRole := b.role(f, pk.Teams[slug])
		_, team := o.Teams[key]
		switch {
		case o.Type != authz.Organization:
			b.errorf(f, "only an organization's packages have teams")
		case !team:
			b.errorf(f, "unknown team %q of organization %s", key, o.Login)
		case !okRole:
		case pkg.Teams[key] != "":
			b.errorf(f, "duplicate team %q", key)
		default:
			if pkg.Teams == nil {
				pkg.Teams = map[string]authz.Role{}
			}
			pkg.Teams[key] = role
		}
	}
}

// packageTags checks the tags to preload.
func (b *builder) packageTags(p string, pk filePackage) {
	var tags []string
	for j, tag := range pk.Tags {
		f := fmt.Sprintf("%s.tags[%d]", p, j)
		switch {
		case !validTag(tag):
			b.errorf(f, "invalid tag %q (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')", tag)
		case slices.Contains(tags, tag):
			b.errorf(f, "duplicate tag %q", tag)
		default:
			tags = append(tags, tag)
		}
	}
	if len(tags) > 0 {
		b.s.Tags[pk.Name] = tags
	}
	b.images(p, pk.Name, pk, tags)
}
