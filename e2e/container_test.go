package e2e

// The container: ../Dockerfile (FROM scratch around a static binary, nothing pulled) run with
// `docker run` and through ../docker-compose.yml, pushed to through the published port. Every
// helper here is prefixed `container` and this file uses nothing else of the package, so it
// stays independent of the per-client tests.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// The scenario docker-compose.yml mounts; the docker run case mounts it too.
const (
	containerScenario       = "../examples/compose/scenario.yaml"
	containerWorkflow       = "ghs_compose_workflow"
	containerAlice          = "ghp_compose_alice"
	containerComposeAdmin   = "compose-admin-token" // docker-compose.yml's default
	containerCommandTimeout = 3 * time.Minute
)

func TestContainer(t *testing.T) {
	t.Parallel()
	containerNeedEngine(t)
	image := containerBuildImage(t)

	t.Run("image config", func(t *testing.T) {
		t.Parallel()
		got := containerRun(t, nil, "docker", "image", "inspect", "--format",
			"{{.Config.User}} {{json .Config.Entrypoint}} {{json .Config.Cmd}} {{json .Config.Healthcheck.Test}} {{json .Config.ExposedPorts}} {{len .RootFS.Layers}}", image)
		want := `65534:65534 ["/fakeghcr"] ["serve"] ["CMD","/fakeghcr","healthcheck"] {"5000/tcp":{}} 1`
		if got != want {
			t.Errorf("image config:\n got %s\nwant %s", got, want)
		}
	})

	t.Run("docker run", func(t *testing.T) {
		t.Parallel()
		scenario, err := filepath.Abs(containerScenario)
		if err != nil {
			t.Fatal(err)
		}
		id := containerRun(t, nil, "docker", "run", "--detach", "--publish", "127.0.0.1::5000",
			"--env", "FAKEGHCR_ADMIN_TOKEN=e2e-admin", "--env", "FAKEGHCR_SCENARIO=/scenario.yaml",
			"--volume", scenario+":/scenario.yaml:ro", image)
		t.Cleanup(func() { containerRemove(t, id) })
		// The image's own HEALTHCHECK (`fakeghcr healthcheck` inside a scratch image).
		containerWaitHealthy(t, id)
		host := containerRun(t, nil, "docker", "port", id, "5000/tcp")
		host = strings.Fields(host)[0] // 127.0.0.1:PORT (one line per address family)
		containerPushSeedCase(t, host, "e2e-admin")
	})

	t.Run("compose", func(t *testing.T) {
		t.Parallel()
		compose := containerCompose(t)
		project := "fakeghcre2e" + containerRandom(t)
		// Port 0: the engine picks a free port when it publishes, and `port` names it; a port
		// found free beforehand could be taken by another run before the engine binds it.
		env := []string{"FAKEGHCR_IMAGE=" + image, "FAKEGHCR_PORT=0", "FAKEGHCR_ADMIN_TOKEN="}
		base := slices.Concat(compose, []string{"--project-name", project, "--file", "../docker-compose.yml"})
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("compose logs:\n%s", containerRunAllowFail(env, slices.Concat(base, []string{"logs", "--no-color"})...))
			}
			containerRunAllowFail(env, slices.Concat(base, []string{"down", "--volumes", "--timeout", "5"})...)
		})
		// up waits for fakeghcr to be healthy before it starts client (depends_on service_healthy).
		containerRun(t, env, slices.Concat(base, []string{"up", "--detach"})...)
		if got := containerClientExit(t, project); got != "exited 0" {
			t.Errorf("client service (fakeghcr healthcheck --url http://fakeghcr:5000): %s, want exited 0", got)
		}
		published := strings.Fields(containerRun(t, env, slices.Concat(base, []string{"port", "fakeghcr", "5000"})...))
		if len(published) == 0 || !strings.HasPrefix(published[0], "127.0.0.1:") || strings.HasSuffix(published[0], ":0") {
			t.Fatalf("compose published fakeghcr's port 5000 on %q, want 127.0.0.1:PORT", published)
		}
		host := published[0]
		containerPushSeedCase(t, host, containerComposeAdmin)
	})
}

// containerPushSeedCase pushes to the registry at host (127.0.0.1:PORT) as the scenario's
// workflow (refused with GHCR's message), fixes the world through the admin API, and pushes
// again; alice pushes throughout.
func containerPushSeedCase(t *testing.T, host, adminToken string) {
	t.Helper()
	ref := host + "/acme/api:" + containerRandom(t)
	err := containerPush(t, ref, containerWorkflow)
	want := "POST http://" + host + "/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package"
	if err == nil || err.Error() != want {
		t.Errorf("workflow push: %v\nwant %s", err, want)
	}
	if err := containerPush(t, ref, containerAlice); err != nil {
		t.Errorf("alice's push: %v", err)
	}
	change := `{"op":"set_actions_access","package":"acme/api","repository":"acme/api","role":"write"}`
	req, err := http.NewRequest(http.MethodPost, "http://"+host+"/_fakeghcr/changes", strings.NewReader(change))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := containerHTTP.Do(req)
	if err != nil {
		t.Fatalf("admin change: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("admin change: %s %s", resp.Status, body)
	}
	if err := containerPush(t, ref, containerWorkflow); err != nil {
		t.Errorf("workflow push after set_actions_access: %v", err)
	}
}

// containerHTTP ignores proxy variables: the published port is on loopback.
var containerHTTP = &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 30 * time.Second}

func containerPush(t *testing.T, ref, secret string) error {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(1024, 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return remote.Write(r, img, remote.WithContext(ctx), remote.WithTransport(containerHTTP.Transport),
		remote.WithAuth(&authn.Basic{Username: "x", Password: secret}))
}

// containerNeedEngine skips when no Docker engine answers, even in CI (the one tool allowed to).
func containerNeedEngine(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skipf("SKIP: no docker CLI (%v): the container tests need a Docker engine (skipped even in CI)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		t.Skipf("SKIP: no Docker engine (docker info: %v: %s): the container tests need one (skipped even in CI)", err, bytes.TrimSpace(out))
	}
}

// containerBuildImage builds the image as scripts/build-image.sh does: a static binary for the
// engine's architecture in a fresh build context, then ../Dockerfile. It removes it at the end.
func containerBuildImage(t *testing.T) string {
	t.Helper()
	arch := containerRun(t, nil, "docker", "version", "--format", "{{.Server.Arch}}")
	buildCtx := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", filepath.Join(buildCtx, "fakeghcr"), "./cmd/fakeghcr")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the static binary: %v\n%s", err, out)
	}
	image := "fakeghcr-e2e:" + containerRandom(t)
	containerRun(t, nil, "docker", "build", "--file", "../Dockerfile", "--tag", image, buildCtx)
	t.Cleanup(func() { containerRunAllowFail(nil, "docker", "image", "rm", "--force", image) })
	return image
}

// containerCompose returns the compose command: `docker compose` (v2) or `docker-compose` (v1).
// Without either the test skips on a developer machine and fails in CI.
func containerCompose(t *testing.T) []string {
	t.Helper()
	for _, c := range [][]string{{"docker", "compose"}, {"docker-compose"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := exec.CommandContext(ctx, c[0], append(c[1:], "version")...).Run()
		cancel()
		if err == nil {
			return c
		}
	}
	msg := "no `docker compose` or `docker-compose` (apt-get install -y docker-compose)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip("SKIP: " + msg)
	return nil
}

// containerWaitHealthy waits for the container's HEALTHCHECK to report healthy.
func containerWaitHealthy(t *testing.T, id string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var status string
	for time.Now().Before(deadline) {
		status = containerRun(t, nil, "docker", "inspect", "--format", "{{.State.Status}} {{.State.Health.Status}}", id)
		switch status {
		case "running healthy":
			return
		case "running starting":
			time.Sleep(500 * time.Millisecond)
			continue
		}
		break
	}
	t.Fatalf("container %s: %s, want running healthy\nlogs:\n%s", id, status, containerRunAllowFail(nil, "docker", "logs", id))
}

// containerClientExit waits for the compose project's client service to exit and returns
// "exited CODE".
func containerClientExit(t *testing.T, project string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var state string
	for time.Now().Before(deadline) {
		ids := strings.Fields(containerRun(t, nil, "docker", "ps", "--all", "--quiet",
			"--filter", "label=com.docker.compose.project="+project, "--filter", "label=com.docker.compose.service=client"))
		if len(ids) == 1 {
			state = containerRun(t, nil, "docker", "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", ids[0])
			if strings.HasPrefix(state, "exited ") {
				return state
			}
		} else {
			state = fmt.Sprintf("%d client containers", len(ids))
		}
		time.Sleep(500 * time.Millisecond)
	}
	return state
}

func containerRemove(t *testing.T, id string) {
	if t.Failed() {
		t.Logf("container logs:\n%s", containerRunAllowFail(nil, "docker", "logs", id))
	}
	containerRunAllowFail(nil, "docker", "rm", "--force", id)
}

// containerRun runs a command with extra environment and returns its trimmed stdout, failing
// the test (with its stderr) when it fails.
func containerRun(t *testing.T, env []string, args ...string) string {
	t.Helper()
	out, err := containerExec(env, args...)
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	return out
}

// containerRunAllowFail runs a cleanup or diagnostic command and returns its output, or the error.
func containerRunAllowFail(env []string, args ...string) string {
	out, err := containerExec(env, args...)
	if err != nil {
		return err.Error()
	}
	return out
}

func containerExec(env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), containerCommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("timed out after %v: %w", containerCommandTimeout, err)
		}
		return "", fmt.Errorf("%w\nstdout: %s\nstderr: %s", err, stdout.Bytes(), stderr.Bytes())
	}
	return strings.TrimSpace(stdout.String()), nil
}

func containerRandom(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
