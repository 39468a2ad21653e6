package registry

import (
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// tokenAudience is the service GHCR names in its challenges; tokens are
// minted for it and checked against it.
const tokenAudience = "ghcr.io"

// grant is one scope a registry token carries, in the docker token format.
type grant struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// tokenClaims are fakeghcr's registry token claims. GHCR's own tokens are
// opaque (spec §1.2); ours are JWTs so that expiry, audience, issuer and
// scope can be checked.
type tokenClaims struct {
	jwt.RegisteredClaims
	// Credential names the credential the token was minted for, and
	// Nonce binds the token to that credential as it was then: the nonce
	// changes whenever the credential is added, revoked, removed or
	// replaced, and the token then authenticates nobody.
	Credential string  `json:"credential"`
	Nonce      string  `json:"nonce"`
	Access     []grant `json:"access"`
}

// covers reports whether the token was minted for repo. Only the
// repository is checked, not the actions: GHCR issues a token to any valid
// credential and authorizes each request by the credential's identity on
// /v2/ [T11], and its challenges name ":pull" even where a push follows
// (spec §10 Q4), so clients that follow the challenge (the OCI conformance
// suite does) push with a pull-scoped token.
func (c *tokenClaims) covers(repo string) bool {
	return slices.ContainsFunc(c.Access, func(g grant) bool { return g.Type == "repository" && g.Name == repo })
}

// repositories lists the repositories the token covers, for messages.
func (c *tokenClaims) repositories() string {
	var names []string
	for _, g := range c.Access {
		names = append(names, g.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// tokenIssuer mints and verifies registry tokens with an HMAC key made at
// start: a token from another fakeghcr process never verifies. HS256 keeps
// verification to a couple of microseconds per request.
type tokenIssuer struct {
	key    []byte
	issuer string
	ttl    time.Duration
	now    func() time.Time

	// issued remembers the tokens minted here, so that verifying one is a
	// map lookup and an expiry check instead of a parse (the parse was
	// most of a small request's cost). A token not found is parsed.
	mu          sync.RWMutex
	issued      map[string]*tokenClaims
	issuedBytes int // what issued holds, as counted by tokenBytes
}

// maxIssued and maxIssuedBytes bound the remembered tokens; past either,
// expired ones are swept and, if that is not enough, new tokens are
// verified by parsing.
const (
	maxIssued      = 10000
	maxIssuedBytes = 16 << 20
)

// tokenBytes is about what remembering raw costs: the token and its
// claims (their strings and slice headers).
func tokenBytes(raw string, c *tokenClaims) int {
	n := 2*len(raw) + 256 + len(c.Credential) + len(c.Nonce) + len(c.Subject)
	for _, g := range c.Access {
		n += 64 + len(g.Type) + len(g.Name)
		for _, a := range g.Actions {
			n += 16 + len(a)
		}
	}
	return n
}

func newTokenIssuer(issuer string, ttl time.Duration, now func() time.Time) (*tokenIssuer, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generating token signing key: %w", err)
	}
	return &tokenIssuer{key: key, issuer: issuer, ttl: ttl, now: now, issued: map[string]*tokenClaims{}}, nil
}

func (t *tokenIssuer) mint(credential, nonce string, access []grant) (string, error) {
	now := t.now()
	claims := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Audience:  jwt.ClaimStrings{tokenAudience},
			Subject:   credential,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
		},
		Credential: credential,
		Nonce:      nonce,
		Access:     access,
	}
	raw, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.key)
	if err != nil {
		return "", err
	}
	t.remember(raw, &claims, now)
	return raw, nil
}

func (t *tokenIssuer) remember(raw string, claims *tokenClaims, now time.Time) {
	size := tokenBytes(raw, claims)
	t.mu.Lock()
	defer t.mu.Unlock()
	full := func() bool { return len(t.issued) >= maxIssued || t.issuedBytes+size > maxIssuedBytes }
	if full() {
		for k, c := range t.issued {
			if !now.Before(c.ExpiresAt.Time) {
				delete(t.issued, k)
				t.issuedBytes -= tokenBytes(k, c)
			}
		}
	}
	if !full() {
		t.issued[raw] = claims
		t.issuedBytes += size
	}
}

var errTokenInvalid = errors.New("registry token invalid")

// verify checks signature (HS256 only: "none" and algorithm confusion
// fail), issuer, audience and expiry.
func (t *tokenIssuer) verify(raw string) (*tokenClaims, error) { return t.verifyAt(raw, t.now()) }

// verifyAt is verify at time now (read once by the caller, which records
// the request at that time too).
func (t *tokenIssuer) verifyAt(raw string, now time.Time) (*tokenClaims, error) {
	t.mu.RLock()
	known, ok := t.issued[raw]
	t.mu.RUnlock()
	if ok {
		if !now.Before(known.ExpiresAt.Time) {
			return nil, fmt.Errorf("%w: token is expired", errTokenInvalid)
		}
		return known, nil
	}
	var claims tokenClaims
	_, err := jwt.ParseWithClaims(raw, &claims,
		func(*jwt.Token) (any, error) { return t.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(t.issuer),
		jwt.WithAudience(tokenAudience),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errTokenInvalid, err)
	}
	return &claims, nil
}
