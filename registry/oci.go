package registry

import (
	"net/http"

	"github.com/fakeghcr/fakeghcr/authz"
)

// handleV2 serves the OCI distribution API: parse, authenticate, decide,
// then hand the request to the handler for its route.
func (s *Server) handleV2(w http.ResponseWriter, r *http.Request) *regError {
	rt, ok, badName := parseRoute(r.URL.Path)
	switch {
	case !ok:
		return errNotFound
	case badName:
		return errNameInvalid
	}
	v := s.snapshot()
	c := s.authenticate(r, v)
	if e := s.refuseAuthorization(w, r, c, rt); e != nil {
		return e
	}
	switch rt.Kind {
	case kindBase:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
		return nil
	case kindCatalog:
		// GHCR offers no repository listing [T22].
		return errNotFound
	case kindReferrers:
		// GHCR has no referrers API: 404 MANIFEST_UNKNOWN [T28].
		return errManifestUnknown
	}
	if r.Method == http.MethodDelete {
		// Registry deletion is unsupported on GHCR [T23].
		return errUnsupported
	}
	action, ok := routeAction(rt.Kind, r.Method)
	if !ok {
		return errUnsupported
	}
	d, e := s.authorize(w, r, v, c, rt.Repo, action)
	if e != nil {
		return e
	}
	q := request{w: w, r: r, rt: rt, view: v, caller: c, decision: d}
	switch rt.Kind {
	case kindBlob:
		return s.serveBlob(q)
	case kindUploads:
		return s.startUpload(q)
	case kindUpload:
		return s.serveUpload(q)
	case kindManifest:
		return s.serveManifest(q)
	case kindTags:
		return s.serveTags(q)
	}
	return errNotFound
}

// refuseAuthorization answers an Authorization header GHCR refuses before
// any decision: none at all, Basic on /v2/, an empty bearer, or (on the
// /v2/ probe) a bearer fakeghcr cannot verify.
func (s *Server) refuseAuthorization(w http.ResponseWriter, r *http.Request, c caller, rt route) *regError {
	switch {
	case c.kind == authNone:
		return errAuthRequired.forRepo(rt.Repo)
	case c.kind == authBasic:
		return s.denyWire(w, r, rt.Repo, authz.WireBasicOnRegistry, "")
	case c.kind == authEmptyBearer:
		return s.denyWire(w, r, rt.Repo, authz.WireEmptyBearer, "")
	case rt.Kind == kindBase && c.forged:
		return s.denyWire(w, r, "", authz.WireTokenInvalid, "")
	}
	return nil
}

// request carries one authorized /v2/ request through its handler.
type request struct {
	w        http.ResponseWriter
	r        *http.Request
	rt       route
	view     *view
	caller   caller
	decision authz.Decision
}

// routeAction maps method and route to the package action, as
// distribution's auth does: GET/HEAD read, POST/PATCH/PUT write.
func routeAction(kind routeKind, method string) (authz.Action, bool) {
	switch kind {
	case kindBlob, kindManifest, kindTags:
		switch method {
		case http.MethodGet, http.MethodHead:
			return authz.ActionRead, true
		case http.MethodPut:
			if kind == kindManifest {
				return authz.ActionWrite, true
			}
		}
	case kindUploads:
		if method == http.MethodPost {
			return authz.ActionWrite, true
		}
	case kindUpload:
		switch method {
		case http.MethodGet, http.MethodPatch, http.MethodPut:
			return authz.ActionWrite, true
		}
	}
	return "", false
}

// authorize decides one access; a denial comes back as GHCR's answer, with
// the X-Fakeghcr-* headers set. A registry token must also carry the scope:
// one minted for another repository or for pull only is challenged again.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, v *view, c caller, repo string, action authz.Action) (authz.Decision, *regError) {
	if c.claims != nil && !c.claims.covers(repo) {
		return authz.Decision{}, s.denyWire(w, r, repo, authz.WireTokenScope, c.claims.repositories())
	}
	d := s.decide(v, c.principal, authz.Access{Package: repo, Action: action})
	d = s.explainAsPush(v, r, c, repo, d)
	if !d.Allow && c.forged {
		// The bytes are those of an anonymous request, as on GHCR; the
		// explanation says why the request counted as anonymous.
		d.Explanation = forgedExplanation + " " + d.Explanation
		d.Fix = forgedFix
	}
	if d.Allow {
		s.record(r, outcome{repo: repo, action: action, principal: c.principal, label: c.label, at: c.at, decision: d})
		return d, nil
	}
	answer, _ := ghcrAnswer(d.Reason, repo)
	s.record(r, outcome{repo: repo, action: action, principal: c.principal, label: c.label, at: c.at, decision: d, answer: answer})
	explain(w, d)
	return d, answer.forRepo(repo)
}

// decide is authz.Decide plus one registry fact authz cannot see: content
// pushed ahead of a package's first manifest. The package does not exist
// yet, but whoever may create it may read that content back.
func (s *Server) decide(v *view, p authz.Principal, a authz.Access) authz.Decision {
	d := v.decide(p, a)
	if d.Reason == authz.DenyNameUnknown && s.store.RepositoryExists(a.Package) {
		if wd := v.decide(p, authz.Access{Package: a.Package, Action: authz.ActionWrite}); wd.Allow {
			return wd
		}
	}
	return d
}

const (
	forgedExplanation = "The bearer token could not be verified (expired, its credential revoked or removed, minted by another fakeghcr process, or tampered with), so the request counts as anonymous."
	forgedFix         = "Log in again so that the client fetches a new token from /token (docker logout/login, crane auth login)"
)

// wireRefusal is GHCR's answer to a request refused before any decision,
// and fakeghcr's explanation of it. detail is the refusal's one variable
// part (the repositories a token was minted for).
func wireRefusal(reason authz.Reason, repo, detail string) (*regError, authz.Decision) {
	d := authz.Decision{Reason: reason}
	var e *regError
	switch reason {
	case authz.WireBasicOnRegistry:
		e = errInvalidToken
		d.Explanation = "Basic credentials were sent straight to /v2/; GHCR accepts only a bearer token there."
		d.Fix = "Exchange the credentials at /token first (docker login / any registry client does), or send Authorization: Bearer <base64 of the PAT>"
	case authz.WireEmptyBearer:
		e = errTokenMissing
		d.Explanation = "The Authorization header says Bearer but carries no token."
		d.Fix = "Send the token from /token (or base64 of a PAT) after \"Bearer \""
	case authz.WireTokenInvalid:
		e = errUnauthentic
		d.Explanation, d.Fix = forgedExplanation, forgedFix
	case authz.WireTokenScope:
		e = errAuthRequired
		d.Explanation = "The registry token was minted for other repositories (" + detail + "), not " + repo + "."
		d.Fix = "Ask /token for scope repository:" + repo + ":pull (clients do when they follow the challenge)"
	default:
		// Not a wire reason: refuse, never allow by accident.
		e = &regError{Status: http.StatusForbidden, Code: "DENIED", Message: msgResourceDenied}
	}
	return e.forRepo(repo), d
}

// denyWire refuses a request before any authorization decision (a
// malformed or unusable Authorization header) with GHCR's bytes, and
// explains it like a decision: a log record and the X-Fakeghcr-* headers.
func (s *Server) denyWire(w http.ResponseWriter, r *http.Request, repo string, reason authz.Reason, detail string) *regError {
	e, d := wireRefusal(reason, repo, detail)
	s.record(r, outcome{repo: repo, principal: authz.Principal{}, decision: d, answer: e})
	explain(w, d)
	return e
}
