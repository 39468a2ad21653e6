//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestSandboxDockerEngine runs the Docker engine's path inside `fakeghcr sandbox --docker`: a
// private dockerd (own data root, no bridge, no iptables, certs.d/ghcr.io/ca.crt) started in
// the sandbox, so `docker login ghcr.io` and `docker push ghcr.io/...` are performed by an
// engine that reaches only fakeghcr. The seed case, the fix through --admin-addr, the push;
// then a workflow with docker login and `docker buildx build --push` (docker driver) under act.
//
// It needs root and dockerd (the private engine is not the host's, so `docker info` does not
// decide); without them it skips, even with CI=true, as the other Docker engine tests do.
func TestSandboxDockerEngine(t *testing.T) {
	docker := needTool(t, "docker", "apt-get install -y docker.io")
	if _, err := exec.LookPath("dockerd"); err != nil || os.Geteuid() != 0 {
		t.Skipf("a private Docker engine needs root and dockerd (skipped even in CI): uid %d, %v", os.Geteuid(), err)
	}
	sb := startSandbox(t, "testdata/seed.yaml", "--docker")
	rep := newClientReport(t, "sandbox-docker-engine", "fakeghcr sandbox --docker")
	_, env := clientHome(t)

	if !rep.run(t, "login", func(t *testing.T) {
		r := sb.run(t, command{env: env, stdin: workflowToken}, docker, "login", "--username", "x-access-token", "--password-stdin", "ghcr.io")
		wantOK(t, r)
		wantLines(t, r.Stderr, r.Stdout, []string{"Login Succeeded"})
	}) {
		t.Fatal("docker login failed; the other cases need it")
	}
	ctx := filepath.Join(t.TempDir(), "ctx")
	if err := os.MkdirAll(ctx, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"Dockerfile": "FROM scratch\nCOPY hello.txt /\n", "hello.txt": "hello from the private engine\n"} {
		if err := os.WriteFile(filepath.Join(ctx, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ref := "ghcr.io/acme/api:engine"
	// The legacy builder: no buildx plugin needed for this part.
	wantOK(t, sb.run(t, command{env: append(env, "DOCKER_BUILDKIT=0")}, docker, "build", "--tag", ref, ctx))

	rep.run(t, "seed_denied", func(t *testing.T) {
		r := sb.run(t, command{env: env}, docker, "push", ref)
		wantFail(t, r, "denied: permission_denied: write_package")
		wantLines(t, r.Stderr, r.Stdout, []string{"The push refers to repository [ghcr.io/acme/api]"})
	})
	buildx, buildxErr := findTool("buildx")
	// The workflow's docker runs through a wrapper that copies its stderr to a file and waits
	// for act to show a failure's last line (act_output_test.go).
	watch := newActWatch(t, map[string]string{"docker": docker})
	// actRun prepares a repository and returns a func that runs act there, and the commit.
	actRun := func(t *testing.T) (func() runResult, string) {
		act := needTool(t, "act", installHint+" act")
		git := needTool(t, "git", "apt-get install -y git")
		if buildxErr != nil {
			needTool(t, "buildx", installHint+" buildx")
		}
		home, env := clientHome(t)
		// buildx as the docker CLI plugin of this home's DOCKER_CONFIG.
		plugins := filepath.Join(home, "docker", "cli-plugins")
		if err := os.MkdirAll(plugins, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(buildx, filepath.Join(plugins, "docker-buildx")); err != nil {
			t.Fatal(err)
		}
		env = append(env, watch.path(), "GIT_CONFIG_NOSYSTEM=1")
		repo, sha := actRepositoryWith(t, git, env, "testdata/sandbox/docker-publish.yml")
		secrets := filepath.Join(home, "act.secrets")
		if err := os.WriteFile(secrets, []byte("GITHUB_TOKEN="+workflowToken+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return func() runResult {
			return sb.run(t, command{dir: repo, env: env, tee: watch.actLog}, act, "push",
				"-P", "ubuntu-latest=-self-hosted", "--action-offline-mode", "--no-cache-server",
				"--action-cache-path", filepath.Join(home, "act-cache"),
				"--secret-file", secrets,
				"--env", "DOCKER_CONFIG="+filepath.Join(home, "docker"))
		}, sha
	}
	const dockerJob = "[docker-publish/publish]"
	rep.run(t, "act_seed_denied", func(t *testing.T) {
		// As the seed reports show it with the docker driver (Snowfork/snowbridge PR #1272):
		// the step's "#N ERROR: denied: ...", the "> pushing ... with docker:" frame, and
		// buildx's closing line.
		run, sha := actRun(t)
		want := []string{
			" > pushing ghcr.io/acme/api:" + sha[:12] + " with docker:",
			"ERROR: failed to build: denied: permission_denied: write_package",
		}
		r := watch.showing(t, dockerJob, want, run)
		for _, l := range want {
			wantLines(t, watch.printed(t), "", []string{l}) // docker printed it
			wantFail(t, r, dockerJob+"   | "+l)             // and act showed it
		}
		wantLines(t, r.Stderr, r.Stdout, []string{dockerJob + " 🏁  Job failed"})
	})

	wantOK(t, sb.adminCLI(t, "access", "add", "acme/api", "acme/api", "--role", "write"))

	rep.run(t, "fixed_push", func(t *testing.T) {
		r := sb.run(t, command{env: env}, docker, "push", ref)
		wantOK(t, r)
		outside := &server{URL: sb.admin, Host: sb.admin[len("http://"):]}
		if _, err := remoteHead(outside, outside.Host+"/acme/api:engine", workflowToken); err != nil {
			t.Errorf("after the push, HEAD through the admin address: %v", err)
		}
	})
	rep.run(t, "act_fixed", func(t *testing.T) {
		run, _ := actRun(t)
		r := run()
		wantOK(t, r)
		wantLines(t, r.Stderr, r.Stdout, []string{dockerJob + " 🏁  Job succeeded"})
	})
	sb.stop(t, 0)
	if sb.code != 0 {
		t.Errorf("fakeghcr sandbox --docker exited %d\n%s", sb.code, sb.output.String())
	}
}
