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
	needTool(t, "docker", "apt-get install -y docker.io")
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
	// writes buildx's output to act's terminal as it arrives, then prints ::error::buildx
	// failed with: LINE and exits 1. act runs the real node (the path node itself reports),
	// not a `node` first on the PATH, so every node process of the job loads actWatch's hook
	// instead: it copies what the process writes to stepLog, and holds a failing process's exit
	// until act has shown its last line, the ::error:: line, which comes after all of buildx's.
	// docker itself is not wrapped: its output reaches act only through that node process, and
	// a wrapper would wait its full 10 s for each failing docker call whose output the action
	// keeps to itself (the post step's `buildx history inspect`: 10 s per act run, measured).
	// If act loses a line anyway, the whole sandbox script runs again (showingLines).
	watch := newActWatch(t, nil)
	env = append(env, watch.nodeOptions(t), "GIT_CONFIG_NOSYSTEM=1", "ACT_DISABLE_VERSION_CHECK=1")
	repo := actWorkflowRepository(t, git, env, "testdata/starter/docker-publish.yml", "github.com")
	event, err := filepath.Abs("testdata/starter/pull_request.json")
	if err != nil {
		t.Fatal(err)
	}
	secrets := filepath.Join(home, "act.secrets")
	if err := os.WriteFile(secrets, []byte("GITHUB_TOKEN=ghs_demo_workflow\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	actArgs := starterActArgs(home, secrets, actions, "-P", "ubuntu-latest=-self-hosted")
	push := shellQuoteAll(append([]string{act, "push"}, actArgs...))
	pr := shellQuoteAll(append([]string{act, "pull_request", "-e", event}, actArgs...))
	script := fmt.Sprintf(`%[1]s
echo "===fix==="
%[3]s access add acme/api acme/api --role write || exit 9
%[1]s || exit 10
echo "===pull_request==="
%[2]s`, push, pr, shellQuote(fakeghcr.path))
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
	// The step printed buildx's lines and the action's ::error:: line (the node hook's copy),
	// and act showed them: buildx's together, and the action's after them (the action prints
	// its build reference and summary check in between).
	printed := watch.printed(t)
	wantLines(t, printed, "", buildxLines)
	wantLines(t, printed, "", []string{errorLine})
	var shown []string
	for _, l := range want[:len(buildxLines)] {
		shown = append(shown, l.shown)
	}
	shownError := want[len(buildxLines)].shown
	wantLines(t, "", denied, shown)
	wantLines(t, "", denied, []string{shownError})
	if b, e := strings.Index(denied, shown[len(shown)-1]), strings.Index(denied, shownError); b >= 0 && e >= 0 && b > e {
		t.Errorf("act showed the action's ::error:: line before buildx's last line")
	}
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

// starterActArgs are act's arguments for the starter workflow: the platform's flags, the run's
// action cache and secrets, and the real actions by path (--local-repository).
func starterActArgs(home, secrets, actions string, platform ...string) []string {
	args := append([]string{"-W", ".github/workflows/docker-publish.yml"}, platform...)
	args = append(args, "--no-cache-server",
		"--action-cache-path", filepath.Join(home, "act-cache"),
		"--secret-file", secrets)
	for _, a := range starterActions {
		args = append(args, "--local-repository", a+"="+filepath.Join(actions, a))
	}
	return args
}

// shellQuoteAll quotes each of args for sh and joins them with spaces.
func shellQuoteAll(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}
