package ghcrtest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-github/v84/github"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/ghcrtest"
)

// TestPackagesAPIThroughFixture: go-github against the fixture deletes a
// version with a PAT that may, and GitHub's 5,000-downloads rule holds for
// a public package once SetDownloads says so.
func TestPackagesAPIThroughFixture(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := ghcrtest.New(t)
	srv.AddCredential(authz.Credential{Name: "cleaner", Secret: "ghp_cleaner", Kind: authz.ClassicPAT, User: "alice",
		Scopes: []string{"read:packages", "delete:packages"}})
	if err := push(srv, srv.Ref("acme/public:v2"), "alice"); err != nil {
		t.Fatal(err)
	}
	gh, err := github.NewClient(srv.APIClient("cleaner")).WithEnterpriseURLs(srv.APIURL(), srv.APIURL())
	if err != nil {
		t.Fatal(err)
	}
	versions, _, err := gh.Organizations.PackageGetAllVersions(ctx, "acme", "container", "public", nil)
	if err != nil || len(versions) != 2 {
		t.Fatalf("versions %v, %v", versions, err)
	}
	v2 := versions[0] // newest first
	srv.SetDownloads("acme/public", v2.GetName(), 5001)
	_, err = gh.Organizations.PackageDeleteVersion(ctx, "acme", "container", "public", v2.GetID())
	var refusal *github.ErrorResponse
	if !errors.As(err, &refusal) || refusal.Response.StatusCode != http.StatusBadRequest {
		t.Fatalf("deleting a popular public version: %v", err)
	}
	srv.SetVisibility("acme/public", authz.Private)
	if _, err := gh.Organizations.PackageDeleteVersion(ctx, "acme", "container", "public", v2.GetID()); err != nil {
		t.Fatalf("the rule is for public packages only: %v", err)
	}
	if _, err := pullDigest(t, srv, srv.Ref("acme/public:v2"), "alice"); err == nil {
		t.Error("the deleted version still pulls")
	}
}
