package registry

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// handleToken is GHCR's token service, GET /token?service=ghcr.io&scope=...
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) *regError {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		// The OAuth2 POST /token: GHCR answers 405 UNSUPPORTED.
		return errUnsupported
	}
	scopes, bad := parseScopes(r.URL.Query()["scope"])
	if bad != nil {
		return bad
	}
	v := s.snapshot()
	world := v.world
	auth := r.Header.Get("Authorization")
	scheme, value, _ := strings.Cut(auth, " ")
	switch {
	case auth == "":
		return s.anonymousToken(w, r, world, scopes)
	case strings.EqualFold(scheme, "basic"):
		return s.basicToken(w, r, v, strings.TrimSpace(value), scopes)
	default:
		// A bearer sent to /token (e.g. a raw PAT): GHCR answers 401 with
		// its challenge [T2].
		return errAuthRequired
	}
}

// anonymousToken issues GHCR's anonymous token, base64("v1:<repo>:<n>"),
// only when every requested scope is a pull of a public package.
func (s *Server) anonymousToken(w http.ResponseWriter, r *http.Request, world authz.World, scopes []grant) *regError {
	anon := authz.Principal{}
	if len(scopes) == 0 {
		// The /v2/ probe's placeholder scope is denied too [T1].
		scopes = []grant{{Type: "repository", Name: "user/image", Actions: []string{"pull"}}}
	}
	for _, g := range scopes {
		for _, a := range g.Actions {
			access := authz.Access{Package: g.Name, Action: authz.ActionRead}
			if a != "pull" {
				access.Action = authz.ActionWrite
			}
			d := authz.DecideToken(world, anon, access)
			if d.Allow {
				continue
			}
			answer, _ := ghcrAnswer(d.Reason, g.Name)
			if d.Reason == authz.DenyAnonymousPrivate && s.settingsAnonymousStatus() == http.StatusForbidden {
				answer, _ = ghcrAnswer(authz.DenyAnonymousMissing, g.Name)
			}
			s.record(r, outcome{repo: g.Name, action: access.Action, principal: anon, decision: d, answer: answer})
			explain(w, d)
			return answer.forRepo(g.Name)
		}
	}
	raw := "v1:" + scopes[0].Name + ":" + strconv.FormatInt(s.opts.Now().UnixNano(), 10)
	writeToken(w, base64.StdEncoding.EncodeToString([]byte(raw)))
	return nil
}

// basicToken authenticates the secret (the username is not checked, as on
// GHCR) and, as authz.DecideToken decides, mints a token for every
// requested scope: GHCR authorizes on /v2/, not here [T11].
func (s *Server) basicToken(w http.ResponseWriter, r *http.Request, v *view, value string, scopes []grant) *regError {
	repo := ""
	if len(scopes) > 0 {
		repo = scopes[0].Name
	}
	cred, found := basicCredential(v.world, value)
	p := authz.Principal{}
	d := authz.Decision{Reason: authz.DenyBadCredential,
		Explanation: "The password sent to /token is not a credential GHCR accepts (unknown, expired or revoked).",
		Fix:         "Log in again with a valid token (docker logout ghcr.io, then docker login ghcr.io), or add the credential to the scenario."}
	if found {
		p.Credential = &cred
		d = authz.DecideToken(v.world, p, authz.Access{Package: repo, Action: authz.ActionRead})
	}
	if !d.Allow {
		answer, _ := ghcrAnswer(d.Reason, "")
		s.record(r, outcome{repo: repo, action: authz.ActionRead, principal: p, decision: d, answer: answer})
		explain(w, d)
		return answer.forRepo(repo)
	}
	token, err := s.tokens.mint(cred.Name, v.nonce(cred.Name), scopes)
	if err != nil {
		return internalError("minting token", err)
	}
	writeToken(w, token)
	return nil
}

// basicCredential finds the credential whose secret is the password of a
// Basic value; an undecodable value or an empty password finds none.
func basicCredential(world authz.World, value string) (authz.Credential, bool) {
	raw, err := base64.StdEncoding.DecodeString(value)
	_, secret, ok := strings.Cut(string(raw), ":")
	if err != nil || !ok || secret == "" {
		return authz.Credential{}, false
	}
	return world.Authenticate(secret)
}

// writeToken answers {"token": "..."} alone: GHCR sends no access_token,
// expires_in or issued_at (spec §1.2), so clients assume 60 s.
func writeToken(w http.ResponseWriter, token string) {
	body, _ := json.Marshal(struct {
		Token string `json:"token"`
	}{token})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// MaxTokenScopes is the most repositories one /token request may name
// (repeats of a repository count once). GHCR's own limit is not known;
// clients name one to a few, BuildKit a few more with cache imports.
const MaxTokenScopes = 100

// scopeAction returns a, as a constant, if a scope may carry it, and ""
// for actions that are ignored.
func scopeAction(a string) string {
	switch a {
	case "pull":
		return "pull"
	case "push":
		return "push"
	case "delete":
		return "delete"
	case "*":
		return "*"
	}
	return ""
}

// parseScopes reads repeated scope parameters, each possibly holding
// several space-separated scopes (containerd, BuildKit). Scopes of other
// types (registry:catalog:*) are ignored; a malformed one is refused, and
// so are more than MaxTokenScopes repositories. Scopes of one repository
// merge into one grant, in linear time.
func parseScopes(values []string) ([]grant, *regError) {
	var out []grant
	index := map[string]int{} // repository -> its grant in out
	for _, v := range values {
		for _, sc := range strings.Fields(v) {
			typ, rest, ok := strings.Cut(sc, ":")
			i := strings.LastIndex(rest, ":")
			if !ok || i <= 0 || i == len(rest)-1 {
				return nil, errScopeInvalid.withMessage("invalid scope " + strconv.Quote(truncate(sc, 200)) + ": want repository:<name>:<actions>")
			}
			if typ != "repository" {
				continue
			}
			name, actions := rest[:i], strings.Split(rest[i+1:], ",")
			if !validName(name) {
				return nil, errNameInvalid.withMessage("invalid repository name " + strconv.Quote(truncate(name, 200)) + " in scope")
			}
			// Every string kept is a constant or a copy: a substring of
			// the query would keep the whole request line (up to 1 MB)
			// alive in the token cache, which counts only its length.
			var kept []string
			for _, a := range actions {
				if known := scopeAction(a); known != "" {
					kept = append(kept, known)
				}
			}
			if len(kept) == 0 {
				continue
			}
			j, seen := index[name]
			if !seen {
				if len(out) == MaxTokenScopes {
					return nil, errScopeInvalid.withMessage("too many scopes: more than " + strconv.Itoa(MaxTokenScopes) +
						" repositories in one token request (fakeghcr's limit); ask for the repositories this client uses")
				}
				name = strings.Clone(name)
				index[name] = len(out)
				out = append(out, grant{Type: "repository", Name: name})
				j = len(out) - 1
			}
			for _, a := range kept {
				if !slices.Contains(out[j].Actions, a) { // at most 4 actions
					out[j].Actions = append(out[j].Actions, a)
				}
			}
		}
	}
	return out, nil
}

// truncate shortens s to at most n bytes for a message, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func (s *Server) settingsAnonymousStatus() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.settings.AnonymousPrivateTokenStatus
}
