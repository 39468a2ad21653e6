package restapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-github/v84/github"

	"github.com/fakeghcr/fakeghcr/authz"
)

// TestGoGitHubRepository reads a repository and its default workflow
// permissions with go-github, as `fakeghcr world import` does, and checks
// who may: a repo-scoped PAT of the organization's owner sees both, a PAT
// without repo sees nothing of a private repository, the repository's own
// GITHUB_TOKEN sees the repository but not its admin settings.
func TestGoGitHubRepository(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if err := f.worlds.UpdateWorld(func(w *authz.World) error {
		w.Credentials = append(w.Credentials, authz.Credential{Name: "bob-repo", Secret: "ghp_bob-repo", Kind: authz.ClassicPAT, User: "bob", Scopes: []string{"repo"}})
		w.Repositories["acme/site"] = authz.Repository{Name: "acme/site", Visibility: authz.Public, WorkflowPermission: authz.RoleWrite}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	owner := f.client(t, "ghp_alice-noscope") // scopes: repo
	repo, _, err := owner.Repositories.Get(ctx, "acme", "api")
	if err != nil {
		t.Fatal(err)
	}
	if repo.GetID() != 11 || repo.GetFullName() != "acme/api" || repo.GetName() != "api" || !repo.GetPrivate() ||
		repo.GetVisibility() != "private" || repo.GetOwner().GetType() != "Organization" || repo.GetOwner().GetLogin() != "acme" ||
		repo.GetHTMLURL() != "https://github.com/acme/api" || repo.GetDefaultBranch() != "main" || repo.GetNodeID() == "" {
		t.Errorf("repository: %+v", repo)
	}
	if got, want := repo.GetURL(), f.srv.URL+"/api/v3/repos/acme/api"; got != want {
		t.Errorf("url %s, want %s", got, want)
	}
	perm, _, err := owner.Repositories.GetDefaultWorkflowPermissions(ctx, "acme", "api")
	if err != nil {
		t.Fatal(err)
	}
	if perm.GetDefaultWorkflowPermissions() != "read" || perm.CanApprovePullRequestReviews == nil || perm.GetCanApprovePullRequestReviews() {
		t.Errorf("workflow permissions %+v", perm)
	}
	perm, _, err = owner.Repositories.GetDefaultWorkflowPermissions(ctx, "acme", "site")
	if err != nil || perm.GetDefaultWorkflowPermissions() != "write" {
		t.Errorf("acme/site workflow permissions %+v, %v", perm, err)
	}

	// A public repository without an id gets a stable made-up one.
	anon, err := github.NewClient(f.srv.Client()).WithEnterpriseURLs(f.srv.URL, f.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	site, _, err := anon.Repositories.Get(ctx, "acme", "site")
	if err != nil || site.GetID() == 0 || site.GetPrivate() || site.GetVisibility() != "public" {
		t.Fatalf("public repository, anonymous: %+v, %v", site, err)
	}
	again, _, _ := anon.Repositories.Get(ctx, "acme", "site")
	if again.GetID() != site.GetID() {
		t.Errorf("id changed between calls: %d, %d", site.GetID(), again.GetID())
	}

	refused := []struct {
		name, secret, repo string
		workflow           bool
		status             int
		message            string
	}{
		{"anonymous, private", "", "api", false, 404, "Not Found"},
		{"no repo scope", "ghp_bob", "api", false, 404, "Not Found"},
		{"unknown repository", "ghp_alice-noscope", "nope", false, 404, "Not Found"},
		{"anonymous, public, admin endpoint", "", "site", true, 401, msgRequiresAuth},
		{"no admin role", "ghp_bob-repo", "site", true, 403, msgAdminRights},
		{"GITHUB_TOKEN, admin endpoint", "ghs_wf", "api", true, 403, msgNotAccessibleIntegration},
		{"fine-grained PAT, private", "github_pat_fg", "api", false, 404, "Not Found"},
		{"bad token", "ghp_nobody", "api", false, 401, "Bad credentials"},
	}
	for _, c := range refused {
		gh := anon
		if c.secret != "" {
			gh = f.client(t, c.secret)
		}
		var err error
		if c.workflow {
			_, _, err = gh.Repositories.GetDefaultWorkflowPermissions(ctx, "acme", c.repo)
		} else {
			_, _, err = gh.Repositories.Get(ctx, "acme", c.repo)
		}
		var e *github.ErrorResponse
		if !errors.As(err, &e) || e.Response.StatusCode != c.status || e.Message != c.message {
			t.Errorf("%s: %v, want %d %q", c.name, err, c.status, c.message)
		}
	}
	// Any caller reads an account's type.
	if u, _, err := anon.Users.Get(ctx, "acme"); err != nil || u.GetType() != "Organization" || u.GetLogin() != "acme" {
		t.Errorf("GET /users/acme: %+v, %v", u, err)
	}
	if u, _, err := anon.Users.Get(ctx, "carol"); err != nil || u.GetType() != "User" {
		t.Errorf("GET /users/carol: %+v, %v", u, err)
	}
	if _, _, err := anon.Users.Get(ctx, "nobody"); err == nil {
		t.Error("GET /users/nobody: found")
	}
	// The repository's own GITHUB_TOKEN reads its repository.
	if r, _, err := f.client(t, "ghs_wf").Repositories.Get(ctx, "acme", "api"); err != nil || r.GetID() != 11 {
		t.Errorf("GITHUB_TOKEN reading its repository: %v", err)
	}
}

// TestListingCarriesRepositoryAndOwnerType: the owner's packages listing,
// read with go-github, names each linked package's repository (with the
// id the link was made with) and the owner's type.
func TestListingCarriesRepositoryAndOwnerType(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pkgs, _, err := f.client(t, "ghp_alice").Organizations.ListPackages(context.Background(), "acme",
		&github.PackageListOptions{PackageType: github.Ptr("container")})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]*github.Package{}
	for _, p := range pkgs {
		seen[p.GetName()] = p
	}
	api, web := seen["api"], seen["web/api"]
	if api == nil || web == nil {
		t.Fatalf("listing %v", seen)
	}
	if api.GetOwner().GetType() != "Organization" || api.GetRepository().GetFullName() != "acme/api" || api.GetRepository().GetID() != 11 {
		t.Errorf("api: owner %+v repository %+v", api.GetOwner(), api.GetRepository())
	}
	if web.Repository != nil {
		t.Errorf("web/api is not linked, got repository %+v", web.Repository)
	}
}

// TestUnmodeledCall: any call fakeghcr does not model answers GitHub's 404
// body at once and logs a line naming the path.
func TestUnmodeledCall(t *testing.T) {
	t.Parallel()
	var logBuf bytes.Buffer
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	svc, err := New(Options{Content: newMemContent(), Worlds: &memWorlds{w: testWorld()},
		Log: slog.New(slog.NewTextHandler(lockedWriter{&logBuf, mu}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	for _, path := range []string{"/api/v3/repos/acme/api/branches", "/api/v3/user", "/api/v3/repos/acme/api/actions/permissions"} {
		resp, err := srv.Client().Get(srv.URL + path) // not http.DefaultClient: a parallel test closing a server cuts its connections
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := `{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}`
		if resp.StatusCode != 404 || string(body) != want || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
		<-mu
		logged := logBuf.String()
		mu <- struct{}{}
		if !strings.Contains(logged, "path="+path) || !strings.Contains(logged, "not modeled") {
			t.Errorf("%s: no log line naming it in %q", path, logged)
		}
	}
}

// lockedWriter serializes writes to a buffer shared with the test.
type lockedWriter struct {
	buf *bytes.Buffer
	mu  chan struct{}
}

func (w lockedWriter) Write(p []byte) (int, error) {
	<-w.mu
	defer func() { w.mu <- struct{}{} }()
	return w.buf.Write(p)
}
