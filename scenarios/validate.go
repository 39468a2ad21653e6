package scenarios

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// maxErrors caps how many problems one Parse reports.
const maxErrors = 20

var (
	tagRE  = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)
	codeRE = regexp.MustCompile(`^[A-Z]+(_[A-Z]+)*$`)
)

// builder validates a decoded file and builds the Scenario, collecting
// every problem with its position.
type builder struct {
	file  string
	pos   *positions
	errs  []*FileError
	s     *Scenario
	users map[string]bool // owners of type user
	// index maps a world path ("packages[acme/api]") to the file's
	// ("packages[3]").
	index map[string]string
}

func (b *builder) errorf(field, format string, args ...any) {
	line, col := b.pos.of(field)
	b.errs = append(b.errs, &FileError{File: b.file, Line: line, Column: col, Field: field, Err: fmt.Errorf(format, args...)})
}

func build(file string, d *fileDoc, pos *positions) (*Scenario, error) {
	b := &builder{
		file:  file,
		pos:   pos,
		users: map[string]bool{},
		index: map[string]string{},
		s: &Scenario{
			Name:        d.Name,
			Description: d.Description,
			Fix:         d.Fix,
			World: authz.World{
				Owners:       map[string]authz.Owner{},
				Repositories: map[string]authz.Repository{},
				Packages:     map[string]authz.Package{},
			},
			Tags:     map[string][]string{},
			Settings: Settings{AnonymousPrivateTokenStatus: DefaultAnonymousPrivateTokenStatus},
		},
	}
	if b.s.Name == "" {
		b.s.Name = defaultName(file)
		if b.s.Name == "" {
			b.errorf("name", "required (there is no file name to take it from)")
		}
	}
	b.owners(d.Owners)
	b.repositories(d.Repositories)
	b.packages(d.Packages)
	b.credentials(d.Credentials)
	if d.Settings != nil {
		b.settings(*d.Settings)
	}
	b.expects(d.Expect)
	if len(b.errs) == 0 {
		b.validateWorld()
	}
	return b.s, b.err()
}

// validateWorld checks the built world with authz.World.Validate, the one
// check the admin API and the test fixture also run, and reports what it
// finds at the file's field (owners, repositories and packages are lists
// in the file and maps in the world).
func (b *builder) validateWorld() {
	err := b.s.World.Validate()
	if err == nil {
		return
	}
	errs := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	for _, e := range errs {
		var p *authz.Problem
		if !errors.As(e, &p) {
			b.errorf("", "%v", e)
			continue
		}
		field := p.Path
		if head, rest, ok := strings.Cut(p.Path, "]"); ok {
			if i, known := b.index[head+"]"]; known {
				field = i + rest
			}
		}
		b.errorf(field, "%v", p.Err)
	}
}

func (b *builder) err() error {
	if len(b.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(b.errs, func(x, y *FileError) int {
		return cmp.Or(cmp.Compare(x.Line, y.Line), cmp.Compare(x.Column, y.Column))
	})
	if len(b.errs) == 1 {
		return b.errs[0]
	}
	var errs []error
	for i, e := range b.errs {
		if i == maxErrors {
			errs = append(errs, fmt.Errorf("%s: %d more errors", b.file, len(b.errs)-maxErrors))
			break
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

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
	if o.InheritAccessDefault != nil {
		v := *o.InheritAccessDefault
		owner.InheritAccessDefault = &v
	}
}

func hasMember(o authz.Owner, login string) bool {
	return slices.ContainsFunc(o.Members, func(m authz.Member) bool { return m.Login == login })
}

// userRef checks that login names a declared user.
func (b *builder) userRef(field, login string) bool {
	if b.users[login] {
		return true
	}
	if login == "" {
		b.errorf(field, "required")
	} else if o, ok := b.s.World.Owners[login]; ok && o.Type == authz.Organization {
		b.errorf(field, "%q is an organization, not a user", login)
	} else {
		b.errorf(field, "unknown user %q (declare it under owners with type: user)", login)
	}
	return false
}

func (b *builder) visibility(field, v string) (authz.Visibility, bool) {
	switch vis := authz.Visibility(v); vis {
	case authz.Private, authz.Public, authz.Internal:
		return vis, true
	}
	b.errorf(field, "unknown visibility %q (want private, public or internal)", v)
	return "", false
}

// ownerVisibility checks a repository's or package's visibility; "" is
// private. Internal needs an organization.
func (b *builder) ownerVisibility(field, v, owner string) authz.Visibility {
	if v == "" {
		return authz.Private
	}
	vis, ok := b.visibility(field, v)
	if ok && vis == authz.Internal {
		if o, ok := b.s.World.Owners[owner]; ok && o.Type != authz.Organization {
			b.errorf(field, "internal visibility needs an organization; %s is a user", owner)
		}
	}
	return vis
}

func (b *builder) role(field, r string) (authz.Role, bool) {
	switch role := authz.Role(r); role {
	case authz.RoleRead, authz.RoleWrite, authz.RoleAdmin:
		return role, true
	}
	b.errorf(field, "unknown role %q (want read, write or admin)", r)
	return "", false
}

// repoName checks "owner/name" syntax and that the owner is declared.
func (b *builder) repoName(field, name string) (string, bool) {
	name = strings.ToLower(name)
	owner, _, _ := strings.Cut(name, "/")
	switch {
	case name == "":
		b.errorf(field, "required")
	case !authz.ValidRepositoryName(name):
		b.errorf(field, "invalid repository name %q (want owner/name)", name)
	case b.s.World.Owners[owner].Login == "":
		b.errorf(field, "owner %q of repository %s is not declared under owners", owner, name)
	default:
		return name, true
	}
	return name, false
}

// repoRef checks that name is a declared repository.
func (b *builder) repoRef(field, name string) (string, bool) {
	name, ok := b.repoName(field, name)
	if !ok {
		return name, false
	}
	if _, exists := b.s.World.Repositories[name]; !exists {
		b.errorf(field, "unknown repository %q (declare it under repositories)", name)
		return name, false
	}
	return name, true
}

func (b *builder) repositories(repos []fileRepository) {
	ids := map[int64]string{}
	auto := []string{}
	order := map[string]int{}
	for i, r := range repos {
		p := fmt.Sprintf("repositories[%d]", i)
		name, ok := b.repoName(p+".name", r.Name)
		if !ok {
			continue
		}
		if _, dup := b.s.World.Repositories[name]; dup {
			b.errorf(p+".name", "duplicate repository %q (also repositories[%d])", name, order[name])
			continue
		}
		order[name] = i
		b.index["repositories["+name+"]"] = p
		owner, _, _ := strings.Cut(name, "/")
		repo := authz.Repository{
			Name:               name,
			ID:                 r.ID,
			Visibility:         b.ownerVisibility(p+".visibility", r.Visibility, owner),
			WorkflowPermission: authz.RoleRead,
		}
		switch {
		case r.ID < 0:
			b.errorf(p+".id", "must be positive")
		case r.ID == 0:
			auto = append(auto, name)
		case ids[r.ID] != "":
			b.errorf(p+".id", "id %d is also the id of %s", r.ID, ids[r.ID])
		default:
			ids[r.ID] = name
		}
		switch r.WorkflowPermission {
		case "", "read":
		case "write":
			repo.WorkflowPermission = authz.RoleWrite
		default:
			b.errorf(p+".workflow_permission", "unknown workflow permission %q (want read or write)", r.WorkflowPermission)
		}
		for _, login := range slices.Sorted(maps.Keys(r.Collaborators)) {
			f := p + ".collaborators." + login
			key := strings.ToLower(login)
			if !b.userRef(f, key) {
				continue
			}
			if _, dup := repo.Collaborators[key]; dup {
				b.errorf(f, "duplicate collaborator %q", key)
				continue
			}
			switch role := authz.Role(r.Collaborators[login]); role {
			case authz.RoleRead, "triage", authz.RoleWrite, "maintain", authz.RoleAdmin:
				if repo.Collaborators == nil {
					repo.Collaborators = map[string]authz.Role{}
				}
				repo.Collaborators[key] = role
			default:
				b.errorf(f, "unknown repository role %q (want read, triage, write, maintain or admin)", role)
			}
		}
		b.s.World.Repositories[name] = repo
	}
	// Omitted ids: 1000 + the repository's index, skipping ids in use.
	for _, name := range auto {
		id := 1000 + int64(order[name])
		for ids[id] != "" {
			id++
		}
		ids[id] = name
		repo := b.s.World.Repositories[name]
		repo.ID = id
		b.s.World.Repositories[name] = repo
	}
}

// packageName checks a package name's syntax (not that it exists).
func (b *builder) packageName(field, name string) bool {
	switch {
	case name == "":
		b.errorf(field, "required")
	case strings.ToLower(name) != name:
		b.errorf(field, "invalid package name %q: must be lower case", name)
	case !authz.ValidPackageName(name):
		b.errorf(field, "invalid package name %q (want owner/name, lower case, segments of letters and digits separated by '.', '_' or '-')", name)
	default:
		return true
	}
	return false
}

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
		for _, slug := range slices.Sorted(maps.Keys(pk.Teams)) {
			f := p + ".teams." + slug
			key := strings.ToLower(slug)
			role, okRole := b.role(f, pk.Teams[slug])
			_, team := o.Teams[key]
			switch {
			case o.Type != authz.Organization:
				b.errorf(f, "only an organization's packages have teams")
			case !team:
				b.errorf(f, "unknown team %q of organization %s", key, owner)
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
		var tags []string
		for j, tag := range pk.Tags {
			f := fmt.Sprintf("%s.tags[%d]", p, j)
			switch {
			case !tagRE.MatchString(tag):
				b.errorf(f, "invalid tag %q (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')", tag)
			case slices.Contains(tags, tag):
				b.errorf(f, "duplicate tag %q", tag)
			default:
				tags = append(tags, tag)
			}
		}
		if len(tags) > 0 {
			b.s.Tags[pkg.Name] = tags
		}
		b.images(p, pkg.Name, pk, tags)
		b.s.World.Packages[pkg.Name] = pkg
	}
}
