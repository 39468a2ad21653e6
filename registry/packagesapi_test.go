package registry_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/faults"
	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

const secretCleaner = "ghp_test_cleaner_0123456789" // alice's PAT with delete:packages

// cleanupWorld is testWorld with a PAT of alice that may delete packages.
func cleanupWorld() authz.World {
	w := testWorld()
	w.Credentials = append(w.Credentials, authz.Credential{Name: "cleaner", Secret: secretCleaner, Kind: authz.ClassicPAT,
		User: "alice", Scopes: []string{"read:packages", "write:packages", "delete:packages"}})
	return w
}

type apiVersion struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Metadata struct {
		PackageType string `json:"package_type"`
		Container   struct {
			Tags []string `json:"tags"`
		} `json:"container"`
	} `json:"metadata"`
}

func (f *fixture) versions(t *testing.T, path string) []apiVersion {
	t.Helper()
	r := f.do(t, http.MethodGet, path, nil, "Authorization", "token "+secretCleaner)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	var vs []apiVersion
	if err := json.Unmarshal(r.Body, &vs); err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestPackagesAPIDeletesFromTheRegistry: a version deleted through
// /api/v3 leaves the registry (pulls get 404 MANIFEST_UNKNOWN); deleting an
// index's untagged child breaks the index's pull of that platform.
func TestPackagesAPIDeletesFromTheRegistry(t *testing.T) {
	t.Parallel()
	f := start(t, cleanupWorld(), registry.Options{})
	idx := pushIndex(t, f, "acme/api:multi")
	vs := f.versions(t, "/api/v3/orgs/acme/packages/container/api/versions")
	if len(vs) != 4 { // the preloaded latest, the index and its two children
		t.Fatalf("versions %+v, want 4", vs)
	}
	im, _ := idx.IndexManifest()
	child := im.Manifests[0].Digest.String()
	var id int64
	for _, v := range vs {
		if v.Name == child {
			id = v.ID
			if len(v.Metadata.Container.Tags) != 0 || v.Metadata.PackageType != "container" {
				t.Errorf("child version %+v", v)
			}
		}
	}
	path := fmt.Sprintf("/api/v3/orgs/acme/packages/container/api/versions/%d", id)
	if r := f.do(t, http.MethodDelete, path, nil, "Authorization", "token "+secretCleaner); r.Status != http.StatusNoContent {
		t.Fatalf("DELETE %s: %d %s", path, r.Status, r.Body)
	}
	tok := f.token(t, secretAlice, "repository:acme/api:pull")
	r := f.do(t, http.MethodGet, "/v2/acme/api/manifests/"+child, nil, "Authorization", bearer(tok))
	checkError(t, r, 404, "MANIFEST_UNKNOWN", "manifest unknown")
	// The index itself is still served, and now names a manifest that is gone.
	ref := f.ref(t, "acme/api:multi")
	got, err := remote.Index(ref, remoteOpts(basic(secretAlice), newRecorder())...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := got.Image(im.Manifests[0].Digest); err == nil || !strings.Contains(err.Error(), "MANIFEST_UNKNOWN") {
		t.Errorf("pulling the deleted child through the index: %v", err)
	}
	// Restore brings it back.
	if r := f.do(t, http.MethodPost, path+"/restore", nil, "Authorization", "token "+secretCleaner); r.Status != http.StatusNoContent {
		t.Fatalf("restore: %d %s", r.Status, r.Body)
	}
	if r := f.do(t, http.MethodGet, "/v2/acme/api/manifests/"+child, nil, "Authorization", bearer(tok)); r.Status != 200 {
		t.Errorf("after restore: %d %s", r.Status, r.Body)
	}
	// The decisions log shows the REST decisions.
	var found bool
	for _, d := range f.srv.Decisions() {
		found = found || d.Path == path && d.Action == "delete" && d.Allowed && d.Principal == "classic_pat:cleaner"
	}
	if !found {
		t.Errorf("no decision recorded for DELETE %s", path)
	}
}

// TestPackagesAPIPackageDeleteAndRecreate: deleting a package removes it
// from the world; the next push creates a new package with fresh settings.
func TestPackagesAPIPackageDeleteAndRecreate(t *testing.T) {
	t.Parallel()
	f := start(t, cleanupWorld(), registry.Options{})
	if err := f.srv.Apply(registry.Change{Op: registry.OpSetVisibility, Package: "acme/api", Visibility: "public"}); err != nil {
		t.Fatal(err)
	}
	if r := f.do(t, http.MethodDelete, "/api/v3/orgs/acme/packages/container/api", nil, "Authorization", "token "+secretCleaner); r.Status != 204 {
		t.Fatalf("delete package: %d %s", r.Status, r.Body)
	}
	if _, ok := f.srv.World().Package("acme/api"); ok {
		t.Fatal("package still in the world")
	}
	if err := f.push(t, secretAlice, "acme/api:v2"); err != nil {
		t.Fatalf("push after delete: %v", err)
	}
	p, ok := f.srv.World().Package("acme/api")
	if !ok || p.Visibility != authz.Private {
		t.Fatalf("recreated package %+v, want a new private one", p)
	}
	r := f.do(t, http.MethodPost, "/api/v3/orgs/acme/packages/container/api/restore", nil, "Authorization", "token "+secretCleaner)
	if r.Status != http.StatusConflict {
		t.Errorf("restore over the new package: %d %s", r.Status, r.Body)
	}
}

// TestPackagesAPIHost: with Host api.github.com the API answers at /, as
// when fakeghcr serves TLS for that name; other hosts get the registry.
func TestPackagesAPIHost(t *testing.T) {
	t.Parallel()
	f := start(t, cleanupWorld(), registry.Options{})
	req, _ := http.NewRequest(http.MethodGet, f.ts.URL+"/orgs/acme/packages/container/api", nil)
	req.Host = "api.github.com"
	req.Header.Set("Authorization", "Bearer "+secretCleaner)
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct {
		Name string `json:"name"`
		URL  string `json:"url"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	if p.Name != "api" || p.URL != "http://api.github.com/orgs/acme/packages/container/api" {
		t.Errorf("package %+v", p)
	}
	if r := f.do(t, http.MethodGet, "/orgs/acme/packages/container/api", nil); r.Status != 404 || !strings.Contains(string(r.Body), "NOT_FOUND") {
		t.Errorf("registry host: %d %s", r.Status, r.Body)
	}
}

// TestFaultsAdminAndDecisions: faults added through the admin API answer
// GHCR's 429, are recorded as fault_injected decisions, never store
// anything, and clear.
func TestFaultsAdminAndDecisions(t *testing.T) {
	t.Parallel()
	f := start(t, cleanupWorld(), registry.Options{AdminToken: "admin"})
	admin := []string{"Authorization", "Bearer admin"}
	add := func(body string) reply {
		return f.do(t, http.MethodPost, "/_fakeghcr/faults", strings.NewReader(body), admin...)
	}
	if r := add(`{"status":404}`); r.Status != 400 || !strings.Contains(string(r.Body), "INVALID_FAULT") {
		t.Errorf("invalid rule: %d %s", r.Status, r.Body)
	}
	if r := add(`{"status":429,"bogus":1}`); r.Status != 400 {
		t.Errorf("unknown field: %d %s", r.Status, r.Body)
	}
	if r := f.do(t, http.MethodPost, "/_fakeghcr/faults", strings.NewReader(`{"status":429}`)); r.Status != 401 {
		t.Errorf("without the admin token: %d", r.Status)
	}
	if r := add(`{"status":429,"path":"/v2/*","times":1}`); r.Status != 200 {
		t.Fatalf("add: %d %s", r.Status, r.Body)
	}
	err := f.push(t, secretAlice, "acme/api:faulted")
	if err != nil {
		t.Fatalf("one 429 should be retried by go-containerregistry: %v", err)
	}
	var rec *registry.Record
	for _, d := range f.srv.Decisions() {
		if d.Reason == faults.Reason {
			rec = &d
			break
		}
	}
	if rec == nil || rec.Status != 429 || rec.Code != "TOOMANYREQUESTS" || rec.Message != "retry-after: 1.16676ms, allowed: 44000/minute" {
		t.Fatalf("fault decision %+v", rec)
	}
	r := f.do(t, http.MethodGet, "/_fakeghcr/faults", nil, admin...)
	var list struct {
		Faults []faults.Status `json:"faults"`
	}
	if err := json.Unmarshal(r.Body, &list); err != nil || len(list.Faults) != 1 || list.Faults[0].Fired != 1 {
		t.Fatalf("list: %s %v", r.Body, err)
	}
	if r := f.do(t, http.MethodDelete, "/_fakeghcr/faults", nil, admin...); r.Status != 200 || len(f.srv.Faults().List()) != 0 {
		t.Errorf("clear: %d %s", r.Status, r.Body)
	}
	if r := f.do(t, http.MethodDelete, "/_fakeghcr/faults/nope", nil, admin...); r.Status != 404 {
		t.Errorf("remove a missing rule: %d", r.Status)
	}
}

// TestFaultLagThroughRegistry: a lag rule hides a fresh manifest from reads
// for its duration, then the same manifest is served: nothing was lost.
func TestFaultLagThroughRegistry(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	f := start(t, cleanupWorld(), registry.Options{Now: clock,
		Faults: []faults.Rule{{Lag: faults.Duration(2 * time.Second), Path: "/v2/*/manifests/*", Method: "GET"}}})
	img := randomImage(t)
	f.mustPush(t, "acme/api:lagged", img)
	d, _ := img.Digest()
	tok := f.token(t, secretAlice, "repository:acme/api:pull")
	r := f.do(t, http.MethodGet, "/v2/acme/api/manifests/"+d.String(), nil, "Authorization", bearer(tok))
	checkError(t, r, 404, "MANIFEST_UNKNOWN", "manifest unknown")
	// HEAD is not selected by this rule's method.
	if r := f.do(t, http.MethodHead, "/v2/acme/api/manifests/lagged", nil, "Authorization", bearer(tok)); r.Status != 200 {
		t.Errorf("HEAD: %d", r.Status)
	}
}

// TestScenarioFaults: a scenario's faults are in force from the start.
func TestScenarioFaults(t *testing.T) {
	t.Parallel()
	sc := &scenarios.Scenario{Name: t.Name(), World: testWorld(), Faults: []faults.Rule{{Status: 503, Path: "/v2/", ID: "down"}}}
	f := startScenario(t, sc, registry.Options{})
	r := f.do(t, http.MethodGet, "/v2/", nil)
	checkError(t, r, 503, "UNAVAILABLE", "service unavailable")
	if got := f.srv.Faults().List(); len(got) != 1 || got[0].ID != "down" || got[0].Fired != 1 {
		t.Errorf("faults %+v", got)
	}
	// An invalid rule is refused at start.
	sc.Faults = []faults.Rule{{Status: 404}}
	if _, err := registry.New(registry.Options{Scenario: sc}); err == nil {
		t.Error("a scenario with an invalid fault started")
	}
}
