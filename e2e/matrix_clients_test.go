package e2e

import (
	"os"

	"github.com/fakeghcr/fakeghcr/clientlines"
	"path/filepath"
	"testing"
)

// The clients of the scenario matrix, each pushing and pulling as a user would.
var matrixClients = []matrixClient{
	{
		name:   "crane",
		binary: func(t *testing.T) string { return needTool(t, "crane", installHint+" crane") },
		push: func(t *testing.T, c *clientRun, ref, secret string) runResult {
			if r := craneLogin(t, c, secret); r.Code != 0 {
				return r
			}
			return c.run(t, "push", testImage.tarball, ref)
		},
		pull: func(t *testing.T, c *clientRun, ref, secret string) runResult {
			if r := craneLogin(t, c, secret); r.Code != 0 {
				return r
			}
			return c.run(t, "pull", ref, filepath.Join(c.dir, "pulled.tar"))
		},
	},
	{
		name:   "oras",
		binary: func(t *testing.T) string { return needTool(t, "oras", installHint+" oras") },
		push: func(t *testing.T, c *clientRun, ref, secret string) runResult {
			args := append([]string{"push", "--plain-http"}, orasCreds(secret)...)
			return runInDir(t, c, filepath.Dir(testImage.file), append(args, ref, filepath.Base(testImage.file))...)
		},
		pull: func(t *testing.T, c *clientRun, ref, secret string) runResult {
			args := append([]string{"pull", "--plain-http"}, orasCreds(secret)...)
			return runInDir(t, c, c.dir, append(args, ref)...)
		},
	},
	{
		name:   "skopeo",
		binary: func(t *testing.T) string { return needTool(t, "skopeo", installHint+" apt") },
		push: func(t *testing.T, c *clientRun, ref, secret string) runResult {
			args := []string{"copy", "--dest-tls-verify=false"}
			if secret != "" {
				args = append(args, "--dest-creds", "x-access-token:"+secret)
			}
			return c.run(t, append(args, "oci:"+testImage.layout, "docker://"+ref)...)
		},
		pull: func(t *testing.T, c *clientRun, ref, secret string) runResult {
			args := []string{"copy", "--src-tls-verify=false"}
			if secret != "" {
				args = append(args, "--src-creds", "x-access-token:"+secret)
			}
			return c.run(t, append(args, "docker://"+ref, "dir:"+filepath.Join(c.dir, "pulled"))...)
		},
	},
	buildxMatrixClient(),
	engineMatrixClient(),
}

func craneLogin(t *testing.T, c *clientRun, secret string) runResult {
	if secret == "" {
		return runResult{}
	}
	return c.run(t, "auth", "login", c.srv.Host, "-u", "x-access-token", "-p", secret)
}

func orasCreds(secret string) []string {
	if secret == "" {
		return nil
	}
	return []string{"-u", "x-access-token", "-p", secret}
}

// buildxMatrixClient drives buildx (remote driver) on one buildkitd shared by the whole matrix.
func buildxMatrixClient() matrixClient {
	var bk *buildkitd
	build := func(t *testing.T, c *clientRun, secret, dockerfile string, args ...string) runResult {
		if secret != "" {
			writeDockerAuth(t, c.env, c.srv.Host, "x-access-token", secret)
		}
		dir := filepath.Join(c.dir, "ctx")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, content := range map[string]string{"Dockerfile": dockerfile, "hello.txt": "hello\n"} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if r := c.run(t, "create", "--name", "fake", "--driver", "remote", bk.addr); r.Code != 0 {
			return r
		}
		return c.run(t, append(append([]string{"build", "--builder", "fake", "--progress", "plain"}, args...), dir)...)
	}
	return matrixClient{
		name:   "buildx",
		binary: func(t *testing.T) string { return needTool(t, "buildx", installHint+" buildx") },
		setup:  func(t *testing.T, c *clientRun) { bk = startBuildkitd(t, "127.0.0.1") },
		push: func(t *testing.T, c *clientRun, ref, secret string) runResult {
			return build(t, c, secret, "FROM scratch\nCOPY hello.txt /\n", "--push", "-t", ref)
		},
		pull: func(t *testing.T, c *clientRun, ref, secret string) runResult {
			return build(t, c, secret, "FROM "+ref+"\nCOPY hello.txt /\n")
		},
	}
}

// engineMatrixClient drives the Docker engine: docker login, then docker push of a FROM
// scratch image built once, or docker pull.
func engineMatrixClient() matrixClient {
	var local string
	login := func(t *testing.T, c *clientRun, secret string) runResult {
		if secret == "" {
			return runResult{}
		}
		return c.runStdin(t, secret, "login", "--username", "x-access-token", "--password-stdin", c.srv.Host)
	}
	return matrixClient{
		name: "docker",
		binary: func(t *testing.T) string {
			bin := needTool(t, "docker", "apt-get install -y docker.io")
			if err := dockerEngine(); err != nil {
				t.Skipf("no Docker engine (skipped even in CI): %v", err)
			}
			return bin
		},
		setup: func(t *testing.T, c *clientRun) {
			local = "fakeghcr-e2e-matrix:" + randomHex(t, 6)
			engineBuild(t, c, local)
			t.Cleanup(func() { c.run(t, "image", "rm", "--force", local) })
		},
		push: func(t *testing.T, c *clientRun, ref, secret string) runResult {
			if r := login(t, c, secret); r.Code != 0 {
				return r
			}
			if r := c.run(t, "tag", local, ref); r.Code != 0 {
				return r
			}
			defer c.run(t, "image", "rm", ref)
			return c.run(t, "push", ref)
		},
		pull: func(t *testing.T, c *clientRun, ref, secret string) runResult {
			if r := login(t, c, secret); r.Code != 0 {
				return r
			}
			r := c.run(t, "pull", ref)
			if r.Code == 0 {
				c.run(t, "image", "rm", ref)
			}
			return r
		},
	}
}

// TestClientLines plays every built-in scenario's pushes and pulls with each client and
// asserts the line the client's table gives for each refusal.
func TestClientLines(t *testing.T) {
	for _, mc := range matrixClients {
		t.Run(mc.name, func(t *testing.T) {
			t.Parallel()
			table, err := clientlines.Load(mc.name)
			if err != nil {
				t.Fatal(err)
			}
			rep := newClientReport(t, mc.name+"-lines", table.Version)
			cases := playScenarioMatrix(t, mc, table, rep)
			writeEvidence(t, cases)
		})
	}
}
