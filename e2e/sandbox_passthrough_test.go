//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// actWorkflowRepository makes a git repository holding one workflow file, whose origin is the
// repository acme/api on server (host[:port]): act reads the repository's name from it.
func actWorkflowRepository(t *testing.T, git string, env []string, workflow, server string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "api")
	workflows := filepath.Join(dir, ".github", "workflows")
	if err := os.MkdirAll(workflows, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(workflow)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(workflows, filepath.Base(workflow)), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY Dockerfile /\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ident := []string{"-c", "user.name=fakeghcr e2e", "-c", "user.email=e2e@fakeghcr.test", "-c", "commit.gpgsign=false"}
	for _, args := range [][]string{
		{"init", "--quiet", "--initial-branch", "main"},
		{"add", "."},
		append(ident, "commit", "--quiet", "--message", "workflow"),
		{"remote", "add", "origin", "https://" + server + "/acme/api.git"},
	} {
		wantOK(t, command{dir: dir, env: env}.run(t, git, args...))
	}
	return dir
}

// TestSandboxPassThrough: act, inside `fakeghcr sandbox --docker`, clones docker/login-action
// from a git server on the host's loopback (the stand-in for github.com, act's
// --github-instance), which the sandbox reaches only through its pass-through proxy; a run:
// step's git does the same; login-action then logs in to ghcr.io, which stays fakeghcr. With
// --offline the same command cannot clone, and the server sees no request.
func TestSandboxPassThrough(t *testing.T) {
	act := needTool(t, "act", installHint+" act")
	git := needTool(t, "git", "apt-get install -y git")
	needTool(t, "dockerd", "apt-get install -y docker.io")
	if fakeghcr.err != nil {
		t.Fatalf("fakeghcr binary not available: %v", fakeghcr.err)
	}
	home, env := clientHome(t)
	// act asks api.nektosact.com for notices at start: not here.
	env = append(env, "GIT_CONFIG_NOSYSTEM=1", "ACT_DISABLE_VERSION_CHECK=1")
	in := startInternet(t, git, env)
	repo := actWorkflowRepository(t, git, env, "testdata/passthrough/login.yml", in.addr)
	secrets := filepath.Join(home, "act.secrets")
	if err := os.WriteFile(secrets, []byte("GITHUB_TOKEN="+workflowToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	scenario, err := filepath.Abs("testdata/seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	outside := outsideView(t, in)
	// cleanEnv sets FAKEGHCR_OFFLINE=true for every other test; --offline=false overrides it.
	runAct := func(t *testing.T, flags ...string) runResult {
		args := append(append(outside[1:], fakeghcr.path, "sandbox", "--docker", "--scenario", scenario), flags...)
		args = append(args, "--", act, "push",
			"-W", ".github/workflows/login.yml",
			"-P", "ubuntu-latest=-self-hosted",
			"--github-instance", in.addr,
			"--no-cache-server",
			"--action-cache-path", filepath.Join(t.TempDir(), "act-cache"),
			"--secret-file", secrets,
		)
		return command{dir: repo, env: env}.run(t, outside[0], args...)
	}

	t.Run("pass-through", func(t *testing.T) {
		r := runAct(t, "--offline=false")
		wantOK(t, r)
		job := "[login/login]"
		wantLines(t, r.Stderr, r.Stdout, []string{job + "   | Login Succeeded!"})
		wantLines(t, r.Stderr, r.Stdout, []string{job + " 🏁  Job succeeded"})
		// git ls-remote printed the tag's commit through the proxy.
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(job) + `   \| [0-9a-f]{40}\trefs/tags/v3$`).MatchString(r.Stdout) {
			t.Errorf("no git ls-remote line for refs/tags/v3 in act's output")
		}
		reqs := strings.Join(in.requests(), "\n")
		for _, want := range []string{"GET /docker/login-action/info/refs", "POST /docker/login-action/git-upload-pack"} {
			if !strings.Contains(reqs, want) {
				t.Errorf("the stand-in internet saw no %q; it saw:\n%s", want, reqs)
			}
		}
	})

	t.Run("offline", func(t *testing.T) {
		before := len(in.requests())
		r := runAct(t, "--offline")
		wantFailMatch(t, r, regexp.QuoteMeta("[login/login] Unable to clone https://"+in.addr+"/docker/login-action refs/heads/v3: ")+`.*`)
		wantLines(t, r.Stderr, r.Stdout, []string{"[login/login] 🏁  Job failed"})
		if got := in.requests()[before:]; len(got) != 0 {
			t.Errorf("offline, the stand-in internet was reached: %q", got)
		}
	})
}
