package restapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// otherTypes are the package types GitHub knows besides container; no
// package of theirs exists in fakeghcr.
var otherTypes = []string{"npm", "maven", "rubygems", "docker", "nuget"}

// checkType answers a {package_type} or ?package_type= other than
// container: another known type has no packages here, an unknown one is
// 422 (INFERRED text).
func checkType(t string) (*apiError, bool) {
	switch {
	case t == "container":
		return nil, true
	case slices.Contains(otherTypes, t):
		return &apiError{Status: http.StatusNotFound, Message: msgPackageNotFound}, false
	}
	return &apiError{Status: http.StatusUnprocessableEntity, Message: msgBadPackageType}, false
}

// ownerMatches reports whether the path's kind of owner is the owner's kind
// in the world: /orgs/ names an organization, /users/ and /user/ a user.
func ownerMatches(w authz.World, sc scope, owner string) bool {
	o, known := w.Owner(owner)
	isOrg := known && o.Type == authz.Organization
	return isOrg == (sc == scopeOrg)
}

// target runs the checks every per-package endpoint shares and returns the
// package's full name (owner/name, lower case).
func (s *Service) target(q *request, action authz.Action, deleted bool) (string, bool) {
	full := strings.ToLower(q.ep.owner + "/" + q.ep.name)
	if v, ok := decideToken(q.world, q.p, q.ep, deleted); !ok {
		s.deny(q, full, action, v)
		return "", false
	}
	if e, ok := checkType(q.ep.packageType); !ok {
		s.fail(q, e)
		return "", false
	}
	if !ownerMatches(q.world, q.ep.scope, q.ep.owner) {
		kind := "a user"
		if q.ep.scope == scopeOrg {
			kind = "an organization"
		}
		s.deny(q, full, action, refuse(authz.DenyNameUnknown, &apiError{Status: http.StatusNotFound, Message: msgPackageNotFound},
			fmt.Sprintf("%s is not %s, so this path names no package of it", q.ep.owner, kind),
			"Use /orgs/OWNER/… for an organization's packages and /users/OWNER/… (or /user/…) for a user's"))
		return "", false
	}
	return full, true
}

// allowPackage decides action on pkg and records the decision; on a
// refusal it has written GitHub's answer.
func (s *Service) allowPackage(q *request, full string, action authz.Action, w authz.World) bool {
	v := decidePackage(w, q.p, full, action)
	if v.err != nil {
		s.deny(q, full, action, v)
		return false
	}
	s.record(q, full, action, v, 0, "")
	return true
}

func (s *Service) listPackages(q *request) {
	if v, ok := decideToken(q.world, q.p, q.ep, false); !ok {
		s.deny(q, "", authz.ActionRead, v)
		return
	}
	query := q.r.URL.Query()
	t := query.Get("package_type")
	if t == "" {
		// INFERRED: GitHub's validation answer for a missing required parameter.
		s.fail(q, &apiError{Status: http.StatusUnprocessableEntity, Message: "Invalid request.\n\n\"package_type\" wasn't supplied."})
		return
	}
	if e, ok := checkType(t); !ok && e.Status != http.StatusNotFound {
		s.fail(q, e)
		return
	}
	vis := query.Get("visibility")
	if vis != "" && vis != string(authz.Public) && vis != string(authz.Private) && vis != string(authz.Internal) {
		s.fail(q, &apiError{Status: http.StatusUnprocessableEntity, Message: msgBadVisibility})
		return
	}
	page, perPage, perr := pageParams(query)
	if perr != nil {
		s.fail(q, perr)
		return
	}
	owner := strings.ToLower(q.ep.owner)
	if !ownerMatches(q.world, q.ep.scope, owner) || !s.ownerExists(q.world, owner) {
		s.fail(q, &apiError{Status: http.StatusNotFound, Message: msgNotFound, DocURL: docsRoot})
		return
	}
	s.record(q, "", authz.ActionRead, verdict{Decision: authz.Decision{Allow: true, Reason: ReasonAllowed,
		Explanation: fmt.Sprintf("%s may list %s's packages; the list holds those it may read", describeToken(q.p), owner)}}, 0, "")
	var out []packageJSON
	if t == "container" {
		names := make([]string, 0, len(q.world.Packages))
		for name := range q.world.Packages {
			if strings.HasPrefix(strings.ToLower(name), owner+"/") {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		for _, name := range names {
			pkg := q.world.Packages[name]
			pv := string(pkg.Visibility)
			if pv == "" {
				pv = string(authz.Private)
			}
			if vis != "" && pv != vis {
				continue
			}
			if !authz.Decide(q.world, q.p, authz.Access{Package: name, Action: authz.ActionRead}).Allow {
				continue
			}
			out = append(out, s.packageJSON(q, pkg))
		}
	}
	lo, hi, last := pageOf(len(out), page, perPage)
	if l := linkHeader(q.r.URL, page, last); l != "" && len(out) > 0 {
		q.w.Header().Set("Link", s.absolute(q, l))
	}
	writeJSON(q.w, nonNil(out[lo:hi]))
}

// ownerExists reports whether owner is a known owner or owns a package.
func (s *Service) ownerExists(w authz.World, owner string) bool {
	if _, ok := w.Owner(owner); ok {
		return true
	}
	for name := range w.Packages {
		if strings.HasPrefix(strings.ToLower(name), owner+"/") {
			return true
		}
	}
	return false
}

func (s *Service) getPackage(q *request) {
	full, ok := s.target(q, authz.ActionRead, false)
	if !ok || !s.allowPackage(q, full, authz.ActionRead, q.world) {
		return
	}
	pkg, _ := q.world.Package(full)
	writeJSON(q.w, s.packageJSON(q, pkg))
}

// deletePackage deletes a whole package: its versions leave the registry
// and the package leaves the world, so a later push creates a new package
// with fresh settings (https://docs.github.com/packages/learn-github-packages/deleting-and-restoring-a-package).
func (s *Service) deletePackage(q *request) {
	full, ok := s.target(q, authz.ActionDelete, false)
	if !ok || !s.allowPackage(q, full, authz.ActionDelete, q.world) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pkg, exists := s.opts.Worlds.World().Package(full)
	if !exists {
		s.fail(q, &apiError{Status: http.StatusNotFound, Message: msgPackageNotFound})
		return
	}
	manifests := s.opts.Content.Manifests(full)
	// "If the package is public and the package version has more than
	// 5,000 downloads, you cannot delete the package" (the docs of every
	// delete-package endpoint).
	if pkg.Visibility == authz.Public {
		_, versions := s.led.active(full, manifests)
		for _, v := range versions {
			if v.Downloads > popularDownloads {
				s.deny(q, full, authz.ActionDelete, refusePopular("a version of the public package"))
				return
			}
		}
	}
	var removed []Removed
	for _, m := range manifests {
		r, err := s.opts.Content.RemoveManifest(full, m.Digest)
		if err != nil {
			continue // gone meanwhile: nothing to keep
		}
		removed = append(removed, r)
	}
	err := s.opts.Worlds.UpdateWorld(func(w *authz.World) error {
		for k := range w.Packages {
			if strings.EqualFold(k, full) {
				delete(w.Packages, k)
			}
		}
		return nil
	})
	if err != nil {
		s.fail(q, &apiError{Status: http.StatusNotFound, Message: msgPackageNotFound})
		return
	}
	s.led.packageDeleted(full, pkg, removed, q.now)
	noContent(q.w)
}

// restorePackage restores a package deleted within the last 30 days, if no
// new package has taken its name since, with its settings and the versions
// it had; a tag another manifest has taken since stays with that manifest
// (INFERRED).
func (s *Service) restorePackage(q *request) {
	full, ok := s.target(q, authz.ActionDelete, false)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	settings, removed, at, found := s.led.deletedPackage(full)
	if !found || q.now.Sub(at) > RestoreWindow {
		s.deny(q, full, authz.ActionDelete, refuse(authz.DenyNameUnknown, &apiError{Status: http.StatusNotFound, Message: msgPackageNotFound},
			fmt.Sprintf("no package %s was deleted in the last 30 days", full), "Check the package name; a package can be restored for 30 days"))
		return
	}
	current := s.opts.Worlds.World()
	if _, taken := current.Package(full); taken {
		// Decide against the package that holds the name now: whoever may
		// not delete it learns nothing about it.
		if !s.allowPackage(q, full, authz.ActionDelete, current) {
			return
		}
		s.fail(q, &apiError{Status: http.StatusConflict, Message: msgNamespaceTaken})
		return
	}
	with := current.Clone()
	if with.Packages == nil {
		with.Packages = map[string]authz.Package{}
	}
	with.Packages[full] = settings
	if !s.allowPackage(q, full, authz.ActionDelete, with) {
		return
	}
	err := s.opts.Worlds.UpdateWorld(func(w *authz.World) error {
		if _, taken := w.Package(full); taken {
			return errNameTaken
		}
		if w.Packages == nil {
			w.Packages = map[string]authz.Package{}
		}
		w.Packages[full] = settings
		return nil
	})
	if err != nil {
		s.fail(q, &apiError{Status: http.StatusConflict, Message: msgNamespaceTaken})
		return
	}
	for _, r := range removed {
		_, _ = s.opts.Content.RestoreManifest(full, r) // a manifest that cannot come back stays deleted
	}
	s.led.packageRestored(full)
	noContent(q.w)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// absolute makes a Link header's URLs absolute: the request URL a server
// sees has no scheme or host, so they come from the API root.
func (s *Service) absolute(q *request, link string) string {
	base := strings.TrimSuffix(q.root, APIPrefix)
	return strings.ReplaceAll(link, "<"+"/", "<"+base+"/")
}
