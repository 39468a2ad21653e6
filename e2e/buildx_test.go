package e2e

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// buildx v0.38.2 with the remote driver on our own buildkitd v0.34.2 (no Docker engine):
// `buildx build --push` of a FROM scratch image. BuildKit v0.24+ shows the registry's error
// body: "failed to push REF: denied: MESSAGE".
func TestBuildx(t *testing.T) {
	var bk *buildkitd
	build := func(t *testing.T, c *clientRun, dockerfile string, args ...string) runResult {
		dir := filepath.Join(c.dir, "ctx")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if r := c.run(t, "create", "--name", "fake", "--driver", "remote", bk.addr); r.Code != 0 {
			return r
		}
		return c.run(t, append(append([]string{"build", "--builder", "fake", "--progress", "plain"}, args...), dir)...)
	}
	runClient(t, clientSpec{
		name:   "buildx",
		binary: func(t *testing.T) string { return needTool(t, "buildx", installHint+" buildx") },
		version: func(t *testing.T, c *clientRun) string {
			// "github.com/docker/buildx v0.38.2 <revision>"
			f := strings.Fields(firstLine(c.run(t, "version").Stdout))
			if len(f) < 2 {
				return "unknown"
			}
			return f[1]
		},
		setup: func(t *testing.T, c *clientRun) {
			bk = startBuildkitd(t, c.srv.Host)
		},
		push: func(t *testing.T, c *clientRun, ref, password string) runResult {
			if password != "" {
				writeDockerAuth(t, c.env, c.srv.Host, "x-access-token", password)
			}
			return build(t, c, "FROM scratch\nCOPY hello.txt /\n", "--push", "-t", ref)
		},
		pull: func(t *testing.T, c *clientRun, ref string) runResult {
			return build(t, c, "FROM "+ref+"\nCOPY hello.txt /\n")
		},
		seedDenied: func(s *server, ref string) expect {
			return exactly("ERROR: failed to build: failed to solve: failed to push " + ref + ": denied: permission_denied: write_package")
		},
		badPassword: func(s *server, ref string) expect {
			return exactly("ERROR: failed to build: failed to solve: failed to fetch oauth token: denied: denied")
		},
		anonymousPull: func(s *server, ref string) expect {
			return exactly("ERROR: failed to build: failed to solve: failed to fetch anonymous token: unexpected status from GET request to " +
				s.URL + "/token?scope=repository%3Aacme%2Fprivate%3Apull&service=ghcr.io: 401 Unauthorized")
		},
	})
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
