package registry_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/registry"
)

// TestWireDenialsAreExplained: refusals made before any authz decision (an
// unusable Authorization header, a token for another repository, a token
// that no longer verifies) carry a reason and an explanation too, while the
// body stays GHCR's.
func TestWireDenialsAreExplained(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64 // the clock is read by the server's goroutines
	start0 := time.Now()
	clock := func() time.Time { return start0.Add(time.Duration(offset.Load())) }
	f := start(t, testWorld(), registry.Options{Now: clock, TokenTTL: time.Minute})
	other := f.token(t, secretAlice, "repository:acme/public:pull")
	for _, tc := range []struct {
		name, auth, reason, explains string
	}{
		{"basic on /v2/", basicHeader("alice", secretAlice), "basic_auth_on_registry", "Basic credentials"},
		{"empty bearer", "Bearer ", "empty_bearer", "carries no token"},
		{"token for another repository", bearer(other), "token_scope", "acme/public"},
	} {
		r := f.do(t, "GET", "/v2/acme/api/manifests/latest", nil, "Authorization", tc.auth)
		if got := r.Header.Get("X-Fakeghcr-Reason"); got != tc.reason {
			t.Errorf("%s: X-Fakeghcr-Reason %q, want %q", tc.name, got, tc.reason)
		}
		if got := r.Header.Get("X-Fakeghcr-Explanation"); !strings.Contains(got, tc.explains) {
			t.Errorf("%s: X-Fakeghcr-Explanation %q does not mention %q", tc.name, got, tc.explains)
		}
		if body := string(r.Body); strings.Contains(body, "Fakeghcr") || strings.Contains(body, tc.explains) {
			t.Errorf("%s: the explanation leaked into GHCR's body %s", tc.name, r.Body)
		}
	}

	// A token that expired: the request is anonymous (GHCR's bytes), and
	// the explanation says why.
	tok := f.token(t, secretAlice, "repository:acme/api:pull")
	offset.Store(int64(2 * time.Minute))
	r := f.do(t, "GET", "/v2/acme/api/manifests/latest", nil, "Authorization", bearer(tok))
	checkError(t, r, 401, "UNAUTHORIZED", msgUnauthenticated)
	if got := r.Header.Get("X-Fakeghcr-Explanation"); !strings.Contains(got, "could not be verified") {
		t.Errorf("expired token: X-Fakeghcr-Explanation %q does not say the token could not be verified", got)
	}
}
