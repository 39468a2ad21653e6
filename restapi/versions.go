package restapi

import (
	"errors"
	"net/http"

	"github.com/fakeghcr/fakeghcr/authz"
)

// popularDownloads is GitHub's threshold: "If the package is public and the
// package version has more than 5,000 downloads, you cannot delete the
// package version" (the docs of every delete-version endpoint).
const popularDownloads = 5000

var errNameTaken = errors.New("restapi: a package with that name exists")

// listVersions lists a package's versions: ?state=active (the default)
// those in the registry, ?state=deleted those deleted within the restore
// window, which needs delete access.
func (s *Service) listVersions(q *request) {
	query := q.r.URL.Query()
	state := query.Get("state")
	if state != "" && state != "active" && state != "deleted" {
		s.fail(q, &apiError{Status: http.StatusUnprocessableEntity, Message: msgBadState})
		return
	}
	deleted := state == "deleted"
	action := authz.ActionRead
	if deleted {
		action = authz.ActionDelete
	}
	full, ok := s.target(q, action, deleted)
	if !ok || !s.allowPackage(q, full, action, q.world) {
		return
	}
	page, perPage, perr := pageParams(query)
	if perr != nil {
		s.fail(q, perr)
		return
	}
	var versions []versionView
	if deleted {
		versions = s.led.deletedVersions(full, q.now)
	} else {
		_, versions = s.led.active(full, s.opts.Content.Manifests(full))
	}
	l := q.linksFor(full)
	lo, hi, last := pageOf(len(versions), page, perPage)
	out := make([]versionJSON, 0, hi-lo)
	for _, v := range versions[lo:hi] {
		out = append(out, l.version(v))
	}
	if h := linkHeader(q.r.URL, page, last); h != "" && len(versions) > 0 {
		q.w.Header().Set("Link", s.absolute(q, h))
	}
	writeJSON(q.w, out)
}

// activeVersion finds version id among package full's stored manifests.
func (s *Service) activeVersion(q *request, full string) (versionView, bool) {
	_, versions := s.led.active(full, s.opts.Content.Manifests(full))
	for _, v := range versions {
		if v.ID == q.ep.versionID && itoa(v.ID) == q.ep.versionRaw {
			return v, true
		}
	}
	return versionView{}, false
}

func (s *Service) getVersion(q *request) {
	full, ok := s.target(q, authz.ActionRead, false)
	if !ok || !s.allowPackage(q, full, authz.ActionRead, q.world) {
		return
	}
	v, found := s.activeVersion(q, full)
	if !found {
		s.fail(q, &apiError{Status: http.StatusNotFound, Message: msgVersionNotFound})
		return
	}
	writeJSON(q.w, q.linksFor(full).version(v))
}

// deleteVersion deletes one version: its manifest and every tag pointing at
// it leave the registry, so pulls by tag or digest answer 404
// MANIFEST_UNKNOWN, and an index whose child it was can no longer be pulled
// whole (chizkiyahu/delete-untagged-ghcr-action#45).
func (s *Service) deleteVersion(q *request) {
	full, ok := s.target(q, authz.ActionDelete, false)
	if !ok || !s.allowPackage(q, full, authz.ActionDelete, q.world) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, found := s.activeVersion(q, full)
	if !found {
		s.fail(q, &apiError{Status: http.StatusNotFound, Message: msgVersionNotFound})
		return
	}
	if len(v.Tags) > 0 && s.taggedVersions(q, full) == 1 {
		s.deny(q, full, authz.ActionDelete, refuse(ReasonLastTagged, &apiError{Status: http.StatusBadRequest, Message: msgLastTagged},
			"GitHub never deletes the last tagged version of a package",
			"delete the whole package instead, or tag another version of it first"))
		return
	}
	if pkg, _ := q.world.Package(full); pkg.Visibility == authz.Public && v.Downloads > popularDownloads {
		s.deny(q, full, authz.ActionDelete, refusePopular("this version of the public package"))
		return
	}
	r, err := s.opts.Content.RemoveManifest(full, v.Digest)
	if err != nil {
		s.fail(q, &apiError{Status: http.StatusNotFound, Message: msgVersionNotFound})
		return
	}
	if ver, ok := s.led.lookupVersion(full, v.ID); ok {
		s.led.markDeleted(ver, r, q.now)
	}
	noContent(q.w)
}

// refusePopular is GitHub's refusal to delete what has more than 5,000
// downloads while public; what names the version or package.
func refusePopular(what string) verdict {
	return refuse(ReasonPopular, &apiError{Status: http.StatusBadRequest, Message: msgPopular},
		what+" has more than 5,000 downloads, and GitHub deletes no public package version that popular",
		"contact GitHub support, as the answer says (https://docs.github.com/en/packages/learn-github-packages/deleting-and-restoring-a-package)")
}

// taggedVersions counts package full's versions that have a tag.
func (s *Service) taggedVersions(q *request, full string) int {
	n := 0
	for _, m := range s.opts.Content.Manifests(full) {
		if len(m.Tags) > 0 {
			n++
		}
	}
	return n
}

// restoreVersion restores a version deleted within the last 30 days, with
// those of its tags no other version has taken since (INFERRED).
func (s *Service) restoreVersion(q *request) {
	full, ok := s.target(q, authz.ActionDelete, false)
	if !ok || !s.allowPackage(q, full, authz.ActionDelete, q.world) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ver, found := s.led.lookupVersion(full, q.ep.versionID)
	if !found || itoa(q.ep.versionID) != q.ep.versionRaw {
		s.fail(q, &apiError{Status: http.StatusNotFound, Message: msgVersionNotFound})
		return
	}
	r, at, deleted := s.led.deletedState(ver)
	if !deleted || q.now.Sub(at) > RestoreWindow {
		s.fail(q, &apiError{Status: http.StatusNotFound, Message: msgVersionNotFound})
		return
	}
	if _, err := s.opts.Content.RestoreManifest(full, r); err != nil {
		s.fail(q, &apiError{Status: http.StatusNotFound, Message: msgVersionNotFound})
		return
	}
	s.led.markRestored(ver, q.now)
	noContent(q.w)
}
