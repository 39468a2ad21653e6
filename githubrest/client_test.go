package githubrest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/faults"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// bigWorld is an organization with n packages, every third linked to its
// repository.
func bigWorld(n int) *scenarios.Scenario {
	sc := &scenarios.Scenario{Name: "big", Tags: map[string][]string{}, World: authz.World{
		Owners:       map[string]authz.Owner{"big": {Login: "big", Type: authz.Organization}},
		Repositories: map[string]authz.Repository{"big/app": {Name: "big/app", ID: 42, Visibility: authz.Public, WorkflowPermission: authz.RoleWrite}},
		Packages:     map[string]authz.Package{},
	}}
	for i := range n {
		p := authz.Package{Name: fmt.Sprintf("big/p%03d", i), Visibility: authz.Public}
		if i%3 == 0 {
			p.Repository, p.Visibility = "big/app", authz.Private
		}
		sc.World.Packages[p.Name] = p
	}
	withImporters(sc)
	return sc
}

// TestImportPaginated: 250 packages come in three pages of at most 100,
// all imported, with a progress line per page.
func TestImportPaginated(t *testing.T) {
	t.Parallel()
	hs := serve(t, bigWorld(250))
	var progress []string
	got, err := client(t, hs, importerSecret("big"), nil, &progress).Import(context.Background(), "big", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.World.Packages); n != 250 {
		t.Fatalf("%d packages imported, want 250", n)
	}
	if p := got.World.Packages["big/p249"]; p.Repository != "big/app" || p.RepositoryID != 42 || p.Visibility != authz.Private {
		t.Errorf("big/p249: %+v", p)
	}
	if len(progress) != 3 || !strings.Contains(progress[2], "listed 250 packages of big (page 3)") {
		t.Errorf("progress lines %q", progress)
	}
}

// TestImportUnder429: GHCR's 429, injected by a fault rule on the REST
// path, is sat out (a minute each: it carries no retry-after, and GitHub's
// docs ask for at least a minute) and the import completes.
func TestImportUnder429(t *testing.T) {
	t.Parallel()
	hs := serve(t, bigWorld(120), faults.Rule{Path: "/api/v3/orgs/big/packages*", Status: 429, Times: 2})
	var s noSleep
	var progress []string
	got, err := client(t, hs, importerSecret("big"), &s, &progress).Import(context.Background(), "big", ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.World.Packages) != 120 {
		t.Errorf("%d packages", len(got.World.Packages))
	}
	if len(s.waits) != 2 || s.waits[0] != time.Minute || s.waits[1] != time.Minute {
		t.Errorf("waits %v, want two of 1m", s.waits)
	}
	if len(progress) < 2 || !strings.Contains(progress[0], "rate limited (429)") {
		t.Errorf("progress %q", progress)
	}
}

// TestImportWithoutReadPackages: a token without read:packages gets
// GitHub's 403, which Import returns as ErrScope with GitHub's message.
func TestImportWithoutReadPackages(t *testing.T) {
	t.Parallel()
	sc := bigWorld(3)
	sc.World.Credentials = append(sc.World.Credentials, authz.Credential{Name: "repo-only", Secret: "ghp_repo_only",
		Kind: authz.ClassicPAT, User: "importer", Scopes: []string{"repo"}})
	hs := serve(t, sc)
	_, err := client(t, hs, "ghp_repo_only", nil, nil).Import(context.Background(), "big", ImportOptions{})
	if !errors.Is(err, ErrScope) || !strings.Contains(err.Error(), "You need at least read:packages scope to list packages.") {
		t.Fatalf("err %v, want ErrScope with GitHub's message", err)
	}
	_, err = client(t, hs, "ghp_nobody", nil, nil).Import(context.Background(), "big", ImportOptions{})
	if !errors.Is(err, ErrBadCredentials) {
		t.Errorf("unknown token: %v", err)
	}
}

// TestRateLimitHeaders: the client waits as GitHub's headers say:
// retry-after on a 403 secondary limit, x-ratelimit-reset on an exhausted
// primary limit (before the next request when a success says it is used
// up), and gives up with ErrRateLimited when the wait is too long. A
// next-page link to another host is not followed.
func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	calls := 0
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		switch {
		case r.URL.Path == "/orgs/far/packages":
			w.Header().Set("Link", `<https://elsewhere.example/orgs/far/packages?page=2>; rel="next"`)
			fmt.Fprint(w, `[]`)
		case r.URL.Path == "/orgs/long/packages":
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(time.Hour).Unix(), 10))
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"message":"API rate limit exceeded"}`)
		case calls == 1:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"message":"You have exceeded a secondary rate limit."}`)
		case calls == 2:
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(90*time.Second).Unix(), 10))
			w.Header().Set("Link", `</orgs/acme/packages?page=2>; rel="next"`)
			fmt.Fprint(w, `[{"name":"a","package_type":"container","visibility":"public"}]`)
		default:
			fmt.Fprint(w, `[{"name":"b","package_type":"container","visibility":"public"}]`)
		}
	}))
	t.Cleanup(hs.Close)
	var s noSleep
	c, err := New(Options{BaseURL: hs.URL, HTTPClient: hs.Client(), Sleep: s.sleep, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	pkgs, org, err := c.ListPackages(context.Background(), "acme")
	if err != nil || !org || len(pkgs) != 2 {
		t.Fatalf("%v %v %v", pkgs, org, err)
	}
	if len(s.waits) != 2 || s.waits[0] != 7*time.Second || s.waits[1] != 90*time.Second {
		t.Errorf("waits %v, want [7s 1m30s]", s.waits)
	}
	if _, _, err := c.ListPackages(context.Background(), "far"); err == nil || !strings.Contains(err.Error(), "not followed") {
		t.Errorf("a next link to another host: %v", err)
	}
	if _, _, err := c.ListPackages(context.Background(), "long"); !errors.Is(err, ErrRateLimited) {
		t.Errorf("an hour's wait: %v, want ErrRateLimited", err)
	}
	if _, err := New(Options{BaseURL: "ftp://x"}); err == nil {
		t.Error("an ftp API URL was accepted")
	}
}
