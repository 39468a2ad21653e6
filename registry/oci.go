package registry

import (
	"net/http"

	"github.com/fakeghcr/fakeghcr/authz"
)

// Messages GHCR sends for malformed Authorization on /v2/.
var (
	errAuthRequired = &regError{Status: http.StatusUnauthorized, Code: "UNAUTHORIZED", Message: msgAuthRequired, Challenge: true}
	errTokenMissing = &regError{Status: http.StatusUnauthorized, Code: "UNAUTHORIZED", Message: "authentication token not provided", Challenge: true} // [T5]
	errInvalidToken = &regError{Status: http.StatusForbidden, Code: "DENIED", Message: "invalid token"}                                               // [T4]
	errUnauthentic  = &regError{Status: http.StatusUnauthorized, Code: "UNAUTHORIZED", Message: msgUnauthenticated, Challenge: true}                  // [T6]
)

// handleV2 serves the OCI distribution API: parse, authenticate, decide,
// then hand the request to the handler for its route.
func (s *Server) handleV2(w http.ResponseWriter, r *http.Request) {
	rt, ok, badName := parseRoute(r.URL.Path)
	switch {
	case !ok:
		errNotFound.write(w)
		return
	case badName:
		errNameInvalid.write(w)
		return
	}
	v := s.snapshot()
	c := s.authenticate(r, v.world)
	switch c.kind {
	case authNone:
		s.writeError(w, r, errAuthRequired, rt.Repo)
		return
	case authBasic:
		s.denyWire(w, r, errInvalidToken, rt.Repo, "basic_auth_on_registry",
			"Basic credentials were sent straight to /v2/; GHCR accepts only a bearer token there.",
			"Exchange the credentials at /token first (docker login / any registry client does), or send Authorization: Bearer <base64 of the PAT>")
		return
	case authEmptyBearer:
		s.denyWire(w, r, errTokenMissing, rt.Repo, "empty_bearer",
			"The Authorization header says Bearer but carries no token.",
			"Send the token from /token (or base64 of a PAT) after \"Bearer \"")
		return
	}
	switch rt.Kind {
	case kindBase:
		if c.forged {
			s.denyWire(w, r, errUnauthentic, "", "token_invalid", forgedExplanation, forgedFix)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
		return
	case kindCatalog:
		// GHCR offers no repository listing [T22].
		errNotFound.write(w)
		return
	case kindReferrers:
		// GHCR has no referrers API: 404 MANIFEST_UNKNOWN [T28].
		errManifestUnknown.write(w)
		return
	}
	if r.Method == http.MethodDelete {
		// Registry deletion is unsupported on GHCR [T23].
		errUnsupported.write(w)
		return
	}
	action, ok := routeAction(rt.Kind, r.Method)
	if !ok {
		errUnsupported.write(w)
		return
	}
	d, allowed := s.authorize(w, r, v, c, rt.Repo, action)
	if !allowed {
		return
	}
	req := request{w: w, r: r, rt: rt, view: v, caller: c, decision: d}
	switch rt.Kind {
	case kindBlob:
		s.serveBlob(req)
	case kindUploads:
		s.startUpload(req)
	case kindUpload:
		s.serveUpload(req)
	case kindManifest:
		s.serveManifest(req)
	case kindTags:
		s.serveTags(req)
	}
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
func routeAction(kind, method string) (authz.Action, bool) {
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

// authorize decides one access; on denial it writes GHCR's answer and
// returns false. A registry token must also carry the scope: one minted
// for another repository or for pull only is challenged again.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, v *view, c caller, repo string, action authz.Action) (authz.Decision, bool) {
	if c.claims != nil && !c.claims.covers(repo) {
		s.denyWire(w, r, errAuthRequired, repo, "token_scope",
			"The registry token was minted for other repositories ("+c.claims.repositories()+"), not "+repo+".",
			"Ask /token for scope repository:"+repo+":pull (clients do when they follow the challenge)")
		return authz.Decision{}, false
	}
	d := s.decide(v, c.principal, authz.Access{Package: repo, Action: action})
	if !d.Allow && c.forged {
		// The bytes are those of an anonymous request, as on GHCR; the
		// explanation says why the request counted as anonymous.
		d.Explanation = forgedExplanation + " " + d.Explanation
		d.Fix = forgedFix
	}
	if d.Allow {
		s.record(r.Context(), r, repo, action, c.principal, d, nil)
		return d, true
	}
	answer, _ := ghcrAnswer(d.Reason, repo)
	s.record(r.Context(), r, repo, action, c.principal, d, answer)
	explain(w, d)
	s.writeError(w, r, answer, repo)
	return d, false
}

// writeError writes e, adding GHCR's challenge on 401s.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, e *regError, repo string) {
	if e.Challenge {
		w.Header().Set("WWW-Authenticate", s.challenge(r, repo))
	}
	e.write(w)
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

// denyWire answers a request refused before any authorization decision
// (a malformed or unusable Authorization header), with GHCR's bytes, and
// explains it like a decision: a log record and the X-Fakeghcr-* headers.
func (s *Server) denyWire(w http.ResponseWriter, r *http.Request, e *regError, repo string, reason authz.Reason, explanation, fix string) {
	d := authz.Decision{Reason: reason, Explanation: explanation, Fix: fix}
	s.record(r.Context(), r, repo, "", authz.Principal{}, d, e)
	explain(w, d)
	s.writeError(w, r, e, repo)
}
