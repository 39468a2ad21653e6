package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The docker CLI without its engine: `docker login` (a client-side login when no engine
// answers, the engine's /auth otherwise) and `docker manifest create/push --insecure`, which
// run entirely in the CLI and push by cross-repository blob mounts. The source image is pushed
// by alice to the public acme/base.
func TestDockerCLI(t *testing.T) {
	const base = "/acme/base:v1"
	// The engine, when one runs, does the login itself and its errors carry its prefix.
	daemonPrefix := func() string {
		if dockerEngine() == nil {
			return "Error response from daemon: "
		}
		return ""
	}
	runClient(t, clientSpec{
		name:   "docker-cli",
		binary: func(t *testing.T) string { return needTool(t, "docker", "apt-get install -y docker.io") },
		version: func(t *testing.T, c *clientRun) string {
			return firstLine(c.run(t, "version", "--format", "{{.Client.Version}}").Stdout)
		},
		setup: func(t *testing.T, c *clientRun) {
			pushTestImage(t, c.srv.Host+base, aliceToken)
		},
		push: func(t *testing.T, c *clientRun, ref, password string) runResult {
			if r := c.runStdin(t, password, "login", "-u", "x-access-token", "--password-stdin", c.srv.Host); r.Code != 0 {
				return r
			}
			src := c.srv.Host + "/acme/base@" + testImage.digest.String()
			if r := c.run(t, "manifest", "create", "--insecure", ref, src); r.Code != 0 {
				return r
			}
			return c.run(t, "manifest", "push", "--insecure", ref)
		},
		pull: func(t *testing.T, c *clientRun, ref string) runResult {
			return c.run(t, "manifest", "inspect", "--insecure", ref)
		},
		seedDenied: func(s *server, ref string) expect {
			return matching(q("failed to mount blob acme/base@") + `sha256:[0-9a-f]{64}` +
				q(" to "+ref+": denied: permission_denied: write_package"))
		},
		badPassword: func(s *server, ref string) expect {
			return exactly(daemonPrefix() + `Get "` + s.URL + `/v2/": denied: denied`)
		},
		anonymousPull: func(s *server, ref string) expect {
			return exactly(`Get "` + s.URL + `/v2/acme/private/manifests/latest": unauthorized`)
		},
	})
}

// dockerEngine reports whether a Docker engine answers `docker info` (nil) or why not.
var dockerEngine = sync.OnceValue(func() error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}}")
	cmd.Env = append(cleanEnv(), "HOME="+workDir, "DOCKER_CONFIG="+filepath.Join(workDir, "docker-info"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return &engineError{err: err, out: string(out)}
	}
	return nil
})

type engineError struct {
	err error
	out string
}

func (e *engineError) Error() string { return "docker info: " + e.err.Error() + ": " + e.out }

// needDockerEngine skips the test when no Docker engine runs, even in CI.
func needDockerEngine(t testing.TB) {
	t.Helper()
	needTool(t, "docker", "apt-get install -y docker.io")
	if err := dockerEngine(); err != nil {
		t.Skipf("no Docker engine (skipped even in CI): %v", err)
	}
}
