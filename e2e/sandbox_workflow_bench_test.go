//go:build linux

package e2e

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkWorkflowInSandbox and BenchmarkWorkflowOutside time the same act run of
// examples/workflows/publish.yml (crane logs in and pushes a one-layer image) end to end: inside
// `fakeghcr sandbox --offline` against fakeghcr's world workflow-first-publish (the push is
// allowed), and outside against a plain registry (distribution's `registry serve`, no auth) on
// the host's loopback with --env REGISTRY. The difference is what the sandbox costs a run:
// its start, TLS and fakeghcr's token service. Rerun on a quiet machine:
//
//	cd e2e && PATH=$HOME/go/bin:$PATH go test -run '^$' -bench 'Workflow(InSandbox|Outside)$' -benchtime 5x .
func BenchmarkWorkflowInSandbox(b *testing.B) {
	act, crane, git := benchTools(b)
	home, env := clientHome(b)
	env = append(env, "PATH="+filepath.Dir(crane)+string(os.PathListSeparator)+os.Getenv("PATH"), "GIT_CONFIG_NOSYSTEM=1", "ACT_DISABLE_VERSION_CHECK=1")
	repo := benchRepository(b, git, env)
	for b.Loop() {
		r := command{dir: repo, env: env}.run(b, fakeghcr.path, "sandbox", "--offline", "--scenario", "workflow-first-publish", "--explain=false", "--",
			act, "push", "-P", "ubuntu-latest=-self-hosted", "--action-offline-mode", "--no-cache-server",
			"--action-cache-path", filepath.Join(home, "act-cache"), "-s", "GITHUB_TOKEN=ghs_api_workflow")
		if r.Code != 0 {
			b.Fatalf("exit %d\n%s", r.Code, r.Output())
		}
	}
}

func BenchmarkWorkflowOutside(b *testing.B) {
	act, crane, git := benchTools(b)
	registry := needTool(b, "registry", installHint+" registry")
	home, env := clientHome(b)
	env = append(env, "PATH="+filepath.Dir(crane)+string(os.PathListSeparator)+os.Getenv("PATH"), "GIT_CONFIG_NOSYSTEM=1", "ACT_DISABLE_VERSION_CHECK=1")
	repo := benchRepository(b, git, env)
	addr := plainRegistry(b, registry, home)
	for b.Loop() {
		r := command{dir: repo, env: env}.run(b, act, "push", "-P", "ubuntu-latest=-self-hosted", "--action-offline-mode", "--no-cache-server",
			"--action-cache-path", filepath.Join(home, "act-cache"), "--env", "REGISTRY="+addr, "-s", "GITHUB_TOKEN=ghs_api_workflow")
		if r.Code != 0 {
			b.Fatalf("exit %d\n%s", r.Code, r.Output())
		}
	}
}

func benchTools(b *testing.B) (act, crane, git string) {
	b.Helper()
	if fakeghcr.err != nil {
		b.Fatalf("fakeghcr binary not available: %v", fakeghcr.err)
	}
	return needTool(b, "act", installHint+" act"), needTool(b, "crane", installHint+" crane"), needTool(b, "git", "apt-get install -y git")
}

// benchRepository is a clone-like repository of acme/api holding the example workflow.
func benchRepository(b *testing.B, git string, env []string) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "api")
	if err := os.MkdirAll(filepath.Join(dir, ".github", "workflows"), 0o755); err != nil {
		b.Fatal(err)
	}
	w, err := os.ReadFile(actWorkflow)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".github", "workflows", "publish.yml"), w, 0o644); err != nil {
		b.Fatal(err)
	}
	ident := []string{"-c", "user.name=fakeghcr e2e", "-c", "user.email=e2e@fakeghcr.test", "-c", "commit.gpgsign=false"}
	for _, args := range [][]string{
		{"init", "--quiet", "--initial-branch", "main"}, {"add", "."},
		append(ident, "commit", "--quiet", "--message", "publish workflow"),
		{"remote", "add", "origin", "https://github.com/acme/api.git"},
	} {
		if r := (command{dir: dir, env: env}).run(b, git, args...); r.Code != 0 {
			b.Fatalf("git %v: %s", args, r.Output())
		}
	}
	return dir
}

// plainRegistry starts distribution's registry on a free loopback port and returns its address.
func plainRegistry(b *testing.B, bin, dir string) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	config := filepath.Join(dir, "registry.yml")
	if err := os.WriteFile(config, []byte("version: 0.1\nlog:\n  level: error\nstorage:\n  inmemory: {}\nhttp:\n  addr: "+addr+"\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", config)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			b.Fatalf("registry did not listen on %s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
