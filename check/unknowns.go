package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// UnknownField is a field of Options.World that is not known: a world
// imported from GitHub's REST API (fakeghcr world import) marks what the
// API does not expose, check --github what its token could not read. The
// world holds the field's zero value; check plays each plausible value of
// the unknown fields a job depends on and names them in the states.
type UnknownField struct {
	// Section is owners, repositories or packages; Name the login or
	// full name (lower case); Key the field as the scenario format names
	// it (actions_access, inherit_access, workflow_permission, ...).
	Section, Name, Key string
}

// KeyExists marks a package whose existence is unknown: GitHub answered
// 404, which it also answers for a private package the token may not see.
const KeyExists = "exists"

// option is one plausible value of an unknown field.
type option struct {
	label string
	apply func(w *authz.World)
}

// dimension is an unknown field a job depends on, with the labels' key
// (a package name, or "repository") and its plausible values.
type dimension struct {
	key     string
	options []option
	// strict is the option that refuses the most, played alone when the
	// states would exceed maxVariants.
	strict int
}

// unknownStates multiplies the variants by the plausible values of the
// world's unknown fields that the job's packages and repository depend on.
// A dimension that would take the states past maxVariants is played in
// its strictest value only, and its label says so: it can refuse more,
// never allow more.
func (a *analyzer) unknownStates(vs []variant, pkgs []string) []variant {
	if len(a.opts.Unknowns) == 0 {
		return vs
	}
	for _, d := range a.dimensions(pkgs) {
		opts := d.options
		if len(vs)*len(opts) > maxVariants {
			o := opts[d.strict]
			opts = []option{{label: "assumed " + o.label + " (its other values not played: too many states)", apply: o.apply}}
		}
		var next []variant
		for _, v := range vs {
			for _, o := range opts {
				w := v.world.Clone()
				o.apply(&w)
				labels := map[string]string{}
				for k, l := range v.labels {
					labels[k] = l
				}
				if labels[d.key] != "" {
					labels[d.key] += "; "
				}
				labels[d.key] += o.label
				rd := v.repoDefault
				if r, ok := w.Repository(a.repo); ok && d.key == "repository" {
					rd = authz.RoleRead
					if r.WorkflowPermission.AtLeast(authz.RoleWrite) {
						rd = authz.RoleWrite
					}
				}
				next = append(next, variant{world: w, labels: labels, repoDefault: rd})
			}
		}
		vs = next
	}
	return vs
}

func (a *analyzer) isUnknown(section, name, key string) bool {
	return slices.ContainsFunc(a.opts.Unknowns, func(u UnknownField) bool {
		return u.Section == section && strings.EqualFold(u.Name, name) && u.Key == key
	})
}

// userLogins are the users behind the world's personal tokens: the people
// an unknown per-user role or membership could concern.
func (a *analyzer) userLogins() []string {
	var out []string
	for _, c := range a.world.Credentials {
		if c.User != "" && (c.Kind == authz.ClassicPAT || c.Kind == authz.OAuth || c.Kind == authz.FineGrainedPAT) && !slices.Contains(out, strings.ToLower(c.User)) {
			out = append(out, strings.ToLower(c.User))
		}
	}
	return out
}

// dimensions lists the unknown fields the job depends on: the
// repository's and the owners' first (few, and deciding for every
// package), then the packages', those linked to the workflow's repository
// first and other owners' last.
func (a *analyzer) dimensions(pkgs []string) []dimension {
	repo := strings.ToLower(a.repo)
	var dims []dimension
	if repo != "" && a.isUnknown("repositories", repo, "workflow_permission") {
		dims = append(dims, dimension{key: "repository", options: []option{
			{"repository default workflow permission read (restricted)", editRepo(repo, func(r *authz.Repository) { r.WorkflowPermission = authz.RoleRead })},
			{"repository default workflow permission write (permissive)", editRepo(repo, func(r *authz.Repository) { r.WorkflowPermission = authz.RoleWrite })},
		}})
	}
	if repo != "" && a.isUnknown("repositories", repo, "visibility") {
		dims = append(dims, dimension{key: "repository", options: []option{
			{"repository private", editRepo(repo, func(r *authz.Repository) { r.Visibility = authz.Private })},
			{"repository internal", editRepo(repo, func(r *authz.Repository) { r.Visibility = authz.Internal })},
		}})
	}
	for _, pkg := range pkgs {
		if _, exists := a.world.Package(pkg); exists {
			continue
		}
		owner := ownerOf(pkg)
		if a.isUnknown("owners", owner, "inherit_access_default") {
			off := false
			dims = append(dims, dimension{key: pkg, strict: 1, options: []option{
				{owner + "'s new packages inherit access (GitHub's default)", func(*authz.World) {}},
				{owner + "'s new packages do not inherit access", editOwner(owner, func(o *authz.Owner) { o.InheritAccessDefault = &off })},
			}})
		}
		if a.isUnknown("owners", owner, "package_creation") {
			dims = append(dims, dimension{key: pkg, strict: 1, options: []option{
				{owner + " lets members create packages of any visibility", func(*authz.World) {}},
				{owner + " lets members create private packages only", editOwner(owner, func(o *authz.Owner) { o.PackageCreation = []authz.Visibility{authz.Private} })},
			}})
		}
	}
	ordered := slices.Clone(pkgs)
	slices.SortStableFunc(ordered, func(x, y string) int { return a.priority(x) - a.priority(y) })
	for _, pkg := range ordered {
		dims = append(dims, a.packageDimensions(pkg)...)
	}
	return dims
}

// priority orders packages: linked to the workflow's repository, then of
// its owner, then the others.
func (a *analyzer) priority(pkg string) int {
	p, _ := a.world.Package(pkg)
	switch {
	case a.repo != "" && strings.EqualFold(p.Repository, a.repo):
		return 0
	case a.repo != "" && ownerOf(pkg) == ownerOf(a.repo):
		return 1
	}
	return 2
}

// packageDimensions lists one package's unknown fields.
func (a *analyzer) packageDimensions(pkg string) []dimension {
	repo := strings.ToLower(a.repo)
	if a.isUnknown("packages", pkg, KeyExists) {
		return []dimension{{key: pkg, options: a.existence(pkg), strict: 1}}
	}
	p, ok := a.world.Package(pkg)
	if !ok {
		return nil
	}
	var dims []dimension
	name := strings.ToLower(p.Name)
	if a.isUnknown("packages", name, "actions_access") && repo != "" {
		roles := []authz.Role{authz.RoleRead, authz.RoleWrite}
		if p.Visibility == authz.Public {
			roles = roles[1:] // anyone reads a public package
		}
		opts := []option{{"with no Manage Actions access for " + repo, func(*authz.World) {}}}
		for _, r := range roles {
			opts = append(opts, option{fmt.Sprintf("granting %s %s (Manage Actions access)", repo, r), editPackage(name, func(p *authz.Package) {
				p.ActionsAccess = append(p.ActionsAccess, authz.RepoGrant{Repository: repo, Role: r})
			})})
		}
		dims = append(dims, dimension{key: pkg, options: opts})
	}
	if a.isUnknown("packages", name, "inherit_access") && p.Repository != "" {
		dims = append(dims, dimension{key: pkg, options: []option{
			{"not inheriting access from " + p.Repository, func(*authz.World) {}},
			{"inheriting access from " + p.Repository, editPackage(name, func(p *authz.Package) { p.InheritAccess = true })},
		}})
	}
	if users := a.userLogins(); a.isUnknown("packages", name, "users") && len(users) > 0 {
		dims = append(dims, dimension{key: pkg, options: []option{
			{"with no per-user roles", func(*authz.World) {}},
			{"giving " + strings.Join(users, ", ") + " admin (Manage access)", editPackage(name, func(p *authz.Package) {
				p.Users = map[string]authz.Role{}
				for _, u := range users {
					p.Users[u] = authz.RoleAdmin
				}
			})},
		}})
	}
	return dims
}

// existence lists the states of a package GitHub answered 404 for.
func (a *analyzer) existence(pkg string) []option {
	repo := strings.ToLower(a.repo)
	hidden := func(grant authz.Role) func(*authz.World) {
		return func(w *authz.World) {
			p := authz.Package{Name: pkg, Visibility: authz.Private}
			if grant != authz.RoleNone && repo != "" {
				p.ActionsAccess = []authz.RepoGrant{{Repository: repo, Role: grant}}
			}
			w.Packages[pkg] = p
		}
	}
	opts := []option{
		{"not published yet (GitHub answered 404)", func(*authz.World) {}},
		{"private and hidden from the token that looked it up, with no access for " + cmpRepo(repo), hidden(authz.RoleNone)},
	}
	if repo != "" {
		opts = append(opts, option{"private and hidden from the token that looked it up, granting " + repo + " write", hidden(authz.RoleWrite)})
	}
	return opts
}

func cmpRepo(repo string) string {
	if repo == "" {
		return "the workflow's repository"
	}
	return repo
}

func editPackage(name string, f func(*authz.Package)) func(*authz.World) {
	return func(w *authz.World) {
		for k, p := range w.Packages {
			if strings.EqualFold(k, name) {
				f(&p)
				w.Packages[k] = p
			}
		}
	}
}

func editRepo(name string, f func(*authz.Repository)) func(*authz.World) {
	return func(w *authz.World) {
		for k, r := range w.Repositories {
			if strings.EqualFold(k, name) {
				f(&r)
				w.Repositories[k] = r
			}
		}
	}
}

func editOwner(login string, f func(*authz.Owner)) func(*authz.World) {
	return func(w *authz.World) {
		for k, o := range w.Owners {
			if strings.EqualFold(k, login) {
				f(&o)
				w.Owners[k] = o
			}
		}
	}
}
