package e2e

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// cosign v2 with a local key and no transparency log (--tlog-upload=false,
// --insecure-ignore-tlog): entirely offline. GHCR has no referrers API, so cosign stores the
// signature under the tag sha256-<hex>.sig. The seed case: the workflow's GITHUB_TOKEN signs
// an image of acme/api, a package it may not write, and is refused; after the fix the
// signature is pushed and `cosign verify` accepts it.
func TestCosign(t *testing.T) {
	t.Parallel()
	bin := needTool(t, "cosign", installHint+" cosign")
	c := &clientRun{bin: bin}
	c.dir, c.env = clientHome(t)
	c.env = append(c.env, "COSIGN_PASSWORD=", "COSIGN_YES=true", "TUF_ROOT="+filepath.Join(c.dir, "tuf"))
	rep := newClientReport(t, "cosign", cosignVersion(t, c))
	c.srv = startServer(t, "testdata/seed.yaml")
	wantOK(t, runInDir(t, c, c.dir, "generate-key-pair"))
	key, pub := filepath.Join(c.dir, "cosign.key"), filepath.Join(c.dir, "cosign.pub")

	// alice (an org owner) pushes the image to sign; the workflow signs it.
	image := c.srv.Host + "/acme/api:signed"
	pushTestImage(t, image, aliceToken)
	digest := testImage.digest.String()
	byDigest := c.srv.Host + "/acme/api@" + digest
	insecure := []string{"--allow-http-registry", "--allow-insecure-registry"}
	sign := func(t *testing.T) runResult {
		writeDockerAuth(t, c.env, c.srv.Host, "x-access-token", workflowToken)
		return c.run(t, append(append([]string{"sign", "--key", key, "--tlog-upload=false", "--yes"}, insecure...), byDigest)...)
	}
	verify := func(t *testing.T) runResult {
		return c.run(t, append(append([]string{"verify", "--key", pub, "--insecure-ignore-tlog=true"}, insecure...), byDigest)...)
	}

	rep.run(t, "seed_denied", func(t *testing.T) {
		r := sign(t)
		wantFail(t, r, "Error: signing ["+byDigest+"]: signing digest: POST "+c.srv.URL+
			"/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package")
	})
	rep.run(t, "verify_unsigned", func(t *testing.T) {
		r := verify(t)
		wantFail(t, r, "Error: no signatures found")
	})
	rep.run(t, "fixed_sign_and_verify", func(t *testing.T) {
		c.srv.grantWorkflowWrite(t)
		wantOK(t, sign(t))
		wantOK(t, verify(t))
		tags := listTags(t, c.srv.Host+"/acme/api", workflowToken)
		sig := "sha256-" + strings.TrimPrefix(digest, "sha256:") + ".sig"
		if !slices.Contains(tags, sig) {
			t.Errorf("tags of acme/api %q: no %s (the tag-schema fallback)", tags, sig)
		}
	})
}

func cosignVersion(t *testing.T, c *clientRun) string {
	for _, l := range lines(c.run(t, "version").Output()) {
		if v, ok := strings.CutPrefix(l, "GitVersion:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// listTags lists a repository's tags with go-containerregistry.
func listTags(t *testing.T, repo, password string) []string {
	t.Helper()
	r, err := name.NewRepository(repo, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tags, err := remote.List(r, remote.WithContext(ctx), remote.WithAuth(&authn.Basic{Username: "e2e", Password: password}))
	if err != nil {
		t.Fatalf("listing %s: %v", repo, err)
	}
	return tags
}
