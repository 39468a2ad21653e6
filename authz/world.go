package authz

import (
	"crypto/subtle"
	"maps"
	"slices"
	"strings"
)

// Authenticate finds the credential a client's secret belongs to. An exact
// match wins; otherwise the first Wildcard credential matches any non-empty
// secret. An empty secret never matches, and neither does a credential with
// an empty Secret. Revoked credentials are returned with ok=true: the caller
// checks Revoked (DecideToken answers them DenyBadCredential, Decide treats
// them as anonymous).
func (w World) Authenticate(secret string) (Credential, bool) {
	if secret == "" {
		return Credential{}, false
	}
	// Compare against every credential in constant time per comparison and
	// without an early exit, so timing does not reveal which one matched.
	found := -1
	for i, c := range w.Credentials {
		if c.Secret == "" || c.Secret == Wildcard {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) == 1 && found < 0 {
			found = i
		}
	}
	if found >= 0 {
		return w.Credentials[found], true
	}
	for _, c := range w.Credentials {
		if c.Secret == Wildcard {
			return c, true
		}
	}
	return Credential{}, false
}

// Package returns the package named name (case-insensitive).
func (w World) Package(name string) (Package, bool) { return lookup(w.Packages, name) }

// Repository returns the repository named "owner/name" (case-insensitive).
func (w World) Repository(name string) (Repository, bool) { return lookup(w.Repositories, name) }

// Owner returns the user or organization with the given login
// (case-insensitive).
func (w World) Owner(login string) (Owner, bool) { return lookup(w.Owners, login) }

// lookup finds key in a map keyed by lower-case name. A seed that used mixed
// case keys still works through the slower scan.
func lookup[V any](m map[string]V, key string) (V, bool) {
	key = strings.ToLower(key)
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	var zero V
	return zero, false
}

// Clone returns a deep copy of w: changing the copy's maps, slices or
// pointers never changes w. Nil stays nil and empty stays empty, because
// some nil fields mean "GitHub's default" (Owner.PackageCreation,
// Owner.InheritAccessDefault).
func (w World) Clone() World {
	c := World{Credentials: cloneSliceFunc(w.Credentials, Credential.clone)}
	c.Owners = cloneMapFunc(w.Owners, Owner.clone)
	c.Repositories = cloneMapFunc(w.Repositories, Repository.clone)
	c.Packages = cloneMapFunc(w.Packages, Package.clone)
	return c
}

func (o Owner) clone() Owner {
	o.Members = slices.Clone(o.Members)
	o.Teams = cloneMapFunc(o.Teams, slices.Clone[[]string])
	o.PackageCreation = slices.Clone(o.PackageCreation)
	if o.InheritAccessDefault != nil {
		v := *o.InheritAccessDefault
		o.InheritAccessDefault = &v
	}
	return o
}

func (r Repository) clone() Repository {
	r.Collaborators = maps.Clone(r.Collaborators)
	return r
}

func (p Package) clone() Package {
	p.ActionsAccess = slices.Clone(p.ActionsAccess)
	p.Users = maps.Clone(p.Users)
	p.Teams = maps.Clone(p.Teams)
	return p
}

func (c Credential) clone() Credential {
	c.Scopes = slices.Clone(c.Scopes)
	return c
}

func cloneMapFunc[V any](m map[string]V, f func(V) V) map[string]V {
	if m == nil {
		return nil
	}
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = f(v)
	}
	return out
}

func cloneSliceFunc[V any](s []V, f func(V) V) []V {
	if s == nil {
		return nil
	}
	out := make([]V, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}

// member returns the organization membership of login, if any.
func (o Owner) member(login string) (Member, bool) {
	if login == "" {
		return Member{}, false
	}
	for _, m := range o.Members {
		if strings.EqualFold(m.Login, login) {
			return m, true
		}
	}
	return Member{}, false
}

// enterprise is the key that groups organizations for internal visibility:
// Owner.Enterprise, or the organization's own login when it has none.
func (w World) enterprise(login string) string {
	o, _ := w.Owner(login)
	return enterpriseKey(o, login)
}

func enterpriseKey(o Owner, login string) string {
	if o.Enterprise != "" {
		return "enterprise:" + strings.ToLower(o.Enterprise)
	}
	return "org:" + strings.ToLower(login)
}

// isOrg reports whether login is an organization in w.
func (w World) isOrg(login string) bool {
	o, ok := w.Owner(login)
	return ok && o.Type == Organization
}

// inheritDefault is the owner's "Inherit access from source repository"
// default for newly linked packages; nil (and unknown owners) mean on.
func (w World) inheritDefault(login string) bool {
	o, ok := w.Owner(login)
	if !ok || o.InheritAccessDefault == nil {
		return true
	}
	return *o.InheritAccessDefault
}

// mayCreate reports whether owner's "Package creation" setting lets members
// create a package with visibility v. Users have no such setting.
func (w World) mayCreate(owner string, v Visibility) bool {
	o, ok := w.Owner(owner)
	if !ok || o.Type != Organization || o.PackageCreation == nil {
		return true
	}
	return slices.Contains(o.PackageCreation, v)
}
