//go:build linux

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// actImages builds (or finds in its cache) the job image and the BuildKit image with
// .ci/act-images.sh, and returns its NAME=VALUE lines.
func actImages(t *testing.T) map[string]string {
	t.Helper()
	needTool(t, "buildkitd", installHint+" buildkitd")
	needTool(t, "buildctl", installHint+" buildctl")
	if _, err := exec.LookPath("debootstrap"); err != nil && os.Getenv("CI") != "true" {
		t.Skip("debootstrap is not installed (apt-get install -y debootstrap runc)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "bash", "../.ci/act-images.sh")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf(".ci/act-images.sh: %v\n%s", err, out)
	}
	t.Logf(".ci/act-images.sh took %s", time.Since(start).Round(time.Millisecond))
	vars := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			vars[k] = v
		}
	}
	for _, k := range []string{"RUNNER_IMAGE", "RUNNER_TAR", "BUILDKIT_TAR"} {
		if vars[k] == "" {
			t.Fatalf(".ci/act-images.sh printed no %s:\n%s", k, out)
		}
	}
	return vars
}

// TestStarterWorkflowContainer runs GitHub's starter "Publish Docker image" workflow
// (testdata/starter-container/docker-publish.yml, which says how and why it differs from the
// generated file; setup-buildx-action keeps its default docker-container driver) with the real
// actions under act's default container mode, inside `fakeghcr sandbox --docker`, with the
// default world (acme/api's package first pushed from alice's laptop). The job container (a
// Debian image built by .ci/act-images.sh, standing in for act's catthehacker/ubuntu:act-latest
// which is on Docker Hub) and setup-buildx-action's BuildKit container (moby/buildkit:
// buildx-stable-1, built from the buildkitd here) run in the sandbox's private engine, loaded
// with `docker load` as a user's engine would pull them through the pass-through:
//   - push: login-action logs in, metadata-action reads the repository from api.github.com
//     (fakeghcr, trusted through the run's CA inside the job container), and build-push-action
//     is refused with buildx's line for GHCR's 403, as in host mode (starter_workflow_test.go);
//   - `fakeghcr access add` applies GitHub's fix inside, and the same act command ends
//     `Job succeeded`;
//   - pull_request: the image is built and not pushed (no login, no push).
func TestStarterWorkflowContainer(t *testing.T) {
	act := needTool(t, "act", installHint+" act")
	git := needTool(t, "git", "apt-get install -y git")
	needTool(t, "dockerd", "apt-get install -y docker.io")
	needTool(t, "docker", "apt-get install -y docker.io")
	needTool(t, "runc", "apt-get install -y runc")
	if os.Geteuid() != 0 {
		t.Skip("a private Docker engine needs root")
	}
	if fakeghcr.err != nil {
		t.Fatalf("fakeghcr binary not available: %v", fakeghcr.err)
	}
	images := actImages(t)
	actions := sharedActions(t)
	home, env := clientHome(t)
	env = append(env, "GIT_CONFIG_NOSYSTEM=1", "ACT_DISABLE_VERSION_CHECK=1")
	repo := actWorkflowRepository(t, git, env, "testdata/starter-container/docker-publish.yml", "github.com")
	event, err := filepath.Abs("testdata/starter/pull_request.json")
	if err != nil {
		t.Fatal(err)
	}
	secrets := filepath.Join(home, "act.secrets")
	if err := os.WriteFile(secrets, []byte("GITHUB_TOKEN=ghs_demo_workflow\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// act's default mode: ubuntu-latest in a job container on the host network. -P names the
	// local image instead of catthehacker/ubuntu:act-latest; --pull=false because act pulls
	// even present images by default, and Docker Hub is not reachable here.
	actArgs := starterActArgs(home, secrets, actions, "-P", "ubuntu-latest="+images["RUNNER_IMAGE"], "--pull=false")
	push := shellQuoteAll(append([]string{act, "push"}, actArgs...))
	pr := shellQuoteAll(append([]string{act, "pull_request", "-e", event}, actArgs...))
	// Each part's seconds go to stderr (the closing note quotes them).
	script := fmt.Sprintf(`t() { echo "timing: $1 $(( $(date +%%s) - s )) s" >&2; s=$(date +%%s); }
s=$(date +%%s)
docker load -i %[4]s >/dev/null && docker load -i %[5]s >/dev/null || exit 8
t "docker load"
%[1]s
t "act push (denied)"
echo "===fix==="
%[3]s access add acme/api acme/api --role write || exit 9
%[1]s || exit 10
t "act push (fixed)"
echo "===pull_request==="
%[2]s || exit 11
t "act pull_request"`, push, pr, shellQuote(fakeghcr.path), shellQuote(images["RUNNER_TAR"]), shellQuote(images["BUILDKIT_TAR"]))
	r := runLong(t, repo, env, 10*time.Minute, fakeghcr.path, "sandbox", "--docker", "--scenario", "default", "--", "sh", "-c", script)
	wantOK(t, r)
	denied, rest, ok := strings.Cut(r.Stdout, "===fix===\n")
	if !ok {
		t.Fatalf("the script did not reach the fix:\n%s", indent(r.Output()))
	}
	fixed, pull, ok := strings.Cut(rest, "===pull_request===\n")
	if !ok {
		t.Fatalf("the fixed run failed:\n%s", indent(r.Output()))
	}

	// The job ran in a container of the runner image, and setup-buildx-action made a
	// docker-container builder (its default driver) from moby/buildkit:buildx-stable-1.
	wantLines(t, "", denied, []string{starterJob + " 🚀  Start image=" + images["RUNNER_IMAGE"]})
	if !strings.Contains(denied, "docker-container") {
		t.Errorf("setup-buildx-action did not create a docker-container builder:\n%s", indent(denied))
	}
	// Denied: buildx's line for GHCR's 403 at the blob upload, through build-push-action. A
	// docker-container builder pushes from BuildKit's exporter, so buildx prints the client
	// table's line (clientlines/table/buildx.yaml, blob_post: "failed to solve: failed to
	// push {ref}: ..."), the one buildx_test.go asserts; the engine's own builder (driver: docker,
	// starter_workflow_test.go) prints it without "failed to solve: failed to push {ref}".
	wantLines(t, "", denied, []string{starterJob + "   | Login Succeeded!"})
	wantLines(t, "", denied, []string{starterJob + "   ❗  ::error::buildx failed with: ERROR: failed to build: failed to solve: failed to push ghcr.io/acme/api:main: denied: permission_denied: write_package"})
	wantLines(t, "", denied, []string{starterJob + " 🏁  Job failed"})
	// metadata-action read the repository from api.github.com and tagged the push main.
	if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(starterJob) + `   \| ghcr\.io/acme/api:main$`).MatchString(denied) {
		t.Errorf("metadata-action printed no tag ghcr.io/acme/api:main")
	}
	// Fixed: the same command pushes from the builder and succeeds.
	if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(starterJob) + `   \| #\d+ pushing manifest for ghcr\.io/acme/api:main@sha256:[0-9a-f]{64}`).MatchString(fixed) {
		t.Errorf("the fixed run printed no push of ghcr.io/acme/api:main")
	}
	wantLines(t, "", fixed, []string{starterJob + " 🏁  Job succeeded"})
	// pull_request: built, not logged in, not pushed; buildx says where the result stays.
	wantLines(t, "", pull, []string{starterJob + "   | WARNING: No output specified with docker-container driver. Build result will only remain in the build cache. To push result image into registry use --push or to load image into docker use --load"})
	wantLines(t, "", pull, []string{starterJob + " 🏁  Job succeeded"})
	if strings.Contains(pull, "Login Succeeded") || strings.Contains(pull, "pushing ") {
		t.Errorf("the pull_request run logged in or pushed:\n%s", indent(pull))
	}
	if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(starterJob) + `   \| ghcr\.io/acme/api:pr-7$`).MatchString(pull) {
		t.Errorf("metadata-action printed no tag ghcr.io/acme/api:pr-7 for the pull request")
	}
}

// runLong is command.run with a longer bound: three act runs in job containers on the vfs
// driver take longer than commandTimeout.
func runLong(t *testing.T, dir string, env []string, timeout time.Duration, name string, args ...string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	r := runResult{Stdout: stdout.String(), Stderr: stderr.String(), Code: -1, Err: err}
	var exit *exec.ExitError
	switch {
	case err == nil:
		r.Code = 0
	case errors.As(err, &exit):
		r.Code = exit.ExitCode()
	}
	if ctx.Err() != nil {
		r.Err = fmt.Errorf("%s timed out after %s: %w", name, timeout, ctx.Err())
		r.Code = -1
	}
	t.Logf("$ %s %s\nexit %d after %s\n%s", filepath.Base(name), strings.Join(redact(args), " "), r.Code, time.Since(start).Round(time.Millisecond), indent(r.Output()))
	return r
}
