package restapi

import (
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/authz"
)

// memContent is an in-memory Content: repo -> digest -> tags.
type memContent struct {
	mu    sync.Mutex
	repos map[string]map[string][]string
}

func newMemContent() *memContent { return &memContent{repos: map[string]map[string][]string{}} }

// put stores a manifest with tags (moving any tag from another manifest).
func (c *memContent) put(repo, digest string, tags ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.repos[repo]
	if r == nil {
		r = map[string][]string{}
		c.repos[repo] = r
	}
	for d, ts := range r {
		r[d] = slices.DeleteFunc(ts, func(t string) bool { return slices.Contains(tags, t) })
	}
	r[digest] = append(r[digest], tags...)
}

func (c *memContent) has(repo, digest string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.repos[repo][digest]
	return ok
}

func (c *memContent) tagsOf(repo, digest string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.repos[repo][digest])
}

func (c *memContent) Manifests(repo string) []Manifest {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Manifest
	for _, d := range slices.Sorted(maps.Keys(c.repos[repo])) {
		out = append(out, Manifest{Digest: d, Tags: slices.Clone(c.repos[repo][d])})
	}
	return out
}

var errNoManifest = errors.New("no such manifest")

func (c *memContent) RemoveManifest(repo, digest string) (Removed, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tags, ok := c.repos[repo][digest]
	if !ok {
		return Removed{}, errNoManifest
	}
	delete(c.repos[repo], digest)
	return Removed{Digest: digest, Tags: tags, Data: "body of " + digest}, nil
}

func (c *memContent) RestoreManifest(repo string, r Removed) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.Data != "body of "+r.Digest {
		return nil, errors.New("foreign removal")
	}
	if c.repos[repo] == nil {
		c.repos[repo] = map[string][]string{}
	}
	var free []string
	for _, t := range r.Tags {
		taken := false
		for _, ts := range c.repos[repo] {
			taken = taken || slices.Contains(ts, t)
		}
		if !taken {
			free = append(free, t)
		}
	}
	c.repos[repo][r.Digest] = free
	return free, nil
}

// memWorlds is a Worlds over one world value.
type memWorlds struct {
	mu sync.Mutex
	w  authz.World
}

func (m *memWorlds) World() authz.World {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.w.Clone()
}

func (m *memWorlds) UpdateWorld(f func(*authz.World) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	w := m.w.Clone()
	if err := f(&w); err != nil {
		return err
	}
	m.w = w
	return nil
}

// Digests of the test content.
const (
	dV1    = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	dV2    = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	dIndex = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
	dAMD64 = "sha256:4444444444444444444444444444444444444444444444444444444444444444"
	dARM64 = "sha256:5555555555555555555555555555555555555555555555555555555555555555"
	dWeb   = "sha256:6666666666666666666666666666666666666666666666666666666666666666"
	dTool  = "sha256:7777777777777777777777777777777777777777777777777777777777777777"
)

// testWorld: organization acme (alice owns it, bob is a member), user carol.
func testWorld() authz.World {
	pat := func(name, user string, scopes ...string) authz.Credential {
		return authz.Credential{Name: name, Secret: "ghp_" + name, Kind: authz.ClassicPAT, User: user, Scopes: scopes}
	}
	rw := []string{"read:packages", "write:packages", "delete:packages"}
	revoked := pat("revoked", "alice", rw...)
	revoked.Revoked = true
	return authz.World{
		Owners: map[string]authz.Owner{
			"acme":  {Login: "acme", Type: authz.Organization, Members: []authz.Member{{Login: "alice", Owner: true}, {Login: "bob"}, {Login: "dave"}}},
			"carol": {Login: "carol", Type: authz.User},
			"strict": {Login: "strict", Type: authz.Organization, ForbidClassicPAT: true,
				Members: []authz.Member{{Login: "alice", Owner: true}}},
		},
		Repositories: map[string]authz.Repository{
			"acme/api":   {Name: "acme/api", ID: 11, Visibility: authz.Private, WorkflowPermission: authz.RoleRead},
			"acme/other": {Name: "acme/other", ID: 12, Visibility: authz.Private, WorkflowPermission: authz.RoleRead},
		},
		Packages: map[string]authz.Package{
			"acme/api": {Name: "acme/api", Visibility: authz.Private, Repository: "acme/api", RepositoryID: 11,
				ActionsAccess: []authz.RepoGrant{{Repository: "acme/api", Role: authz.RoleAdmin}, {Repository: "acme/other", Role: authz.RoleWrite}},
				Users:         map[string]authz.Role{"dave": authz.RoleAdmin}},
			"acme/web/api": {Name: "acme/web/api", Visibility: authz.Public},
			"carol/tool":   {Name: "carol/tool", Visibility: authz.Private},
			"strict/thing": {Name: "strict/thing", Visibility: authz.Public},
		},
		Credentials: []authz.Credential{
			pat("alice", "alice", rw...),
			pat("alice-read", "alice", "read:packages"),
			pat("alice-noscope", "alice", "repo"),
			pat("bob", "bob", rw...),
			pat("dave", "dave", "read:packages", "delete:packages"),
			pat("carol", "carol", rw...),
			revoked,
			{Name: "fg", Secret: "github_pat_fg", Kind: authz.FineGrainedPAT, User: "alice"},
			{Name: "wf", Secret: "ghs_wf", Kind: authz.GitHubToken, Repository: "acme/api", Packages: authz.RoleWrite},
			{Name: "wf-other", Secret: "ghs_wf_other", Kind: authz.GitHubToken, Repository: "acme/other", Packages: authz.RoleWrite},
			{Name: "wf-read", Secret: "ghs_wf_read", Kind: authz.GitHubToken, Repository: "acme/api", Packages: authz.RoleRead},
			{Name: "app", Secret: "ghs_app", Kind: authz.AppInstallation, App: "bot"},
		},
	}
}

// fixture is a Service over test content, behind httptest.
type fixture struct {
	t       *testing.T
	content *memContent
	worlds  *memWorlds
	svc     *Service
	srv     *httptest.Server
	now     time.Time
	nowMu   sync.Mutex
	log     []Decision
	logMu   sync.Mutex
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, content: newMemContent(), worlds: &memWorlds{w: testWorld()},
		now: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	svc, err := New(Options{Content: f.content, Worlds: f.worlds, Now: f.clock, OnDecision: func(_ *http.Request, d Decision) {
		f.logMu.Lock()
		f.log = append(f.log, d)
		f.logMu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	// acme/api: v1 (tag 1.0), v2 (tags 2.0, latest) pushed a minute apart,
	// then a multi-arch index (tag multi) with two untagged children.
	for _, p := range []struct {
		repo, digest string
		tags         []string
	}{
		{"acme/api", dV1, []string{"1.0"}},
		{"acme/api", dV2, []string{"2.0", "latest"}},
		{"acme/api", dAMD64, nil},
		{"acme/api", dARM64, nil},
		{"acme/api", dIndex, []string{"multi"}},
		{"acme/web/api", dWeb, []string{"latest"}},
		{"carol/tool", dTool, []string{"v1"}},
	} {
		f.push(p.repo, p.digest, p.tags...)
	}
	f.srv = httptest.NewServer(svc)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) clock() time.Time {
	f.nowMu.Lock()
	defer f.nowMu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.nowMu.Lock()
	f.now = f.now.Add(d)
	f.nowMu.Unlock()
}

// push stores a manifest and tells the service, a minute after the last.
func (f *fixture) push(repo, digest string, tags ...string) {
	f.advance(time.Minute)
	f.content.put(repo, digest, tags...)
	f.svc.ObservePush(repo, digest)
}

func (f *fixture) decisions() []Decision {
	f.logMu.Lock()
	defer f.logMu.Unlock()
	return slices.Clone(f.log)
}

type (
	testWorldT = authz.World
	pkgT       = authz.Package
)
