package restapi

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// principal reads the request's token the ways GitHub's API takes one:
// "Authorization: token T" (gh), "Bearer T" (Octokit, go-github's
// WithAuthToken) or Basic with the token as password (or as user name with
// password x-oauth-basic). No header is anonymous. ok is false for a token
// GitHub would not accept (unknown, revoked, malformed): 401 "Bad credentials".
func principal(w authz.World, r *http.Request) (authz.Principal, bool) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	if h == "" {
		return authz.Principal{}, true
	}
	scheme, rest, _ := strings.Cut(h, " ")
	rest = strings.TrimSpace(rest)
	var secret string
	switch strings.ToLower(scheme) {
	case "token", "bearer":
		secret = rest
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return authz.Principal{}, false
		}
		user, pass, _ := strings.Cut(string(raw), ":")
		secret = pass
		if pass == "" || pass == "x-oauth-basic" {
			secret = user
		}
	default:
		return authz.Principal{}, false
	}
	c, ok := w.Authenticate(secret)
	if !ok || c.Revoked {
		return authz.Principal{}, false
	}
	return authz.Principal{Credential: &c}, true
}
