package registry_test

import (
	"encoding/json"
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

// A mount from a package the pusher cannot read falls back to an upload; the refused source
// is explained as part of the push, which goes on.
func TestRefusedMountSourceIsExplainedAsPartOfThePush(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Parse("mount.yaml", []byte(`
owners:
  - {login: acme, type: organization, members: [alice], owners: [alice]}
  - {login: alice, type: user}
repositories:
  - {name: acme/api}
packages:
  - {name: acme/secret, visibility: private, tags: [latest]}
  - {name: acme/api, visibility: private, repository: acme/api, inherit_access: true}
credentials:
  - {name: workflow, secret: ghs_w, type: github_token, repository: acme/api, packages: write}
  - {name: alice, secret: ghp_a, type: classic_pat, user: alice, scopes: ["read:packages"]}
`))
	if err != nil {
		t.Fatal(err)
	}
	f := startScenario(t, sc, registry.Options{})
	alice := f.token(t, "ghp_a", "repository:acme/secret:pull")
	m := f.do(t, http.MethodGet, "/v2/acme/secret/manifests/latest", nil, "Authorization", "Bearer "+alice,
		"Accept", "application/vnd.oci.image.manifest.v1+json")
	var manifest struct {
		Layers []struct {
			Digest string `json:"digest"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(m.Body, &manifest); err != nil || len(manifest.Layers) == 0 {
		t.Fatalf("manifest of acme/secret: %d %s (%v)", m.Status, m.Body, err)
	}
	tok := f.token(t, "ghs_w", "repository:acme/api:pull,push")
	r := f.do(t, http.MethodPost, "/v2/acme/api/blobs/uploads/?mount="+manifest.Layers[0].Digest+"&from=acme/secret", nil,
		"Authorization", "Bearer "+tok)
	if r.Status != http.StatusAccepted {
		t.Fatalf("mount from an unreadable source: %d %s, want 202 (an upload session instead)", r.Status, r.Body)
	}
	for _, rec := range f.srv.Decisions() {
		if rec.Repo == "acme/secret" && !rec.Allowed {
			if !strings.Contains(rec.Explanation, "cross-repository mount from acme/secret during a push to acme/api") {
				t.Errorf("explanation %q does not explain the mount as part of the push", rec.Explanation)
			}
			return
		}
	}
	t.Error("no refused decision recorded for the mount source acme/secret")
}
