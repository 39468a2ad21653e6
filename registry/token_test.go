package registry_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
)

// readPaths are the reads of private package acme/api a token is tried on.
var readPaths = []struct{ method, path string }{
	{"GET", "/v2/acme/api/manifests/latest"},
	{"HEAD", "/v2/acme/api/manifests/latest"},
	{"GET", "/v2/acme/api/tags/list"},
}

// TestTokenScopes: repeated scope parameters and space-joined scopes
// (containerd, BuildKit) each grant the token its repositories, and only
// those.
func TestTokenScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		secret   string
		scopes   []string
		covered  []string // packages the token reads
		outside  []string // packages it is challenged on
		tokenErr int      // non-zero: /token's status
	}{
		{name: "one scope", secret: secretAlice, scopes: []string{"repository:acme/api:pull"},
			covered: []string{"acme/api"}, outside: []string{"acme/public"}},
		{name: "two scope parameters", secret: secretAlice, scopes: []string{"repository:acme/api:pull", "repository:acme/public:pull,push"},
			covered: []string{"acme/api", "acme/public"}},
		{name: "space-joined scopes", secret: secretAlice, scopes: []string{url.QueryEscape("repository:acme/api:pull repository:acme/public:pull")},
			covered: []string{"acme/api", "acme/public"}},
		{name: "same repository twice", secret: secretAlice, scopes: []string{"repository:acme/api:pull", "repository:acme/api:push"},
			covered: []string{"acme/api"}, outside: []string{"acme/public"}},
		{name: "other scope types are ignored", secret: secretAlice, scopes: []string{url.QueryEscape("registry:catalog:* repository:acme/api:pull")},
			covered: []string{"acme/api"}},
		{name: "no scope (docker login)", secret: secretAlice, outside: []string{"acme/api"}},
		{name: "unknown actions grant nothing", secret: secretAlice, scopes: []string{"repository:acme/api:bogus"}, outside: []string{"acme/api"}},
		{name: "anonymous, two public scopes", scopes: []string{url.QueryEscape("repository:acme/public:pull repository:acme/public:pull")}},
		{name: "anonymous, one private scope among public ones", scopes: []string{"repository:acme/public:pull", "repository:acme/api:pull"},
			tokenErr: 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := start(t, testWorld(), registry.Options{})
			if tc.tokenErr != 0 {
				q := "/token?service=ghcr.io"
				for _, s := range tc.scopes {
					q += "&scope=" + s
				}
				checkError(t, f.do(t, "GET", q, nil), 401, "UNAUTHORIZED", msgAuthRequired)
				return
			}
			tok := f.token(t, tc.secret, tc.scopes...)
			for _, pkg := range tc.covered {
				if r := f.do(t, "GET", "/v2/"+pkg+"/manifests/latest", nil, "Authorization", bearer(tok)); r.Status != 200 {
					t.Errorf("%s: status %d, want 200 (body %s)", pkg, r.Status, r.Body)
				}
			}
			for _, pkg := range tc.outside {
				r := f.do(t, "GET", "/v2/"+pkg+"/manifests/latest", nil, "Authorization", bearer(tok))
				checkError(t, r, 401, "UNAUTHORIZED", msgAuthRequired)
				if got, want := r.Header.Get("WWW-Authenticate"), f.challenge(pkg); got != want {
					t.Errorf("%s: WWW-Authenticate %q, want %q", pkg, got, want)
				}
			}
		})
	}
}

// TestTokenMalformedScopes: a malformed scope is a 4xx in the registry's
// error envelope, never a token and never a 500.
func TestTokenMalformedScopes(t *testing.T) {
	t.Parallel()
	scopes := []string{
		"repository:acme", "repository::pull", "repository:ACME/x:pull", "garbage",
		"repository:acme/api:", "repository:/x:pull", "repository:acme/x/:pull",
		"repository:acme:pull", "repository:" + strings.Repeat("a", 250) + "/" + strings.Repeat("b", 10) + ":pull",
		url.QueryEscape("repository:acme/public:pull garbage"),
	}
	f := start(t, testWorld(), registry.Options{})
	for _, sc := range scopes {
		for _, secret := range []string{"", secretAlice} {
			t.Run(sc+"/"+map[bool]string{true: "anonymous", false: "alice"}[secret == ""], func(t *testing.T) {
				t.Parallel()
				var hdr []string
				if secret != "" {
					hdr = []string{"Authorization", basicHeader("alice", secret)}
				}
				r := f.do(t, "GET", "/token?service=ghcr.io&scope="+sc, nil, hdr...)
				if r.Status < 400 || r.Status > 499 {
					t.Fatalf("status %d, want 4xx (body %s)", r.Status, r.Body)
				}
				var body struct {
					Errors []struct{ Code, Message string }
				}
				if err := json.Unmarshal(r.Body, &body); err != nil || len(body.Errors) != 1 || body.Errors[0].Code == "" ||
					!strings.HasSuffix(string(r.Body), "}]}\n") || r.Header.Get("Content-Type") != "application/json" {
					t.Errorf("body %q (Content-Type %q): want the registry's JSON error envelope", r.Body, r.Header.Get("Content-Type"))
				}
			})
		}
	}
}

// forgedClaims are the claims of a genuine token for alice on acme/api,
// so that only the signature or the algorithm is wrong.
func forgedClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": "fakeghcr", "aud": []string{"ghcr.io"}, "sub": "alice", "credential": "alice",
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
		"access": []map[string]any{{"type": "repository", "name": "acme/api", "actions": []string{"pull", "push"}}},
	}
}

func sign(t *testing.T, m jwt.SigningMethod, key any) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, forgedClaims(time.Now())).SignedString(key)
	if err != nil {
		t.Fatalf("signing with %s: %v", m.Alg(), err)
	}
	return s
}

// TestForgedTokens: no bearer that fakeghcr did not mint, for a credential
// that is still valid, reads a private package; each is GHCR's 401
// "unauthenticated" with a challenge (spec §10 Q7), never a 2xx or a 500.
func TestForgedTokens(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	other := start(t, testWorld(), registry.Options{})
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	genuine := f.token(t, secretAlice, "repository:acme/api:pull")
	bobs := f.token(t, secretBob, "repository:acme/api:pull")
	hdr, payload, _ := strings.Cut(genuine, ".")
	payload, _, _ = strings.Cut(payload, ".")
	_, _, bobSig := cut3(bobs)
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, forgedClaims(time.Now())).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	forged := map[string]string{
		"garbage":                             "garbage",
		"three dots":                          "a.b.c",
		"empty parts":                         "..",
		"alg none":                            none,
		"alg none, signature dropped":         hdr + "." + payload + ".",
		"header swapped to none":              b64url(`{"alg":"none","typ":"JWT"}`) + "." + payload + ".",
		"HS256 with another key":              sign(t, jwt.SigningMethodHS256, []byte("another key, 32 bytes long......")),
		"HS512 with another key":              sign(t, jwt.SigningMethodHS512, []byte("another key")),
		"RS256 (algorithm confusion)":         sign(t, jwt.SigningMethodRS256, rsaKey),
		"ES256 (algorithm confusion)":         sign(t, jwt.SigningMethodES256, ecKey),
		"minted by another registry.New":      other.token(t, secretAlice, "repository:acme/api:pull"),
		"alice's claims with bob's signature": hdr + "." + payload + "." + bobSig,
		"genuine token with a trailing dot":   genuine + ".",
	}
	for name, tok := range forged {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, p := range readPaths {
				r := f.do(t, p.method, p.path, nil, "Authorization", bearer(tok))
				if r.Status < 300 || r.Status >= 500 {
					t.Fatalf("%s %s: status %d (body %s)", p.method, p.path, r.Status, r.Body)
				}
				if r.Status != 401 || r.Header.Get("WWW-Authenticate") != f.challenge("acme/api") {
					t.Errorf("%s %s: %d, WWW-Authenticate %q; want 401 with challenge", p.method, p.path, r.Status, r.Header.Get("WWW-Authenticate"))
				}
				if p.method == "GET" && string(r.Body) != ghcrBody("UNAUTHORIZED", msgUnauthenticated) {
					t.Errorf("%s %s: body %q, want unauthenticated", p.method, p.path, r.Body)
				}
			}
		})
	}
	t.Run("the genuine token reads", func(t *testing.T) {
		t.Parallel()
		for _, p := range readPaths {
			if r := f.do(t, p.method, p.path, nil, "Authorization", bearer(genuine)); r.Status != 200 {
				t.Errorf("%s %s: status %d (body %s)", p.method, p.path, r.Status, r.Body)
			}
		}
	})
}

func cut3(s string) (a, b, c string) {
	a, rest, _ := strings.Cut(s, ".")
	b, c, _ = strings.Cut(rest, ".")
	return a, b, c
}

func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// clock is a controllable registry.Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestTokenExpiry: with TokenTTL one minute, a token read works at once
// and is 401 "unauthenticated" two minutes later (spec §10 Q7).
func TestTokenExpiry(t *testing.T) {
	t.Parallel()
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	f := start(t, testWorld(), registry.Options{Now: c.Now, TokenTTL: time.Minute})
	tok := f.token(t, secretAlice, "repository:acme/api:pull")
	if r := f.do(t, "GET", "/v2/acme/api/manifests/latest", nil, "Authorization", bearer(tok)); r.Status != 200 {
		t.Fatalf("fresh token: status %d (body %s)", r.Status, r.Body)
	}
	c.Advance(59 * time.Second)
	if r := f.do(t, "GET", "/v2/acme/api/manifests/latest", nil, "Authorization", bearer(tok)); r.Status != 200 {
		t.Fatalf("token 59 s old: status %d (body %s)", r.Status, r.Body)
	}
	c.Advance(2 * time.Minute)
	r := f.do(t, "GET", "/v2/acme/api/manifests/latest", nil, "Authorization", bearer(tok))
	checkError(t, r, 401, "UNAUTHORIZED", msgUnauthenticated)
	if got := r.Header.Get("WWW-Authenticate"); got != f.challenge("acme/api") || strings.Contains(got, "error=") {
		t.Errorf("WWW-Authenticate %q, want %q (no error= parameter, §10 Q7)", got, f.challenge("acme/api"))
	}
	base := f.do(t, "GET", "/v2/", nil, "Authorization", bearer(tok))
	checkError(t, base, 401, "UNAUTHORIZED", msgUnauthenticated)
}

// TestTokenForAnotherPackage: a token minted for acme/public, used on
// acme/api (which alice may read), is challenged for acme/api.
func TestTokenForAnotherPackage(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	tok := f.token(t, secretAlice, "repository:acme/public:pull")
	for _, p := range readPaths {
		r := f.do(t, p.method, p.path, nil, "Authorization", bearer(tok))
		if r.Status != 401 || r.Header.Get("WWW-Authenticate") != f.challenge("acme/api") {
			t.Errorf("%s %s: %d, WWW-Authenticate %q; want 401 with challenge for acme/api", p.method, p.path, r.Status, r.Header.Get("WWW-Authenticate"))
		}
	}
	r := f.do(t, "POST", "/v2/acme/api/blobs/uploads/", nil, "Authorization", bearer(tok))
	checkError(t, r, 401, "UNAUTHORIZED", msgAuthRequired)
}

// TestCredentialRevokedAfterMint: the token of a credential revoked (or
// removed) since is 401 "unauthenticated" on its next request, and the
// credential gets no new token.
func TestCredentialRevokedAfterMint(t *testing.T) {
	t.Parallel()
	for _, op := range []authz.Op{registry.OpRevokeCredential, registry.OpRemoveCredential} {
		t.Run(string(op), func(t *testing.T) {
			t.Parallel()
			f := start(t, testWorld(), registry.Options{})
			tok := f.token(t, secretAlice, "repository:acme/api:pull,push")
			if r := f.do(t, "GET", "/v2/acme/api/manifests/latest", nil, "Authorization", bearer(tok)); r.Status != 200 {
				t.Fatalf("before %s: status %d (body %s)", op, r.Status, r.Body)
			}
			if err := f.srv.Apply(registry.Change{Op: op, Name: "alice"}); err != nil {
				t.Fatal(err)
			}
			r := f.do(t, "GET", "/v2/acme/api/manifests/latest", nil, "Authorization", bearer(tok))
			checkError(t, r, 401, "UNAUTHORIZED", msgUnauthenticated)
			if got := r.Header.Get("WWW-Authenticate"); got != f.challenge("acme/api") {
				t.Errorf("WWW-Authenticate %q", got)
			}
			if got := r.Header.Get("X-Fakeghcr-Reason"); got != string(authz.DenyAnonymousRead) {
				t.Errorf("X-Fakeghcr-Reason %q, want %s", got, authz.DenyAnonymousRead)
			}
			push := f.do(t, "POST", "/v2/acme/api/blobs/uploads/", nil, "Authorization", bearer(tok))
			checkError(t, push, 401, "UNAUTHORIZED", msgUnauthenticated)
			again := f.do(t, "GET", "/token?service=ghcr.io&scope=repository:acme/api:pull", nil,
				"Authorization", basicHeader("alice", secretAlice))
			checkError(t, again, 403, "DENIED", "denied")
		})
	}
}

// TestTokenRevokedDecidedByAuthz: /token with a revoked credential's secret
// is authz.DecideToken's revoked rule (its explanation, and the credential
// named in the record), an unknown secret is the registry's own
// bad_credential; both answer GHCR's 403 DENIED "denied".
func TestTokenRevokedDecidedByAuthz(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	if err := f.srv.Apply(registry.Change{Op: registry.OpRevokeCredential, Name: "alice"}); err != nil {
		t.Fatal(err)
	}
	alice, _ := f.srv.World().Authenticate(secretAlice)
	want := authz.DecideToken(f.srv.World(), authz.Principal{Credential: &alice}, authz.Access{Package: "acme/api", Action: authz.ActionRead})
	for _, tc := range []struct {
		name, secret, principal, explanation string
	}{
		{"revoked", secretAlice, "classic_pat:alice", want.Explanation},
		{"unknown", "ghp_nobody_knows", "anonymous", "The password sent to /token is not a credential GHCR accepts (unknown, expired or revoked)."},
	} {
		r := f.do(t, "GET", "/token?service=ghcr.io&scope=repository:acme/api:pull", nil,
			"Authorization", basicHeader("x", tc.secret))
		checkError(t, r, 403, "DENIED", "denied")
		rec := f.srv.Decisions()[0]
		got := []string{rec.Reason, rec.Principal, rec.Explanation}
		if diff := cmp.Diff([]string{string(authz.DenyBadCredential), tc.principal, tc.explanation}, got); diff != "" {
			t.Errorf("%s: decision record (-want +got):\n%s", tc.name, diff)
		}
	}
}
