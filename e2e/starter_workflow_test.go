//go:build linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// starterJob prefixes act's lines for the starter workflow's job: [WORKFLOW NAME/JOB ID].
const starterJob = "[Docker/build]"

// starterActions are the actions the starter workflow uses, as published (shared/actions).
var starterActions = []string{
	"actions/checkout@v4",
	"docker/setup-buildx-action@v3",
	"docker/login-action@v3",
	"docker/metadata-action@v5",
	"docker/build-push-action@v6",
}

// TestStarterWorkflow runs GitHub's starter "Publish Docker image" workflow
// (testdata/starter/docker-publish.yml, which says how and why it differs from the generated
// file) with the real actions, under act in host mode, inside `fakeghcr sandbox --docker`
// with the default world (acme/api's package first pushed from alice's laptop):
//   - push: metadata-action reads the repository from api.github.com (fakeghcr), login-action
//     logs in, and build-push-action is refused with buildx's line for GHCR's 403;
//   - `fakeghcr access add` applies GitHub's fix inside, and the same act command ends
//     `Job succeeded`;
//   - pull_request: the image is built and not pushed (no login, no push).
func TestStarterWorkflow(t *testing.T) {
	act := needTool(t, "act", installHint+" act")
	git := needTool(t, "git", "apt-get install -y git")
	buildx := needTool(t, "buildx", installHint+" buildx")
	needTool(t, "dockerd", "apt-get install -y docker.io")
	docker := needTool(t, "docker", "apt-get install -y docker.io")
	needTool(t, "node", "apt-get install -y nodejs")
	if os.Geteuid() != 0 {
		t.Skip("a private Docker engine needs root")
	}
	if fakeghcr.err != nil {
		t.Fatalf("fakeghcr binary not available: %v", fakeghcr.err)
	}
	actions := sharedActions(t)
	home, env := clientHome(t)
	// The user's buildx plugin, where the docker CLI finds it: the sandbox's own DOCKER_CONFIG
	// links to it. act asks api.nektosact.com for notices at start: not here.
	plugins := filepath.Join(home, "docker", "cli-plugins")
	if err := os.MkdirAll(plugins, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(buildx, filepath.Join(plugins, "docker-buildx")); err != nil {
		t.Fatal(err)
	}
	// act v0.2.89 can lose a failing host-mode step's last lines (act_output_test.go). The
	// failing step here is build-push-action: its node process runs `docker buildx build`,
	// forwards buildx's output, then prints ::error::buildx failed with: LINE and exits 1. So
	// docker runs through actWatch's wrapper (its stderr in stepLog, straight from buildx),
	// and every node process loads actWatch's hook: it copies what node prints to stepLog and
	// holds a failing node's exit until act has shown its last line, the ::error:: line, which
	// comes after everything buildx printed. If act loses a line anyway, the whole sandbox
	// script runs again (showingLines).
	watch := newActWatch(t, map[string]string{"docker": docker})
	env = append(env, watch.path(), watch.nodeOptions(t), "GIT_CONFIG_NOSYSTEM=1", "ACT_DISABLE_VERSION_CHECK=1")
	repo := actWorkflowRepository(t, git, env, "testdata/starter/docker-publish.yml", "github.com")
	event, err := filepath.Abs("testdata/starter/pull_request.json")
	if err != nil {
		t.Fatal(err)
	}
	secrets := filepath.Join(home, "act.secrets")
	if err := os.WriteFile(secrets, []byte("GITHUB_TOKEN=ghs_demo_workflow\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	actArgs := []string{"-W", ".github/workflows/docker-publish.yml",
		"-P", "ubuntu-latest=-self-hosted",
		"--no-cache-server",
		"--action-cache-path", filepath.Join(home, "act-cache"),
		"--secret-file", secrets,
	}
	for _, a := range starterActions {
		actArgs = append(actArgs, "--local-repository", a+"="+filepath.Join(actions, a))
	}
	quote := func(args []string) string {
		var q []string
		for _, a := range args {
			q = append(q, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
		}
		return strings.Join(q, " ")
	}
	push := quote(append([]string{act, "push"}, actArgs...))
	pr := quote(append([]string{act, "pull_request", "-e", event}, actArgs...))
	script := fmt.Sprintf(`%[1]s
echo "===fix==="
%[3]s access add acme/api acme/api --role write || exit 9
%[1]s || exit 10
echo "===pull_request==="
%[2]s`, push, pr, quote([]string{fakeghcr.path}))
	// The lines of the failing step that are asserted below: buildx's, and build-push-action's.
	const buildxLine = "ERROR: failed to build: denied: permission_denied: write_package"
	buildxLines := []string{
		"#6 ERROR: denied: permission_denied: write_package",
		"------",
		" > pushing ghcr.io/acme/api:main with docker:",
		"------",
		buildxLine,
	}
	errorLine := "::error::buildx failed with: " + buildxLine
	var want []actLine
	for _, l := range buildxLines {
		want = append(want, actLine{printed: l, shown: starterJob + "   | " + l})
	}
	want = append(want, actLine{printed: errorLine, shown: starterJob + "   ❗  " + errorLine})
	r := watch.showingLines(t, want, func() runResult {
		return command{dir: repo, env: env, tee: watch.actLog}.run(t, fakeghcr.path, "sandbox", "--docker", "--scenario", "default", "--", "sh", "-c", script)
	})
	wantOK(t, r)
	denied, rest, ok := strings.Cut(r.Stdout, "===fix===\n")
	if !ok {
		t.Fatalf("the script did not reach the fix:\n%s", indent(r.Output()))
	}
	fixed, pull, ok := strings.Cut(rest, "===pull_request===\n")
	if !ok {
		t.Fatalf("the fixed run failed:\n%s", indent(r.Output()))
	}

	// Denied: buildx's line for GHCR's 403 at the blob upload, through build-push-action.
	wantLines(t, "", denied, []string{starterJob + "   | Login Succeeded!"})
	// buildx printed its lines (the docker wrapper's copy), and the action its ::error:: line
	// (the node hook's copy); act showed them, in this order.
	printed := watch.printed(t)
	wantLines(t, printed, "", buildxLines)
	wantLines(t, printed, "", []string{errorLine})
	var shown []string
	for _, l := range want {
		shown = append(shown, l.shown)
	}
	wantLines(t, "", denied, shown)
	wantLines(t, "", denied, []string{starterJob + " 🏁  Job failed"})
	// metadata-action read the repository from api.github.com and tagged the push main.
	if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(starterJob) + `   \| ghcr\.io/acme/api:main$`).MatchString(denied) {
		t.Errorf("metadata-action printed no tag ghcr.io/acme/api:main")
	}
	// Fixed: the same command succeeds.
	wantLines(t, "", fixed, []string{starterJob + " 🏁  Job succeeded"})
	// pull_request: built, not logged in, not pushed.
	wantLines(t, "", pull, []string{starterJob + " 🏁  Job succeeded"})
	if strings.Contains(pull, "Login Succeeded") || strings.Contains(pull, "pushing ghcr.io") {
		t.Errorf("the pull_request run logged in or pushed:\n%s", indent(pull))
	}
	if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(starterJob) + `   \| ghcr\.io/acme/api:pr-7$`).MatchString(pull) {
		t.Errorf("metadata-action printed no tag ghcr.io/acme/api:pr-7 for the pull request")
	}
}
