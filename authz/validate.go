package authz

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Problem is one rule a world breaks. Path names the field in the terms of
// the scenario file: "credentials[2].user" (credentials keep their order),
// "packages[acme/api].repository" (the others by name).
type Problem struct {
	Path string
	Err  error
}

func (p *Problem) Error() string { return p.Path + ": " + p.Err.Error() }

func (p *Problem) Unwrap() error { return p.Err }

type problems []*Problem

func (ps *problems) add(path, format string, args ...any) {
	*ps = append(*ps, &Problem{Path: path, Err: fmt.Errorf(format, args...)})
}

// Syntax of names, as GitHub and the OCI distribution spec allow them,
// checked by hand rather than by regular expressions compiled at init,
// which cost every start of the binary about 0.1 ms (issue 19).
// FuzzNameSyntax checks each against its expression:
//
//	login    ^[a-z0-9]+(-[a-z0-9]+)*$
//	repo     ^[a-z0-9]+(-[a-z0-9]+)*/[a-z0-9._-]+$
//	package  ^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)+$
//	slug     ^[a-z0-9]+([._-][a-z0-9]+)*$
//	event    ^[a-z]+(_[a-z]+)*$

// ValidLogin reports whether login is a GitHub login (lower case).
func ValidLogin(login string) bool { return len(login) <= 39 && words(login, true, "-") }

// ValidRepositoryName reports whether name is "owner/name" (lower case).
func ValidRepositoryName(name string) bool {
	owner, rest, found := strings.Cut(name, "/")
	return found && words(owner, true, "-") && rest != "" && onlyBytes(rest, "._-") &&
		rest != "." && rest != ".." && len(owner) <= 39 && len(rest) <= 100
}

// ValidPackageName reports whether name is a container package name: the
// owner and at least one more lower-case path segment.
func ValidPackageName(name string) bool {
	segments := strings.Split(name, "/")
	if len(segments) < 2 {
		return false
	}
	for _, s := range segments {
		if !words(s, true, "._-") {
			return false
		}
	}
	return true
}

// ValidTeamSlug reports whether slug is a team slug (lower case).
func ValidTeamSlug(slug string) bool { return words(slug, true, "._-") }

// words reports whether s is one or more runs of lower-case letters (and
// digits, with digits) joined by single separators from seps, with no
// separator first or last.
func words(s string, digits bool, seps string) bool {
	afterSep := true // at the start, as after a separator: a letter must come
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', digits && '0' <= c && c <= '9':
			afterSep = false
		case strings.IndexByte(seps, c) >= 0:
			if afterSep {
				return false
			}
			afterSep = true
		default:
			return false
		}
	}
	return !afterSep
}

// onlyBytes reports whether s holds only lower-case letters, digits and
// bytes of extra.
func onlyBytes(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}

// Validate reports every rule w breaks, as errors joined from *Problem
// values sorted by path; nil means w is a world a scenario file can
// describe. The scenario loader, the admin API (through Apply) and the
// test fixture all check worlds with it.
func (w World) Validate() error {
	var ps problems
	for _, login := range slices.Sorted(maps.Keys(w.Owners)) {
		ps.owner(w, login, w.Owners[login])
	}
	ids := map[int64]string{}
	for _, name := range slices.Sorted(maps.Keys(w.Repositories)) {
		ps.repository(w, name, w.Repositories[name], ids)
	}
	for _, name := range slices.Sorted(maps.Keys(w.Packages)) {
		ps.pkg(w, name, w.Packages[name])
	}
	ps = append(ps, CredentialProblems(w, w.Credentials)...)
	slices.SortStableFunc(ps, func(a, b *Problem) int { return cmp.Compare(a.Path, b.Path) })
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errors.Join(errs...)
}

func (ps *problems) key(p, key, name string) {
	if key != strings.ToLower(name) {
		ps.add(p, "keyed %q but named %q (keys are the lower-case name)", key, name)
	}
}

func (ps *problems) owner(w World, login string, o Owner) {
	p := "owners[" + login + "]"
	ps.key(p+".login", login, o.Login)
	if !ValidLogin(o.Login) {
		ps.add(p+".login", "invalid login %q (lower-case letters, digits and single hyphens, at most 39 characters)", o.Login)
	}
	switch o.Type {
	case Organization:
		ps.organization(w, p, o)
	case User:
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"members", o.Members != nil}, {"teams", o.Teams != nil}, {"package_creation", o.PackageCreation != nil},
			{"forbid_classic_pat", o.ForbidClassicPAT}, {"forbid_workflow_write", o.ForbidWorkflowWrite},
			{"inherit_access_default", o.InheritAccessDefault != nil},
			{"enterprise", o.Enterprise != ""},
		} {
			if f.set {
				ps.add(p+"."+f.name, "only for an owner of type organization")
			}
		}
	default:
		ps.add(p+".type", "unknown type %q (want organization or user)", o.Type)
	}
}

func (ps *problems) organization(w World, p string, o Owner) {
	var members []string
	for i, m := range o.Members {
		f := fmt.Sprintf("%s.members[%d]", p, i)
		ps.userRef(w, f, m.Login)
		if slices.Contains(members, m.Login) {
			ps.add(f, "duplicate %q", m.Login)
		}
		members = append(members, m.Login)
	}
	for _, slug := range slices.Sorted(maps.Keys(o.Teams)) {
		f := p + ".teams." + slug
		if !ValidTeamSlug(slug) {
			ps.add(f, "invalid team slug %q", slug)
		}
		for j, m := range o.Teams[slug] {
			if !slices.Contains(members, m) {
				ps.add(fmt.Sprintf("%s[%d]", f, j), "%q is not a member of organization %s", m, o.Login)
			}
		}
	}
	for j, v := range o.PackageCreation {
		if _, err := ParseVisibility(string(v)); err != nil {
			ps.add(fmt.Sprintf("%s.package_creation[%d]", p, j), "%v", err)
		}
	}
}

// userRef checks that login names a user (not an organization) of w.
func (ps *problems) userRef(w World, path, login string) {
	o, ok := w.Owner(login)
	switch {
	case login == "":
		ps.add(path, "required")
	case !ok:
		ps.add(path, "unknown user %q (declare it under owners with type: user)", login)
	case o.Type != User:
		ps.add(path, "%q is an organization, not a user", login)
	}
}

// repositoryRef checks that name is a repository of w.
func (ps *problems) repositoryRef(w World, path, name string) {
	if name == "" {
		ps.add(path, "required")
	} else if _, ok := w.Repository(name); !ok {
		ps.add(path, "unknown repository %q (declare it under repositories)", name)
	}
}

// visibility checks a repository's or package's visibility; "" is private.
// Internal needs an organization.
func (ps *problems) visibility(w World, path string, v Visibility, owner string) {
	if v == "" {
		return
	}
	if _, err := ParseVisibility(string(v)); err != nil {
		ps.add(path, "%v", err)
	} else if v == Internal && !w.isOrg(owner) {
		ps.add(path, "internal visibility needs an organization; %s is not one", owner)
	}
}

func (ps *problems) repository(w World, key string, r Repository, ids map[int64]string) {
	p := "repositories[" + key + "]"
	ps.key(p+".name", key, r.Name)
	owner := r.Owner()
	switch {
	case !ValidRepositoryName(r.Name):
		ps.add(p+".name", "invalid repository name %q (want owner/name, lower case)", r.Name)
	case !w.hasOwner(owner):
		ps.add(p+".name", "owner %q of repository %s is not declared under owners", owner, r.Name)
	}
	ps.visibility(w, p+".visibility", r.Visibility, owner)
	switch {
	case r.ID < 0:
		ps.add(p+".id", "must be positive")
	case r.ID > 0 && ids[r.ID] != "":
		ps.add(p+".id", "id %d is also the id of %s", r.ID, ids[r.ID])
	case r.ID > 0:
		ids[r.ID] = r.Name
	}
	switch r.WorkflowPermission {
	case "", RoleRead:
	case RoleWrite:
		if o, ok := w.Owner(owner); ok && o.ForbidWorkflowWrite {
			ps.add(p+".workflow_permission", "organization %s forbids read and write workflow permissions (forbid_workflow_write)", owner)
		}
	default:
		ps.add(p+".workflow_permission", "unknown workflow permission %q (want read or write)", r.WorkflowPermission)
	}
	for _, login := range slices.Sorted(maps.Keys(r.Collaborators)) {
		f := p + ".collaborators." + login
		ps.userRef(w, f, login)
		switch r.Collaborators[login] {
		case RoleRead, "triage", RoleWrite, "maintain", RoleAdmin:
		default:
			ps.add(f, "unknown repository role %q (want read, triage, write, maintain or admin)", r.Collaborators[login])
		}
	}
}

func (ps *problems) pkg(w World, key string, pk Package) {
	p := "packages[" + key + "]"
	ps.key(p+".name", key, pk.Name)
	owner := pk.Owner()
	switch {
	case !ValidPackageName(pk.Name):
		ps.add(p+".name", "invalid package name %q (want owner/name, lower case, segments of letters and digits separated by '.', '_' or '-')", pk.Name)
	case !w.hasOwner(owner):
		ps.add(p+".name", "owner %q of package %s is not declared under owners", owner, pk.Name)
	}
	ps.visibility(w, p+".visibility", pk.Visibility, owner)
	ps.link(w, p, pk)
	var granted []string
	for j, g := range pk.ActionsAccess {
		f := fmt.Sprintf("%s.actions_access[%d]", p, j)
		ps.grantRepository(w, f, g.Repository, g.RepositoryID)
		if _, err := ParsePackageRole(string(g.Role)); err != nil || g.Role != Role(strings.ToLower(string(g.Role))) {
			ps.add(f+".role", "unknown role %q (want read, write or admin)", g.Role)
		}
		if slices.Contains(granted, strings.ToLower(g.Repository)) {
			ps.add(f+".repository", "duplicate repository %q", g.Repository)
		}
		granted = append(granted, strings.ToLower(g.Repository))
	}
	for _, login := range slices.Sorted(maps.Keys(pk.Users)) {
		f := p + ".users." + login
		ps.userRef(w, f, login)
		ps.role(f, pk.Users[login])
	}
	o, _ := w.Owner(owner)
	for _, slug := range slices.Sorted(maps.Keys(pk.Teams)) {
		f := p + ".teams." + slug
		if _, ok := o.Teams[slug]; !ok {
			ps.add(f, "unknown team %q of organization %s", slug, owner)
		}
		ps.role(f, pk.Teams[slug])
	}
}

func (ps *problems) role(path string, r Role) {
	switch r {
	case RoleRead, RoleWrite, RoleAdmin:
	default:
		ps.add(path, "unknown role %q (want read, write or admin)", r)
	}
}

// link checks a package's linked repository: one of the same owner that
// exists, or a stale link (RepositoryID set) to a deleted one.
func (ps *problems) link(w World, p string, pk Package) {
	if pk.RepositoryID < 0 {
		ps.add(p+".repository_id", "must be positive")
	}
	if pk.Repository == "" {
		if pk.RepositoryID > 0 {
			ps.add(p+".repository_id", "needs repository (the name the stale link shows)")
		}
		return
	}
	if owner := ownerOf(pk.Repository); owner != pk.Owner() {
		ps.add(p+".repository", "a package of %s can only be linked to a repository of %s, not %s", pk.Owner(), pk.Owner(), pk.Repository)
		return
	}
	ps.grantRepository(w, p+".repository", pk.Repository, pk.RepositoryID)
}

// grantRepository checks a repository a link or grant names: it exists, or
// the link keeps the id of a deleted one (then only its name is checked).
func (ps *problems) grantRepository(w World, path, name string, id int64) {
	switch {
	case id < 0:
		ps.add(path, "repository_id must be positive")
	case id > 0:
		if !ValidRepositoryName(strings.ToLower(name)) {
			ps.add(path, "invalid repository name %q (want owner/name)", name)
		}
	default:
		ps.repositoryRef(w, path, name)
	}
}

func (w World) hasOwner(login string) bool {
	_, ok := w.Owner(login)
	return ok
}
