package restapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v84/github"
)

// client is a go-github client for the fixture, as a user would build one
// for GitHub Enterprise Server's layout.
func (f *fixture) client(t *testing.T, secret string) *github.Client {
	t.Helper()
	c, err := github.NewClient(f.srv.Client()).WithAuthToken(secret).WithEnterpriseURLs(f.srv.URL, f.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type versionRow struct {
	ID   int64
	Name string
	Tags []string
}

func rows(t *testing.T, vs []*github.PackageVersion) []versionRow {
	t.Helper()
	var out []versionRow
	for _, v := range vs {
		m, ok := v.GetMetadata()
		if !ok || m.GetPackageType() != "container" || m.Container == nil {
			t.Fatalf("version %d: metadata %s", v.GetID(), v.GetRawMetadata())
		}
		out = append(out, versionRow{v.GetID(), v.GetName(), m.Container.Tags})
	}
	return out
}

// TestGoGitHubLifecycle lists, deletes and restores versions and a package
// with go-github, the way a retention job does.
func TestGoGitHubLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	gh := f.client(t, "ghp_alice")

	all, _, err := gh.Organizations.PackageGetAllVersions(ctx, "acme", "container", "api", &github.PackageListOptions{State: github.Ptr("active")})
	if err != nil {
		t.Fatal(err)
	}
	// Newest first; an index's children are untagged versions.
	want := []versionRow{
		{100004, dIndex, []string{"multi"}},
		{100003, dARM64, []string{}},
		{100002, dAMD64, []string{}},
		{100001, dV2, []string{"2.0", "latest"}},
		{100000, dV1, []string{"1.0"}},
	}
	if diff := cmp.Diff(want, rows(t, all)); diff != "" {
		t.Fatalf("versions (-want +got):\n%s", diff)
	}
	v := all[4]
	if got, want := v.GetURL(), f.srv.URL+"/api/v3/orgs/acme/packages/container/api/versions/100000"; got != want {
		t.Errorf("url %s, want %s", got, want)
	}
	if got, want := v.GetPackageHTMLURL(), "https://github.com/orgs/acme/packages/container/package/api"; got != want {
		t.Errorf("package_html_url %s, want %s", got, want)
	}
	if got, want := v.GetCreatedAt().UTC().Format("15:04"), "12:01"; got != want {
		t.Errorf("created_at %s, want %s (the push time)", got, want)
	}

	// Delete the untagged amd64 child: gone from the registry and the list.
	if _, err := gh.Organizations.PackageDeleteVersion(ctx, "acme", "container", "api", 100002); err != nil {
		t.Fatal(err)
	}
	if f.content.has("acme/api", dAMD64) {
		t.Fatal("deleted version's manifest is still stored")
	}
	// Deleting v2 removes its tags from the registry too.
	if _, err := gh.Organizations.PackageDeleteVersion(ctx, "acme", "container", "api", 100001); err != nil {
		t.Fatal(err)
	}
	if f.content.has("acme/api", dV2) {
		t.Fatal("v2 still stored")
	}
	deleted, _, err := gh.Organizations.PackageGetAllVersions(ctx, "acme", "container", "api", &github.PackageListOptions{State: github.Ptr("deleted")})
	if err != nil {
		t.Fatal(err)
	}
	if got := rows(t, deleted); len(got) != 2 || deleted[0].DeletedAt == nil {
		t.Fatalf("deleted versions %+v", got)
	}
	// "latest" moves to v1 meanwhile; restoring v2 gives back only "2.0".
	f.push("acme/api", dV1, "latest")
	if _, err := gh.Organizations.PackageRestoreVersion(ctx, "acme", "container", "api", 100001); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"2.0"}, f.content.tagsOf("acme/api", dV2)); diff != "" {
		t.Errorf("restored tags (-want +got):\n%s", diff)
	}
	// After the 30-day window the amd64 child cannot come back.
	f.advance(RestoreWindow + 1)
	_, err = gh.Organizations.PackageRestoreVersion(ctx, "acme", "container", "api", 100002)
	var ge *github.ErrorResponse
	if !errors.As(err, &ge) || ge.Response.StatusCode != http.StatusNotFound || ge.Message != msgVersionNotFound {
		t.Fatalf("restore after 30 days: %v", err)
	}
}

// TestGoGitHubLastTaggedAndPopular: GitHub refuses to delete the only
// tagged version and a public version with more than 5,000 downloads.
func TestGoGitHubLastTaggedAndPopular(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	gh := f.client(t, "ghp_carol")
	_, err := gh.Users.PackageDeleteVersion(ctx, "", "container", "tool", 100006)
	var ge *github.ErrorResponse
	if !errors.As(err, &ge) || ge.Response.StatusCode != 400 || ge.Message != msgLastTagged {
		t.Fatalf("last tagged: %v", err)
	}
	if !f.content.has("carol/tool", dTool) {
		t.Fatal("refused delete removed the manifest")
	}

	alice := f.client(t, "ghp_alice")
	f.push("acme/web/api", dV1, "old")
	f.svc.SetDownloads("acme/web/api", dV1, 5001)
	_, err = alice.Organizations.PackageDeleteVersion(ctx, "acme", "container", "web/api", 100007)
	if !errors.As(err, &ge) || ge.Response.StatusCode != 400 || ge.Message != msgPopular {
		t.Fatalf("popular version: %v", err)
	}
	f.svc.SetDownloads("acme/web/api", dV1, 5000)
	if _, err := alice.Organizations.PackageDeleteVersion(ctx, "acme", "container", "web/api", 100007); err != nil {
		t.Fatalf("5,000 downloads exactly may be deleted: %v", err)
	}
}

// TestGoGitHubPackageDeleteRestore deletes a whole package, sees it gone
// from the world and the registry, and restores it with its settings.
func TestGoGitHubPackageDeleteRestore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	gh := f.client(t, "ghp_alice")
	before, _ := f.worlds.World().Package("acme/api")

	if _, err := gh.Organizations.DeletePackage(ctx, "acme", "container", "api"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.worlds.World().Package("acme/api"); ok {
		t.Fatal("package still in the world")
	}
	if len(f.content.Manifests("acme/api")) != 0 {
		t.Fatal("package content still stored")
	}
	if _, _, err := gh.Organizations.GetPackage(ctx, "acme", "container", "api"); err == nil {
		t.Fatal("deleted package still answered")
	}
	if _, err := gh.Organizations.RestorePackage(ctx, "acme", "container", "api"); err != nil {
		t.Fatal(err)
	}
	after, ok := f.worlds.World().Package("acme/api")
	if !ok {
		t.Fatal("restored package missing")
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("restored settings (-before +after):\n%s", diff)
	}
	p, _, err := gh.Organizations.GetPackage(ctx, "acme", "container", "api")
	if err != nil {
		t.Fatal(err)
	}
	if p.GetVersionCount() != 5 || p.GetVisibility() != "private" || p.GetRepository().GetFullName() != "acme/api" {
		t.Errorf("restored package %v", p)
	}
}

// TestGoGitHubRecreatedNameBlocksRestore: a package pushed anew under a
// deleted package's name keeps the name; the old one cannot come back.
func TestGoGitHubRecreatedNameBlocksRestore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	gh := f.client(t, "ghp_alice")
	if _, err := gh.Organizations.DeletePackage(ctx, "acme", "container", "api"); err != nil {
		t.Fatal(err)
	}
	_ = f.worlds.UpdateWorld(func(w *testWorldT) error {
		w.Packages["acme/api"] = pkgT{Name: "acme/api", Visibility: "private"}
		return nil
	})
	f.push("acme/api", dWeb, "new")
	_, err := gh.Organizations.RestorePackage(ctx, "acme", "container", "api")
	var ge *github.ErrorResponse
	if !errors.As(err, &ge) || ge.Response.StatusCode != http.StatusConflict {
		t.Fatalf("restore over a new package: %v", err)
	}
	vs, _, err := gh.Organizations.PackageGetAllVersions(ctx, "acme", "container", "api", nil)
	if err != nil || len(vs) != 1 || vs[0].GetName() != dWeb {
		t.Fatalf("new package's versions %v, %v", rows(t, vs), err)
	}
}

// TestGoGitHubPagination walks a listing with per_page through its Link
// headers, as go-github's NextPage does.
func TestGoGitHubPagination(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	gh := f.client(t, "ghp_alice")
	opts := &github.PackageListOptions{ListOptions: github.ListOptions{PerPage: 2}}
	var names []string
	pages := 0
	for {
		vs, resp, err := gh.Organizations.PackageGetAllVersions(ctx, "acme", "container", "api", opts)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, v := range vs {
			names = append(names, v.GetName())
		}
		if resp.NextPage == 0 {
			if resp.LastPage != 0 || resp.PrevPage != 2 || resp.FirstPage != 1 {
				t.Errorf("last page links: %+v", resp)
			}
			break
		}
		opts.Page = resp.NextPage
	}
	if pages != 3 || len(names) != 5 || !slices.Contains(names, dAMD64) {
		t.Fatalf("pages %d, names %v", pages, names)
	}
}

// TestGoGitHubListPackages lists an organization's packages the caller may
// read, with the visibility filter, and a user's own via /user.
func TestGoGitHubListPackages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	names := func(ps []*github.Package) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.GetName())
		}
		return out
	}
	list := func(secret, vis string) []string {
		opts := &github.PackageListOptions{PackageType: github.Ptr("container")}
		if vis != "" {
			opts.Visibility = github.Ptr(vis)
		}
		ps, _, err := f.client(t, secret).Organizations.ListPackages(ctx, "acme", opts)
		if err != nil {
			t.Fatal(err)
		}
		return names(ps)
	}
	if diff := cmp.Diff([]string{"api", "web/api"}, list("ghp_alice", "")); diff != "" {
		t.Errorf("owner (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"web/api"}, list("ghp_bob", "")); diff != "" {
		t.Errorf("member without role (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"api"}, list("ghp_alice", "private")); diff != "" {
		t.Errorf("private only (-want +got):\n%s", diff)
	}
	ps, _, err := f.client(t, "ghp_carol").Users.ListPackages(ctx, "", &github.PackageListOptions{PackageType: github.Ptr("container")})
	if err != nil || len(ps) != 1 || ps[0].GetName() != "tool" || ps[0].GetOwner().GetLogin() != "carol" || ps[0].GetVersionCount() != 1 {
		t.Fatalf("carol's packages %v, %v", ps, err)
	}
	p, _, err := f.client(t, "ghp_alice").Organizations.GetPackage(ctx, "acme", "container", "web/api")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.GetURL(), f.srv.URL+"/api/v3/orgs/acme/packages/container/web%2Fapi"; got != want {
		t.Errorf("url %s, want %s", got, want)
	}
}

// TestGoGitHubWorkflowDeletes: a workflow whose repository has Admin in
// the package's Manage Actions access deletes versions with GITHUB_TOKEN.
func TestGoGitHubWorkflowDeletes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.client(t, "ghs_wf").Organizations.PackageDeleteVersion(ctx, "acme", "container", "api", 100003); err != nil {
		t.Fatal(err)
	}
	if f.content.has("acme/api", dARM64) {
		t.Fatal("not deleted")
	}
	last := f.decisions()[len(f.decisions())-1]
	if !last.Allowed || last.Action != "delete" || last.Package != "acme/api" || last.Principal != "github_token:wf" {
		t.Errorf("decision %+v", last)
	}
}
