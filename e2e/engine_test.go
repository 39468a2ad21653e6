package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDockerEngine drives the Docker engine itself (dockerd does the registry calls, as on a
// GitHub runner): docker login, docker build of a FROM scratch image (nothing is pulled from any
// registry), docker push refused with GHCR's seed-case text, the fix through the admin API, the
// push again, and docker pull of what was pushed. 127.0.0.0/8 is an insecure registry by
// default, so the engine talks plain HTTP to the server without configuration.
//
// It skips whenever `docker info` fails, even with CI=true: an engine cannot be installed by
// .ci/install-clients.sh.
func TestDockerEngine(t *testing.T) {
	t.Parallel()
	bin := needTool(t, "docker", "apt-get install -y docker.io")
	if err := dockerEngine(); err != nil {
		rep := newClientReport(t, "docker-engine", "none")
		rep.run(t, "engine", func(t *testing.T) {
			t.Skipf("no Docker engine (skipped even in CI): %v", err)
		})
		return
	}
	c := &clientRun{bin: bin}
	c.dir, c.env = clientHome(t)
	rep := newClientReport(t, "docker-engine", firstLine(c.run(t, "version", "--format", "{{.Server.Version}}").Stdout))
	c.srv = startServer(t, "testdata/seed.yaml")
	fresh := func(t *testing.T) *clientRun {
		e := &clientRun{bin: c.bin, srv: c.srv}
		e.dir, e.env = clientHome(t)
		return e
	}

	// Unique per run, so that parallel runs on one engine never share an image.
	local := "fakeghcr-e2e-engine:" + randomHex(t, 6)
	ref := c.srv.Host + "/acme/api:seed"
	t.Cleanup(func() {
		// Best effort: the images may already be gone.
		c.run(t, "image", "rm", "--force", local, ref)
	})

	if !rep.run(t, "login", func(t *testing.T) {
		r := c.runStdin(t, workflowToken, "login", "--username", "x-access-token", "--password-stdin", c.srv.Host)
		wantOK(t, r)
		wantLines(t, r.Stderr, r.Stdout, []string{"Login Succeeded"})
	}) {
		t.Fatal("docker login failed; the other cases need it")
	}

	rep.run(t, "bad_password", func(t *testing.T) {
		e := fresh(t)
		r := e.runStdin(t, wrongPassword, "login", "--username", "x-access-token", "--password-stdin", c.srv.Host)
		wantFail(t, r, `Error response from daemon: Get "`+c.srv.URL+`/v2/": denied: denied`)
	})

	var imageID string
	if !rep.run(t, "build", func(t *testing.T) {
		imageID = engineBuild(t, c, local)
		wantOK(t, c.run(t, "tag", local, ref))
	}) {
		t.Fatal("docker build failed; the push cases need its image")
	}

	rep.run(t, "seed_denied", func(t *testing.T) {
		r := c.run(t, "push", ref)
		// As GHCR's seed reports show it (grafana/k6 PR #2111): the layer stays "Preparing"
		// and dockerd's error is the registry's {"errors":[...]} rendered code: message.
		wantFail(t, r, "denied: permission_denied: write_package")
		wantLines(t, r.Stderr, r.Stdout, []string{"The push refers to repository [" + c.srv.Host + "/acme/api]"})
	})

	rep.run(t, "anonymous_private_pull", func(t *testing.T) {
		e := fresh(t)
		r := e.run(t, "pull", c.srv.Host+"/acme/private:latest")
		wantFail(t, r, `Error response from daemon: Head "`+c.srv.URL+`/v2/acme/private/manifests/latest": unauthorized`)
	})

	var pushed string
	if !rep.run(t, "fixed_push", func(t *testing.T) {
		c.srv.grantWorkflowWrite(t)
		r := c.run(t, "push", ref)
		wantOK(t, r)
		pushed = engineDigest(t, r.Stdout, "seed")
		got, err := remoteHead(c.srv, ref, workflowToken)
		if err != nil {
			t.Fatalf("after the push, HEAD %s: %v", ref, err)
		}
		if got != pushed {
			t.Errorf("the registry has %s for %s; docker push printed %s", got, ref, pushed)
		}
	}) {
		t.Fatal("the push after the fix failed; nothing to pull back")
	}

	rep.run(t, "pull_back", func(t *testing.T) {
		// Remove every name of the image, so that the engine no longer has it.
		wantOK(t, c.run(t, "image", "rm", ref, local))
		if r := c.run(t, "image", "inspect", imageID); r.Code == 0 {
			t.Fatalf("image %s is still in the engine after docker rmi", imageID)
		}
		r := c.run(t, "pull", ref)
		wantOK(t, r)
		wantLines(t, r.Stderr, r.Stdout, []string{"Digest: " + pushed})
		got := firstLine(c.run(t, "image", "inspect", "--format", "{{.Id}} {{range .RepoDigests}}{{.}} {{end}}", ref).Stdout)
		want := imageID + " " + c.srv.Host + "/acme/api@" + pushed
		if got != want {
			t.Errorf("pulled image (id, repo digests):\n got %s\nwant %s", got, want)
		}
	})
}

// engineBuild builds a FROM scratch image with one COPY (so nothing is pulled), tags it local
// and returns its image id.
func engineBuild(t *testing.T, c *clientRun, local string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "context")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"Dockerfile": "FROM scratch\nCOPY hello.txt /hello.txt\n",
		// Unique content: no two runs share a layer, so removing one run's image never
		// touches another's.
		"hello.txt": "hello from the fakeghcr e2e tests, build " + local + "\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wantOK(t, c.run(t, "build", "--tag", local, dir))
	id := firstLine(c.run(t, "image", "inspect", "--format", "{{.Id}}", local).Stdout)
	if !strings.HasPrefix(id, "sha256:") {
		t.Fatalf("image id of %s: %q", local, id)
	}
	return id
}

// engineDigest finds the digest in docker push's closing line "TAG: digest: sha256:... size: N".
func engineDigest(t *testing.T, stdout, tag string) string {
	t.Helper()
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(tag) + `: digest: (sha256:[0-9a-f]{64}) size: [0-9]+$`)
	for _, l := range lines(stdout) {
		if m := re.FindStringSubmatch(l); m != nil {
			return m[1]
		}
	}
	t.Fatalf("docker push printed no %q line:\n%s", tag+": digest: sha256:... size: N", indent(stdout))
	return ""
}

// randomHex returns n random bytes in hex.
func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
