package webui

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

var versionID = regexp.MustCompile(`name="id" value="([0-9]+)"`)

// TestDeleteAndRestoreThroughREST: versions are listed, deleted and
// restored through the packages REST API as the chosen credential, which
// decides: without delete:packages the deletion is the REST API's refusal.
func TestDeleteAndRestoreThroughREST(t *testing.T) {
	t.Parallel()
	sc := scenarios.Default()
	sc.Tags["acme/api"] = []string{"latest", "v1"} // two versions: the last tagged one cannot be deleted
	h := newHarness(t, sc)
	if err := h.srv.Apply(authz.Change{Op: authz.OpAddCredential, Credential: &authz.CredentialSpec{
		Name: "alice-admin", Secret: "ghp_test_alice_delete", Type: "classic_pat", User: "alice",
		Scopes: []string{"read:packages", "write:packages", "delete:packages"}}}); err != nil {
		t.Fatal(err)
	}
	h.login()
	page := Prefix + "/package?name=acme/api&as=alice"
	_, body, _ := h.get(page)
	m := versionID.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "<code>latest</code>") || !strings.Contains(body, "<code>v1</code>") {
		t.Fatalf("no version listed as alice:\n%s", body)
	}
	if strings.Contains(body, "ghp_demo_alice") || strings.Contains(body, "ghp_test_alice_delete") {
		t.Fatal("the page shows a secret")
	}
	form := func(action, as string) url.Values {
		return url.Values{"csrf": {h.csrf()}, "action": {action}, "package": {"acme/api"}, "id": {m[1]}, "as": {as}, "back": {Prefix + "/package?name=acme/api&as=" + as}}
	}
	status, body := h.post(Prefix+"/rest", form("delete-version", "alice"), nil)
	if status != http.StatusForbidden || !strings.Contains(body, "The packages REST API refused, as alice: 403") {
		t.Errorf("delete without delete:packages: %d %s", status, body)
	}
	status, body = h.post(Prefix+"/rest", form("delete-version", "alice-admin"), nil)
	if status != 200 || !strings.Contains(body, "deleted version "+m[1]) || !strings.Contains(body, "Deleted versions (restorable)") {
		t.Fatalf("delete as alice-admin: %d %s", status, body)
	}
	status, body = h.post(Prefix+"/rest", form("restore-version", "alice-admin"), nil)
	if status != 200 || !strings.Contains(body, "restored version "+m[1]) || !strings.Contains(body, "<code>latest</code>") || !strings.Contains(body, "<code>v1</code>") {
		t.Fatalf("restore: %d %s", status, body)
	}
	status, body = h.post(Prefix+"/rest", form("delete-package", "alice-admin"), nil)
	if status != http.StatusNotFound || !strings.Contains(body, "deleted package acme/api") || !strings.Contains(body, "Restore package") {
		t.Fatalf("delete package: %d %s", status, body)
	}
	if _, ok := h.srv.World().Package("acme/api"); ok {
		t.Fatal("the package is still in the world")
	}
	status, body = h.post(Prefix+"/rest", form("restore-package", "alice-admin"), nil)
	if status != 200 || !strings.Contains(body, "Package settings: acme/api") {
		t.Fatalf("restore package: %d %s", status, body)
	}
	for _, bad := range []url.Values{
		{"action": {"delete-version"}, "package": {"acme/api"}, "id": {"x"}, "as": {"alice"}},
		{"action": {"drop"}, "package": {"acme/api"}, "as": {"alice"}},
		{"action": {"delete-package"}, "package": {"acme/api"}, "as": {"nobody"}},
	} {
		bad.Set("csrf", h.csrf())
		if status, _ := h.post(Prefix+"/rest", bad, nil); status != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", bad, status)
		}
	}
}

// TestPackagePageAddsNoDecision: viewing a package's settings does not call
// the REST API, so the timeline holds only what clients did.
func TestPackagePageAddsNoDecision(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scenarios.Default())
	h.login()
	before := len(h.srv.Decisions())
	if status, body, _ := h.get(Prefix + "/package?name=acme/api"); status != 200 || !strings.Contains(body, "press Show versions") {
		t.Fatalf("package page: %d", status)
	}
	if after := len(h.srv.Decisions()); after != before {
		t.Errorf("viewing the page added %d decisions", after-before)
	}
	h.get(Prefix + "/package?name=acme/api&as=alice")
	if after := len(h.srv.Decisions()); after == before {
		t.Error("listing versions as alice recorded no REST decision")
	}
}
