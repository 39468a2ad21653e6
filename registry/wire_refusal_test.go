package registry

import (
	"net/http"
	"testing"

	"github.com/fakeghcr/fakeghcr/authz"
)

// TestWireRefusalsCoverWireReasons: every refusal authz declares as made
// before a decision has GHCR's answer, an explanation and a fix, and none
// is answered by the fallback.
func TestWireRefusalsCoverWireReasons(t *testing.T) {
	t.Parallel()
	fallback, _ := wireRefusal("not_a_wire_reason", "acme/api", "")
	if fallback.Status != http.StatusForbidden {
		t.Fatalf("the fallback answers %d, want a refusal", fallback.Status)
	}
	for _, r := range authz.WireReasons() {
		e, d := wireRefusal(r, "acme/api", "acme/other")
		if e.Message == fallback.Message && e.Status == fallback.Status {
			t.Errorf("%s: answered by the fallback", r)
		}
		if d.Reason != r || d.Allow || d.Explanation == "" || d.Fix == "" {
			t.Errorf("%s: decision %+v, want a denial with reason, explanation and fix", r, d)
		}
		if e.Challenge != (e.Status == http.StatusUnauthorized) || (e.Challenge && e.repo != "acme/api") {
			t.Errorf("%s: status %d challenge %v for %q", r, e.Status, e.Challenge, e.repo)
		}
	}
}
