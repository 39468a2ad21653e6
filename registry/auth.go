package registry

import (
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/fakeghcr/fakeghcr/authz"
)

// authKind is the shape of a request's Authorization header.
type authKind int

const (
	authNone        authKind = iota // no header: GHCR challenges
	authBasic                       // Basic sent straight to /v2/: GHCR says "invalid token"
	authEmptyBearer                 // "Bearer" with no value
	authBearer                      // a bearer of any kind
)

// caller is who a /v2/ request acts as.
type caller struct {
	kind      authKind
	principal authz.Principal
	// label names the principal for records when it is known without
	// building it (principal.String()); "" otherwise.
	label string
	// claims is set when the bearer was a registry token minted here; its
	// scopes bound what the request may do. A raw-secret bearer (GHCR
	// accepts base64 of a PAT) carries no claims: the identity decides.
	claims *tokenClaims
	// forged is set when a bearer looked like a registry token but failed
	// verification (expired, another server's, tampered).
	forged bool
	// at is when a registry token was checked (zero for other requests):
	// the request's decision is recorded at that time, one clock read
	// instead of two.
	at time.Time
}

// authenticate resolves the Authorization header against world. A bearer
// that authenticates nobody is anonymous: GHCR serves public content to
// any junk bearer [T5][T6].
func (s *Server) authenticate(r *http.Request, v *view) caller {
	w := v.world
	h := r.Header.Get("Authorization")
	if h == "" {
		return caller{kind: authNone}
	}
	scheme, value, _ := strings.Cut(h, " ")
	value = strings.TrimSpace(value)
	switch {
	case strings.EqualFold(scheme, "basic"):
		return caller{kind: authBasic}
	case !strings.EqualFold(scheme, "bearer"):
		return caller{kind: authBasic}
	case value == "":
		return caller{kind: authEmptyBearer}
	}
	c := caller{kind: authBearer}
	if strings.Count(value, ".") == 2 {
		c.at = s.opts.Now()
		claims, err := s.tokens.verifyAt(value, c.at)
		if err != nil {
			c.forged = true
			return c
		}
		c.claims = claims
		if b, ok := v.boundPrincipal(claims.Credential, claims.Nonce); ok && !b.principal.Credential.Revoked {
			c.principal, c.label = b.principal, b.label
		} else {
			// The credential was added, revoked, removed or replaced
			// after the token was minted: the token authenticates nobody
			// any more.
			c.forged = true
			c.claims = nil
		}
		return c
	}
	if cred, ok := rawSecretBearer(w, value); ok {
		c.principal = authz.Principal{Credential: &cred}
	}
	return c
}

// rawSecretBearer accepts GHCR's shortcut: a bearer that is the base64 of
// a raw secret or of user:secret, with no token exchange [T7][T3][T4].
// GHCR's own anonymous tokens (base64 of "v1:...") authenticate nobody.
func rawSecretBearer(w authz.World, value string) (authz.Credential, bool) {
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(value); err != nil {
			return authz.Credential{}, false
		}
	}
	s := strings.TrimRight(string(raw), "\r\n")
	if strings.HasPrefix(s, "v1:") {
		return authz.Credential{}, false
	}
	for _, secret := range candidateSecrets(s) {
		if cred, ok := w.Authenticate(secret); ok && !cred.Revoked {
			return cred, true
		}
	}
	return authz.Credential{}, false
}

// candidateSecrets: the whole value, then the part after the first ':'.
func candidateSecrets(s string) []string {
	out := []string{s}
	if _, secret, ok := strings.Cut(s, ":"); ok && secret != "" {
		out = append(out, secret)
	}
	return out
}

// challenge returns GHCR's WWW-Authenticate value. GHCR's challenges name
// only ":pull", even on push endpoints (spec §10 Q4), and the /v2/ probe
// names the placeholder repository:user/image:pull [T1][T2].
func (s *Server) challenge(r *http.Request, repo string) string {
	if repo == "" {
		repo = "user/image"
	}
	return `Bearer realm="` + s.baseURL(r) + `/token",service="` + tokenAudience + `",scope="repository:` + repo + `:pull"`
}

// baseURL is the URL clients reach this server at: the configured public
// URL, or the request's own scheme and host.
func (s *Server) baseURL(r *http.Request) string {
	if s.opts.PublicURL != "" {
		return s.opts.PublicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
