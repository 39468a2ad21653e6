package registry_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// rebindWorld: alice and mallory each own a private package with a tag;
// acme's workflow in acme/app may write acme/app. Tokens are minted for
// the credentials below before each change.
const rebindWorld = `name: rebind
description: rebind
fix: none
owners:
  - {login: alice, type: user}
  - {login: mallory, type: user}
  - {login: bob, type: user}
  - {login: acme, type: organization}
repositories:
  - {name: acme/app, workflow_permission: read}
packages:
  - {name: alice/private, tags: [v1]}
  - {name: mallory/secret, tags: [v1]}
  - name: acme/app
    repository: acme/app
    actions_access: [{repository: acme/app, role: write}]
    tags: [v1]
credentials:
  - {name: alice, secret: ghp_rebind_alice, type: classic_pat, user: alice, scopes: ["write:packages", "read:packages"]}
  - {name: mallory, secret: ghp_rebind_mallory, type: classic_pat, user: mallory, scopes: ["write:packages", "read:packages"]}
  - {name: workflow, secret: ghs_rebind_workflow, type: github_token, repository: acme/app, packages: write}
`

// rebindProbes are the requests each token is tried on: a pull and a push
// start on each package.
var rebindProbes = []struct{ method, pkg string }{
	{http.MethodGet, "alice/private"}, {http.MethodPost, "alice/private"},
	{http.MethodGet, "mallory/secret"}, {http.MethodPost, "mallory/secret"},
	{http.MethodGet, "acme/app"}, {http.MethodPost, "acme/app"},
}

type rebindServer struct {
	srv *registry.Server
	url string
}

func newRebindServer(t *testing.T) rebindServer {
	t.Helper()
	sc, err := scenarios.Parse("rebind.yaml", []byte(rebindWorld))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := registry.New(registry.Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return rebindServer{srv, hs.URL}
}

// token logs in with secret for every probed package; "" if refused.
func (s rebindServer) token(t *testing.T, secret string) string {
	t.Helper()
	u := s.url + "/token?service=ghcr.io"
	for _, p := range rebindProbes {
		u += "&scope=repository:" + p.pkg + ":pull,push"
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("x:"+secret)))
	resp, err := registry.OwnClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	var body struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Token
}

// granted lists the probes token is allowed (2xx); an empty token is
// anonymous.
func (s rebindServer) granted(t *testing.T, token string) []string {
	t.Helper()
	var out []string
	for _, p := range rebindProbes {
		path := "/v2/" + p.pkg + "/manifests/v1"
		if p.method == http.MethodPost {
			path = "/v2/" + p.pkg + "/blobs/uploads/"
		}
		req, _ := http.NewRequest(p.method, s.url+path, nil)
		req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := registry.OwnClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			out = append(out, p.method+" "+p.pkg)
		}
	}
	return out
}

var rebindSecrets = map[string]string{"alice": "ghp_rebind_alice", "mallory": "ghp_rebind_mallory", "workflow": "ghs_rebind_workflow"}

// TestTokenMintedBeforeAChangeGrantsNothingItShouldNot: for every admin
// change, a registry token minted before it grants, after it, exactly
// what a token minted after it for the same credential grants, and nothing
// beyond anonymous access once its credential was added, revoked, removed
// or replaced (a nonce bound into the token changes with each). The
// reproduction of the issue is "replace": remove alice, add a credential
// named alice for mallory, and alice's old token must not read mallory's
// private package.
func TestTokenMintedBeforeAChangeGrantsNothingItShouldNot(t *testing.T) {
	t.Parallel()
	tr, fls := true, false
	aliceForMallory := &authz.CredentialSpec{Name: "alice", Secret: "ghp_rebind_mallory2", Type: "classic_pat", User: "mallory", Scopes: []string{"write:packages", "read:packages"}}
	aliceAgain := &authz.CredentialSpec{Name: "alice", Secret: "ghp_rebind_alice", Type: "classic_pat", User: "alice", Scopes: []string{"write:packages", "read:packages"}}
	tests := []struct {
		name    string
		changes []authz.Change
		reset   bool
		// rebound: credentials whose old tokens must grant no more than
		// anonymous access.
		rebound []string
	}{
		{name: string(authz.OpSetActionsAccess), changes: []authz.Change{{Op: authz.OpSetActionsAccess, Package: "acme/app", Repository: "acme/app", Role: "read"}}},
		{name: string(authz.OpRemoveActionsAccess), changes: []authz.Change{{Op: authz.OpRemoveActionsAccess, Package: "acme/app", Repository: "acme/app"}}},
		{name: string(authz.OpSetVisibility), changes: []authz.Change{{Op: authz.OpSetVisibility, Package: "mallory/secret", Visibility: "public"}}},
		{name: string(authz.OpLinkRepository), changes: []authz.Change{{Op: authz.OpLinkRepository, Package: "acme/app", Repository: ""}}},
		{name: string(authz.OpSetInheritAccess), changes: []authz.Change{{Op: authz.OpSetInheritAccess, Package: "acme/app", Inherit: &tr}}},
		{name: string(authz.OpSetUserRole), changes: []authz.Change{{Op: authz.OpSetUserRole, Package: "mallory/secret", User: "alice", Role: "read"}}},
		{name: string(authz.OpRemoveUserRole), changes: []authz.Change{
			{Op: authz.OpSetInheritAccess, Package: "acme/app", Inherit: &fls},
			{Op: authz.OpRemoveUserRole, Package: "alice/private", User: "alice"}}},
		{name: string(authz.OpSetWorkflowPermission), changes: []authz.Change{{Op: authz.OpSetWorkflowPermission, Repository: "acme/app", WorkflowPermission: "write"}}},
		{name: string(authz.OpAddCredential), changes: []authz.Change{{Op: authz.OpAddCredential, Credential: &authz.CredentialSpec{Name: "bob", Secret: "ghp_rebind_bob", Type: "classic_pat", User: "bob", Scopes: []string{"read:packages"}}}}},
		{name: string(authz.OpRevokeCredential), changes: []authz.Change{{Op: authz.OpRevokeCredential, Name: "alice"}}, rebound: []string{"alice"}},
		{name: string(authz.OpRemoveCredential), changes: []authz.Change{{Op: authz.OpRemoveCredential, Name: "workflow"}}, rebound: []string{"workflow"}},
		{name: "replace: alice removed, alice added for mallory", changes: []authz.Change{
			{Op: authz.OpRemoveCredential, Name: "alice"}, {Op: authz.OpAddCredential, Credential: aliceForMallory}}, rebound: []string{"alice"}},
		{name: "remove and add back the same credential", changes: []authz.Change{
			{Op: authz.OpRemoveCredential, Name: "alice"}, {Op: authz.OpAddCredential, Credential: aliceAgain}}, rebound: []string{"alice"}},
		{name: "replace, then reset to the scenario", changes: []authz.Change{
			{Op: authz.OpRemoveCredential, Name: "alice"}, {Op: authz.OpAddCredential, Credential: aliceForMallory}}, reset: true, rebound: []string{"alice"}},
	}
	covered := map[authz.Op]bool{}
	for _, tt := range tests {
		for _, c := range tt.changes {
			covered[c.Op] = true
		}
	}
	for _, info := range authz.Ops() {
		if !covered[info.Op] {
			t.Errorf("no case for admin change %s: add one", info.Op)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newRebindServer(t)
			before := map[string]string{}
			for name, secret := range rebindSecrets {
				if before[name] = s.token(t, secret); before[name] == "" {
					t.Fatalf("no token for %s", name)
				}
			}
			// A token minted before a change is checked after the
			// request that used it once: nothing is cached per token.
			for _, tok := range before {
				s.granted(t, tok)
			}
			for _, c := range tt.changes {
				if err := s.srv.Apply(c); err != nil {
					t.Fatalf("Apply(%+v): %v", c, err)
				}
			}
			if tt.reset {
				s.srv.Reset()
			}
			anonymous := s.granted(t, "")
			for name, old := range before {
				got := s.granted(t, old)
				var want []string
				switch {
				case contains(tt.rebound, name):
					want = anonymous
				default:
					want = s.granted(t, s.token(t, rebindSecrets[name]))
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s's token minted before the change grants (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestTokenRebindReproduction is the reproduction, by status: the
// old token reads alice's package before, and mallory's package with 200
// never.
func TestTokenRebindReproduction(t *testing.T) {
	t.Parallel()
	s := newRebindServer(t)
	old := s.token(t, "ghp_rebind_alice")
	if got := s.granted(t, old); !contains(got, "GET alice/private") || contains(got, "GET mallory/secret") {
		t.Fatalf("alice's token before: grants %v", got)
	}
	for _, c := range []authz.Change{{Op: authz.OpRemoveCredential, Name: "alice"},
		{Op: authz.OpAddCredential, Credential: &authz.CredentialSpec{Name: "alice", Secret: "ghp_other", Type: "classic_pat", User: "mallory", Scopes: []string{"read:packages"}}}} {
		if err := s.srv.Apply(c); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.granted(t, old); len(got) != 0 {
		t.Errorf("alice's old token after alice was replaced by a credential of mallory's grants %v, want nothing", got)
	}
}
