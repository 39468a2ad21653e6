package scenarios

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// Validation of owners: users and organizations, their members and teams.

func (b *builder) owners(owners []fileOwner) {
	seen := map[string]int{}
	// First pass: who exists, so that members may name users declared later.
	for i, o := range owners {
		p := fmt.Sprintf("owners[%d]", i)
		login := strings.ToLower(o.Login)
		switch {
		case login == "":
			b.errorf(p+".login", "required")
			continue
		case !authz.ValidLogin(login):
			b.errorf(p+".login", "invalid login %q (letters, digits and single hyphens, at most 39 characters)", o.Login)
			continue
		}
		if j, dup := seen[login]; dup {
			b.errorf(p+".login", "duplicate owner %q (also owners[%d])", login, j)
			continue
		}
		seen[login] = i
		b.index["owners["+login+"]"] = p
		if authz.OwnerType(o.Type) == authz.User {
			b.users[login] = true
		}
	}
	for i, o := range owners {
		p := fmt.Sprintf("owners[%d]", i)
		login := strings.ToLower(o.Login)
		if j, ok := seen[login]; !ok || j != i {
			continue
		}
		owner := authz.Owner{Login: login, Type: authz.OwnerType(o.Type), ForbidClassicPAT: o.ForbidClassicPAT, ForbidWorkflowWrite: o.ForbidWorkflowWrite, Enterprise: o.Enterprise}
		switch owner.Type {
		case authz.Organization:
			b.organization(p, o, &owner)
		case authz.User:
			for _, f := range []struct {
				name string
				set  bool
			}{
				{"members", o.Members != nil}, {"owners", o.Owners != nil}, {"teams", o.Teams != nil},
				{"package_creation", o.PackageCreation != nil}, {"forbid_classic_pat", o.ForbidClassicPAT},
				{"forbid_workflow_write", o.ForbidWorkflowWrite},
				{"inherit_access_default", o.InheritAccessDefault != nil}, {"enterprise", o.Enterprise != ""},
			} {
				if f.set {
					b.errorf(p+"."+f.name, "only for an owner of type organization")
				}
			}
		case "":
			b.errorf(p+".type", "required (want organization or user)")
		default:
			b.errorf(p+".type", "unknown type %q (want organization or user)", o.Type)
		}
		b.s.World.Owners[login] = owner
	}
}

func (b *builder) organization(p string, o fileOwner, owner *authz.Owner) {
	index := map[string]int{}
	add := func(field, login string, isOwner bool) {
		login = strings.ToLower(login)
		if !b.userRef(field, login) {
			return
		}
		if i, ok := index[login]; ok {
			if !isOwner || owner.Members[i].Owner {
				b.errorf(field, "duplicate %q", login)
				return
			}
			owner.Members[i].Owner = true
			return
		}
		index[login] = len(owner.Members)
		owner.Members = append(owner.Members, authz.Member{Login: login, Owner: isOwner})
	}
	for j, m := range o.Members {
		add(fmt.Sprintf("%s.members[%d]", p, j), m, false)
	}
	for j, m := range o.Owners {
		add(fmt.Sprintf("%s.owners[%d]", p, j), m, true)
	}
	b.teams(p, o, owner)
	b.packageCreation(p, o, owner)
	if o.InheritAccessDefault != nil {
		v := *o.InheritAccessDefault
		owner.InheritAccessDefault = &v
	}
}

func hasMember(o authz.Owner, login string) bool {
	return slices.ContainsFunc(o.Members, func(m authz.Member) bool { return m.Login == login })
}

// teams checks an organization's teams: slugs, and members of the
// organization.
func (b *builder) teams(p string, o fileOwner, owner *authz.Owner) {
	for _, slug := range slices.Sorted(maps.Keys(o.Teams)) {
		field := p + ".teams." + slug
		key := strings.ToLower(slug)
		if !authz.ValidTeamSlug(key) {
			b.errorf(field, "invalid team slug %q", slug)
			continue
		}
		if _, dup := owner.Teams[key]; dup {
			b.errorf(field, "duplicate team %q", key)
			continue
		}
		var members []string
		for j, m := range o.Teams[slug] {
			m = strings.ToLower(m)
			f := fmt.Sprintf("%s[%d]", field, j)
			switch {
			case !b.userRef(f, m):
			case !hasMember(*owner, m):
				b.errorf(f, "%q is not a member of organization %s", m, owner.Login)
			case slices.Contains(members, m):
				b.errorf(f, "duplicate %q", m)
			default:
				members = append(members, m)
			}
		}
		if owner.Teams == nil {
			owner.Teams = map[string][]string{}
		}
		owner.Teams[key] = members
	}
}

// packageCreation checks the visibilities members may create packages with.
func (b *builder) packageCreation(p string, o fileOwner, owner *authz.Owner) {
	if o.PackageCreation != nil {
		owner.PackageCreation = []authz.Visibility{}
		for j, v := range *o.PackageCreation {
			f := fmt.Sprintf("%s.package_creation[%d]", p, j)
			vis, ok := b.visibility(f, v)
			switch {
			case !ok:
			case slices.Contains(owner.PackageCreation, vis):
				b.errorf(f, "duplicate %q", v)
			default:
				owner.PackageCreation = append(owner.PackageCreation, vis)
			}
		}
	}
}
