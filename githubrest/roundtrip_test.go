package githubrest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/faults"
	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// importerSecret is the token of the user who imports owner: the owner
// itself for a user, an added organization owner for an organization.
func importerSecret(owner string) string { return "ghp_importer_" + owner }

// withImporters adds, for each owner, a classic PAT with read:packages and
// repo that sees everything the owner has, as the owner's admin would
// import it. Organizations' settings the importer cannot see anyway
// (members, the classic-PAT policy) are the only fields it changes.
func withImporters(sc *scenarios.Scenario) {
	w := &sc.World
	w.Owners["importer"] = authz.Owner{Login: "importer", Type: authz.User}
	for login, o := range w.Owners {
		user := login
		if o.Type == authz.Organization {
			o.Members = append(o.Members, authz.Member{Login: "importer", Owner: true})
			o.ForbidClassicPAT = false
			w.Owners[login] = o
			user = "importer"
		}
		w.Credentials = append(w.Credentials, authz.Credential{Name: "importer-" + login, Secret: importerSecret(login),
			Kind: authz.ClassicPAT, User: user, Scopes: []string{"read:packages", "repo"}})
	}
}

// serve runs a fakeghcr server for sc.
func serve(t *testing.T, sc *scenarios.Scenario, rules ...faults.Rule) *httptest.Server {
	t.Helper()
	srv, err := registry.New(registry.Options{Scenario: sc, Faults: rules})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs
}

// noSleep records the waits a client asks for without waiting.
type noSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (n *noSleep) sleep(_ context.Context, d time.Duration) error {
	n.mu.Lock()
	n.waits = append(n.waits, d)
	n.mu.Unlock()
	return nil
}

func client(t *testing.T, hs *httptest.Server, token string, s *noSleep, progress *[]string) *Client {
	t.Helper()
	opts := Options{BaseURL: hs.URL + "/api/v3", Token: token, HTTPClient: hs.Client()}
	if s != nil {
		opts.Sleep = s.sleep
	}
	if progress != nil {
		var mu sync.Mutex
		opts.Progress = func(l string) { mu.Lock(); *progress = append(*progress, l); mu.Unlock() }
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRoundTrip: for every built-in scenario and every owner in it that
// has packages or repositories, world → serve → import gives back the
// owner's type, its packages' visibility and links and its repositories'
// ids, visibility and workflow permissions; what GitHub does not expose
// comes back unknown, and the imported world marshals and parses.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range scenarios.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sc, err := scenarios.Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			withImporters(sc)
			hs := serve(t, sc)
			for login, o := range sc.World.Owners {
				var repos []string
				for full := range sc.World.Repositories {
					if strings.HasPrefix(full, login+"/") {
						repos = append(repos, full)
					}
				}
				owns := len(repos) > 0
				for full := range sc.World.Packages {
					owns = owns || strings.HasPrefix(full, login+"/")
				}
				if !owns {
					continue
				}
				got, err := client(t, hs, importerSecret(login), nil, nil).Import(context.Background(), login, ImportOptions{Repositories: repos})
				if err != nil {
					t.Fatalf("import %s: %v", login, err)
				}
				compare(t, sc.World, got, login, o.Type)
				out, err := scenarios.Marshal(got)
				if err != nil {
					t.Fatalf("import %s: %v", login, err)
				}
				back, err := scenarios.Parse(login+".yaml", out)
				if err != nil || len(back.Unknowns) != len(got.Unknowns) {
					t.Fatalf("import %s: the written world reads back with %v unknowns, %v", login, back, err)
				}
			}
		})
	}
}

func compare(t *testing.T, served authz.World, got *scenarios.Scenario, login string, typ authz.OwnerType) {
	t.Helper()
	if o := got.World.Owners[login]; o.Type != typ {
		t.Errorf("owner %s: type %q, want %q", login, o.Type, typ)
	}
	for full, want := range served.Packages {
		if !strings.HasPrefix(full, login+"/") {
			continue
		}
		p, ok := got.World.Packages[full]
		if !ok {
			t.Errorf("package %s: not imported", full)
			continue
		}
		if vis := cmpOr(want.Visibility, authz.Private); p.Visibility != vis {
			t.Errorf("package %s: visibility %q, want %q", full, p.Visibility, vis)
		}
		wantID := want.RepositoryID
		if r, ok := served.Repositories[want.Repository]; ok && wantID == 0 {
			wantID = r.ID
		}
		if want.Repository != "" && !strings.HasPrefix(want.Repository, login+"/") {
			want.Repository, wantID = "", 0
		}
		if _, exists := served.Repositories[want.Repository]; want.Repository != "" && !exists {
			// A link to a deleted repository: GitHub's API shows no repository.
			want.Repository, wantID = "", 0
		}
		if p.Repository != want.Repository || p.RepositoryID != wantID {
			t.Errorf("package %s: linked to %q (id %d), want %q (id %d)", full, p.Repository, p.RepositoryID, want.Repository, wantID)
		}
		for _, k := range []string{"inherit_access", "actions_access", "users"} {
			if !got.Unknown("packages", full, k) {
				t.Errorf("package %s: %s is not marked unknown", full, k)
			}
		}
	}
	for full := range got.World.Packages {
		if _, ok := served.Packages[full]; !ok {
			t.Errorf("package %s: imported, but not served", full)
		}
	}
	for full, want := range served.Repositories {
		if !strings.HasPrefix(full, login+"/") {
			continue
		}
		r, ok := got.World.Repositories[full]
		if !ok {
			t.Errorf("repository %s: not imported", full)
			continue
		}
		if r.ID != want.ID || r.Visibility != cmpOr(want.Visibility, authz.Private) {
			t.Errorf("repository %s: id %d %s, want %d %s", full, r.ID, r.Visibility, want.ID, want.Visibility)
		}
		if r.WorkflowPermission != cmpOr(want.WorkflowPermission, authz.RoleRead) || got.Unknown("repositories", full, "workflow_permission") {
			t.Errorf("repository %s: workflow permission %q, want %q", full, r.WorkflowPermission, want.WorkflowPermission)
		}
	}
	if typ == authz.Organization && !got.Unknown("owners", login, "members") {
		t.Errorf("owner %s: members not marked unknown", login)
	}
	if slices.ContainsFunc(got.Unknowns, func(u scenarios.Unknown) bool { return u.Section == "packages" && u.Key == "visibility" }) {
		t.Error("a package's visibility was marked unknown")
	}
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// TestAPIHost: the repository endpoints answer for Host api.github.com at
// the root, as the packages API does, so a client whose api.github.com
// resolves to fakeghcr (the sandbox) reads them unchanged.
func TestAPIHost(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Builtin("default")
	if err != nil {
		t.Fatal(err)
	}
	withImporters(sc)
	hs := serve(t, sc)
	tr := hs.Client().Transport
	c, err := New(Options{BaseURL: "http://api.github.com", Token: importerSecret("acme"),
		HTTPClient: &http.Client{Transport: hostTransport{tr, strings.TrimPrefix(hs.URL, "http://")}}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Repository(context.Background(), "acme/api")
	if err != nil || r.FullName != "acme/api" || r.Visibility != "private" {
		t.Fatalf("GET /repos/acme/api with Host api.github.com: %+v, %v", r, err)
	}
	if _, err := c.WorkflowPermissions(context.Background(), "acme/api"); err != nil {
		t.Fatal(err)
	}
}

// hostTransport sends every request to addr, keeping its Host.
type hostTransport struct {
	rt   http.RoundTripper
	addr string
}

func (h hostTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Host = h.addr
	return h.rt.RoundTrip(r)
}
