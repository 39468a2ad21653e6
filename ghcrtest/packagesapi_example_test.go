package ghcrtest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-github/v84/github"

	"github.com/fakeghcr/fakeghcr/faults"
	"github.com/fakeghcr/fakeghcr/ghcrtest"
)

// A retention job's calls, with go-github against the fixture's packages
// REST API: list a package's versions, then try to delete one with a token
// that lacks delete:packages.
func ExampleServer_APIURL() {
	t := &exampleT{}
	defer t.done()
	ctx := context.Background()

	srv := ghcrtest.New(t)
	gh, err := github.NewClient(srv.APIClient("alice")).WithEnterpriseURLs(srv.APIURL(), srv.APIURL())
	if err != nil {
		panic(err)
	}
	versions, _, err := gh.Organizations.PackageGetAllVersions(ctx, "acme", "container", "api", nil)
	if err != nil {
		panic(err)
	}
	meta, _ := versions[0].GetMetadata()
	fmt.Println(len(versions), "version, tags", meta.Container.Tags)

	_, err = gh.Organizations.PackageDeleteVersion(ctx, "acme", "container", "api", versions[0].GetID())
	var refusal *github.ErrorResponse
	if errors.As(err, &refusal) {
		fmt.Println(refusal.Response.StatusCode, refusal.Message)
	}
	// Output:
	// 1 version, tags [latest]
	// 403 You need at least delete:packages and read:packages scopes to delete a package version.
}

// GHCR's rate limit on every upload: go-containerregistry retries, then
// gives up with GHCR's message.
func ExampleWithFaults() {
	t := &exampleT{}
	defer t.done()

	srv := ghcrtest.New(t, ghcrtest.WithFaults(faults.Rule{Status: 429, Method: "POST"}))
	err := push(srv, srv.Ref("acme/api:v1"), "alice")
	fmt.Println(strings.ReplaceAll(err.Error(), srv.Host(), "HOST"))
	fmt.Println(srv.Faults()[0].Fired > 1)
	// Output:
	// POST http://HOST/v2/acme/api/blobs/uploads/: TOOMANYREQUESTS: retry-after: 1.16676ms, allowed: 44000/minute
	// true
}
