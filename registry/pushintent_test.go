package registry_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// A HEAD refused during a push is explained as the push: the push's explanation and Write
// fix, not a read fix; a HEAD with a pull token keeps the read's explanation. The bytes on
// the wire are the read's either way: 403 with no body.
func TestRefusedHeadDuringPushIsExplainedAsPush(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Builtin("actions-access-missing")
	if err != nil {
		t.Fatal(err)
	}
	f := startScenario(t, sc, registry.Options{})
	const blob = "/v2/acme/api/blobs/sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		name, scope, path string
		fix, notFix       string
		asPush            bool
	}{
		{"blob HEAD, push token", "repository:acme/api:pull,push", blob, "with role Write", "with role Read", true},
		{"manifest HEAD, push token", "repository:acme/api:push,pull", "/v2/acme/api/manifests/latest", "with role Write", "with role Read", true},
		{"blob HEAD, pull token", "repository:acme/api:pull", blob, "with role Read", "with role Write", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tok := f.token(t, "ghs_api_workflow", tc.scope)
			r := f.do(t, http.MethodHead, tc.path, nil, "Authorization", "Bearer "+tok)
			if r.Status != http.StatusForbidden || len(r.Body) != 0 {
				t.Fatalf("HEAD %s: %d %q, want 403 with no body", tc.path, r.Status, r.Body)
			}
			if got := r.Header.Get("X-Fakeghcr-Reason"); got != "workflow_read_not_granted" {
				t.Errorf("reason %q, want the read's, workflow_read_not_granted", got)
			}
			fix, expl := r.Header.Get("X-Fakeghcr-Fix"), r.Header.Get("X-Fakeghcr-Explanation")
			if !strings.Contains(fix, tc.fix) || strings.Contains(fix, tc.notFix) {
				t.Errorf("fix %q: want %q, not %q", fix, tc.fix, tc.notFix)
			}
			if got := strings.Contains(expl, "step of a push"); got != tc.asPush {
				t.Errorf("explanation %q: explained as a push = %v, want %v", expl, got, tc.asPush)
			}
		})
	}
}
