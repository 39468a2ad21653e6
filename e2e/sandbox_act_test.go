//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// sandboxAct runs examples/workflows/publish.yml with act in host mode inside the sandbox,
// unchanged: no --env REGISTRY, so its steps log in to and push to ghcr.io itself. Before the
// fix it fails with crane's text for GHCR's 403 (read from the file crane's wrapper writes, and
// as act shows it: act_output_test.go); after it, the job succeeds.
func sandboxAct(t *testing.T, sb *sandboxSession, fixed bool) {
	act := needTool(t, "act", installHint+" act")
	crane := needTool(t, "crane", installHint+" crane")
	git := needTool(t, "git", "apt-get install -y git")
	home, env := clientHome(t)
	watch := newActWatch(t, map[string]string{"crane": crane})
	env = append(env, watch.path(filepath.Dir(crane)), "GIT_CONFIG_NOSYSTEM=1")
	repo, sha := actRepository(t, git, env)
	secrets := filepath.Join(home, "act.secrets")
	if err := os.WriteFile(secrets, []byte("GITHUB_TOKEN="+workflowToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	runAct := func() runResult {
		return sb.run(t, command{dir: repo, env: env, tee: watch.actLog}, act, "push",
			"-P", "ubuntu-latest=-self-hosted",
			"--action-offline-mode",
			"--no-cache-server",
			"--action-cache-path", filepath.Join(home, "act-cache"),
			"--secret-file", secrets,
			"--env", "DOCKER_CONFIG="+filepath.Join(home, "docker"),
		)
	}
	if !fixed {
		craneLine := "Error: pushing image ghcr.io/acme/api:" + sha[:12] +
			": POST https://ghcr.io/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package"
		r := watch.showing(t, actJob, []string{craneLine}, runAct)
		wantLines(t, watch.printed(t), "", []string{craneLine})
		wantFail(t, r, actJob+"   | "+craneLine)
		wantLines(t, r.Stderr, r.Stdout, []string{actJob + " 🏁  Job failed"})
		return
	}
	r := runAct()
	wantOK(t, r)
	wantLines(t, r.Stderr, r.Stdout, []string{actJob + " 🏁  Job succeeded"})
}

// actRepositoryWith is actRepository with another workflow file.
func actRepositoryWith(t *testing.T, git string, env []string, workflow string) (dir, sha string) {
	t.Helper()
	dir, _ = actRepository(t, git, env)
	b, err := os.ReadFile(workflow)
	if err != nil {
		t.Fatal(err)
	}
	workflows := filepath.Join(dir, ".github", "workflows")
	if err := os.Remove(filepath.Join(workflows, "publish.yml")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(workflows, filepath.Base(workflow)), b, 0o644); err != nil {
		t.Fatal(err)
	}
	ident := []string{"-c", "user.name=fakeghcr e2e", "-c", "user.email=e2e@fakeghcr.test", "-c", "commit.gpgsign=false"}
	for _, args := range [][]string{{"add", "-A"}, append(ident, "commit", "--quiet", "--message", "docker workflow")} {
		wantOK(t, command{dir: dir, env: env}.run(t, git, args...))
	}
	sha = firstLine(command{dir: dir, env: env}.run(t, git, "rev-parse", "HEAD").Stdout)
	return dir, sha
}
