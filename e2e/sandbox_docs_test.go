//go:build linux

package e2e

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// freshClone clones this repository's committed HEAD into a temporary directory and puts the
// fakeghcr binary under test there as ./fakeghcr (what `go build -o fakeghcr ./cmd/fakeghcr`
// makes), as a reader of the docs starts.
func freshClone(t *testing.T, git string, env []string) string {
	t.Helper()
	if fakeghcr.err != nil {
		t.Fatalf("fakeghcr binary not available: %v", fakeghcr.err)
	}
	dir := filepath.Join(t.TempDir(), "fakeghcr")
	wantOK(t, command{env: env}.run(t, git, "clone", "--quiet", "..", dir))
	src, err := os.Open(fakeghcr.path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(filepath.Join(dir, "fakeghcr"), os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDocsSandboxFreshClone types docs/act.md's way 0 (README "Run your workflow unchanged")
// into the shell `fakeghcr sandbox -- bash` starts, in a fresh clone: the example workflow,
// unchanged, is refused with GHCR's 403, `./fakeghcr access add` fixes it from inside, the same
// act command succeeds, and fakeghcr explains the refusal when the shell exits.
func TestDocsSandboxFreshClone(t *testing.T) {
	t.Parallel()
	act := needTool(t, "act", installHint+" act")
	crane := needTool(t, "crane", installHint+" crane")
	git := needTool(t, "git", "apt-get install -y git")
	bash := needTool(t, "bash", "apt-get install -y bash")
	_, env := clientHome(t)
	// crane through a wrapper that copies its stderr to a file (act_output_test.go).
	watch := newActWatch(t, map[string]string{"crane": crane})
	env = append(env, watch.path(filepath.Dir(act), filepath.Dir(crane)))
	dir := freshClone(t, git, env)
	sha := firstLine(command{dir: dir, env: env}.run(t, git, "rev-parse", "HEAD").Stdout)

	actCmd := `act push -W examples/workflows/publish.yml -P ubuntu-latest=-self-hosted --action-offline-mode --no-cache-server \
  --env GITHUB_REPOSITORY=acme/api --env DOCKER_CONFIG="$(mktemp -d)" -s GITHUB_TOKEN=ghs_fake`
	// What a person types in the shell, with a marker between the two runs for the test.
	typed := actCmd + "\necho ===fixed===\n./fakeghcr access add acme/api acme/api --role write\n" + actCmd + "\nexit\n"
	craneLine := "Error: pushing image ghcr.io/acme/api:" + sha[:12] + ": POST https://ghcr.io/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package"
	// The whole session again when act lost crane's line.
	r := watch.showing(t, actJob, []string{craneLine}, func() runResult {
		return command{dir: dir, env: env, stdin: typed, tee: watch.actLog}.run(t, filepath.Join(dir, "fakeghcr"),
			"sandbox", "--scenario", "examples/workflows/fakeghcr.yaml", "--", bash)
	})
	wantOK(t, r) // the shell's status: the last act's
	before, after, ok := strings.Cut(r.Stdout, "===fixed===\n")
	if !ok {
		t.Fatalf("the shell did not get to the fix:\n%s", indent(r.Output()))
	}
	wantLines(t, watch.printed(t), "", []string{craneLine})
	wantLines(t, "", before, []string{actJob + "   | " + craneLine})
	wantLines(t, "", before, []string{actJob + " 🏁  Job failed"})
	wantLines(t, "", after, []string{"acme/api: Manage Actions access: repository acme/api has role write"})
	wantLines(t, "", after, []string{actJob + " 🏁  Job succeeded"})
	wantLines(t, r.Stderr, "", []string{"Error: Job 'publish' failed"})
	wantLines(t, r.Stderr, "", []string{
		"DENIED  write acme/api  as github_token:workflow  -> 403 DENIED permission_denied: write_package",
		"  rule: actions_access_missing",
	})
	wantLines(t, r.Stderr, "", []string{
		"  fix:  Package settings (https://github.com/orgs/acme/packages/container/api/settings) -> Manage Actions access -> Add repository acme/api with role Write",
	})
	if !regexp.MustCompile(`(?m)^fakeghcr sandbox: [0-9]+ decisions, [0-9]+ refused, while the command ran \(newest first\):$`).MatchString(r.Stderr) {
		t.Errorf("no closing summary of the decisions in\n%s", indent(r.Stderr))
	}
}

// TestDocsWay1FreshClone runs docs/act.md's way 1 from a fresh clone: fakeghcr serve and act
// with --env REGISTRY (on a free port rather than 5000, which another run may hold).
func TestDocsWay1FreshClone(t *testing.T) {
	t.Parallel()
	act := needTool(t, "act", installHint+" act")
	crane := needTool(t, "crane", installHint+" crane")
	git := needTool(t, "git", "apt-get install -y git")
	home, env := clientHome(t)
	// crane through a wrapper that copies its stderr to a file (act_output_test.go).
	watch := newActWatch(t, map[string]string{"crane": crane})
	env = append(env, watch.path(filepath.Dir(crane)))
	dir := freshClone(t, git, env)
	sha := firstLine(command{dir: dir, env: env}.run(t, git, "rev-parse", "HEAD").Stdout)
	srv := startServer(t, filepath.Join(dir, "examples/workflows/fakeghcr.yaml"))
	craneLine := "Error: pushing image " + srv.Host + "/acme/api:" + sha[:12] + ": POST " + srv.URL +
		"/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package"
	r := watch.showing(t, actJob, []string{craneLine}, func() runResult {
		return command{dir: dir, env: env, tee: watch.actLog}.run(t, act, "push", "-W", "examples/workflows/publish.yml",
			"-P", "ubuntu-latest=-self-hosted", "--action-offline-mode", "--no-cache-server",
			"--env", "GITHUB_REPOSITORY=acme/api",
			"--env", "REGISTRY="+srv.Host,
			"--env", "DOCKER_CONFIG="+filepath.Join(home, "docker"),
			"-s", "GITHUB_TOKEN=ghs_fake")
	})
	wantLines(t, watch.printed(t), "", []string{craneLine})
	wantFail(t, r, actJob+"   | "+craneLine)
	wantLines(t, r.Stderr, r.Stdout, []string{actJob + " 🏁  Job failed"})
}
