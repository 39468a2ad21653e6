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
// repository's unknown fields, which every finding of a job depends on.
func (a *analyzer) unknownStates(vs []variant) []variant {
	if len(a.opts.Unknowns) == 0 {
		return vs
	}
	for _, d := range a.repoDimensions() {
		opts := d.options
		if len(vs)*len(opts) > maxVariants {
			opts = strictOnly(d)
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
				labels[d.key] = joinLabel(labels[d.key], o.label)
				rd := v.repoDefault
				if r, ok := w.Repository(a.repo); ok {
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

// unknownPackageStates lists the plausible states of one package's
// unknown fields (and its owner's, for a package the job would create):
// every combination of their values, nil when none is unknown. A field
// that would take the package's states, times the played global
// variants, past maxVariants is played in its strictest value only, and
// its label says so: it can refuse more, never allow more.
func (a *analyzer) unknownPackageStates(pkg string, played int) []pkgState {
	if len(a.opts.Unknowns) == 0 {
		return nil
	}
	dims := a.packageDimensions(pkg)
	if len(dims) == 0 {
		return nil
	}
	states := []pkgState{{apply: func(*authz.World) {}}}
	for _, d := range dims {
		opts := d.options
		if played*len(states)*len(opts) > maxVariants {
			opts = strictOnly(d)
		}
		var next []pkgState
		for _, s := range states {
			for _, o := range opts {
				first, then := s.apply, o.apply
				next = append(next, pkgState{label: joinLabel(s.label, o.label), apply: func(w *authz.World) { first(w); then(w) }})
			}
		}
		states = next
	}
	return states
}

func strictOnly(d dimension) []option {
	o := d.options[d.strict]
	return []option{{label: "assumed " + o.label + " (its other values not played: too many states)", apply: o.apply}}
}

func joinLabel(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
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

// repoDimensions lists the repository's unknown fields.
func (a *analyzer) repoDimensions() []dimension {
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
	return dims
}

// packageDimensions lists one package's unknown fields: for a package
// the world does not list (the job would create it), its owner's
// inheritance default and creation policy, then the package's own.
func (a *analyzer) packageDimensions(pkg string) []dimension {
	var dims []dimension
	if _, exists := a.world.Package(pkg); !exists {
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
	return append(dims, a.fieldDimensions(pkg)...)
}

// fieldDimensions lists the unknown fields of one package of the world.
func (a *analyzer) fieldDimensions(pkg string) []dimension {
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
		for _, k := range keysOf(w.Packages, name) {
			p := w.Packages[k]
			f(&p)
			w.Packages[k] = p
		}
	}
}

func editRepo(name string, f func(*authz.Repository)) func(*authz.World) {
	return func(w *authz.World) {
		for _, k := range keysOf(w.Repositories, name) {
			r := w.Repositories[k]
			f(&r)
			w.Repositories[k] = r
		}
	}
}

func editOwner(login string, f func(*authz.Owner)) func(*authz.World) {
	return func(w *authz.World) {
		for _, k := range keysOf(w.Owners, login) {
			o := w.Owners[k]
			f(&o)
			w.Owners[k] = o
		}
	}
}

// keysOf lists the keys of m that name name, as the world looks them up
// (authz's lookup): the lower-case key, else any spelling of it. The
// common case costs one map access, not a scan of the world.
func keysOf[V any](m map[string]V, name string) []string {
	lower := strings.ToLower(name)
	if _, ok := m[lower]; ok {
		return []string{lower}
	}
	var out []string
	for k := range m {
		if strings.EqualFold(k, name) {
			out = append(out, k)
		}
	}
	return out
}
