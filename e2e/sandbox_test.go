//go:build linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ghcr is what clients inside the sandbox see: ghcr.io itself, over HTTPS on port 443.
var ghcr = &server{URL: "https://ghcr.io", Host: "ghcr.io"}

// sandboxClient is one client's seed case and fixed push inside the sandbox, with ghcr.io
// spelled literally and no TLS or plain-HTTP flag: the sandbox's CA is in the system bundle.
type sandboxClient struct {
	name string
	// push logs in (when the client needs it) and pushes to ref with the workflow's token.
	push func(t *testing.T, sb *sandboxSession, c *clientRun, ref string) runResult
	// seedDenied is what the client prints for the seed case's 403 (one whole line or more).
	seedDenied func(ref string) expect
}

func sandboxClients(t *testing.T, sb *sandboxSession) []sandboxClient {
	return []sandboxClient{
		{
			name: "crane",
			push: func(t *testing.T, sb *sandboxSession, c *clientRun, ref string) runResult {
				crane := needTool(t, "crane", installHint+" crane")
				if r := sb.run(t, command{env: c.env}, crane, "auth", "login", "ghcr.io", "-u", "x-access-token", "-p", workflowToken); r.Code != 0 {
					return r
				}
				return sb.run(t, command{env: c.env}, crane, "push", testImage.tarball, ref)
			},
			seedDenied: func(ref string) expect {
				return exactly("Error: POST https://ghcr.io/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package")
			},
		},
		{
			name: "oras",
			push: func(t *testing.T, sb *sandboxSession, c *clientRun, ref string) runResult {
				oras := needTool(t, "oras", installHint+" oras")
				return sb.run(t, command{env: c.env, dir: filepath.Dir(testImage.file)}, oras,
					"push", "-u", "x-access-token", "-p", workflowToken, ref, filepath.Base(testImage.file))
			},
			seedDenied: func(ref string) expect {
				return exactly("Error response from registry: denied: permission_denied: write_package")
			},
		},
		{
			name: "regctl",
			push: func(t *testing.T, sb *sandboxSession, c *clientRun, ref string) runResult {
				regctl := needTool(t, "regctl", installHint+" regctl")
				return sb.run(t, command{env: c.env}, regctl, "--host", "reg=ghcr.io,user=x-access-token,pass="+workflowToken,
					"image", "import", ref, testImage.tarball)
			},
			seedDenied: func(ref string) expect {
				return exactly(`failed to import layers from docker tar: failed to send blob post, ref ` + ref +
					`: request failed: unauthorized [http 403]: {"errors":[{"code":"DENIED","message":"permission_denied: write_package"}]}`)
			},
		},
		{
			name: "skopeo",
			push: func(t *testing.T, sb *sandboxSession, c *clientRun, ref string) runResult {
				skopeo := needTool(t, "skopeo", installHint+" apt")
				return sb.run(t, command{env: c.env}, skopeo, "copy", "--dest-creds", "x-access-token:"+workflowToken,
					"oci:"+testImage.layout, "docker://"+ref)
			},
			seedDenied: func(ref string) expect {
				return matching(`time="[^"]+" level=fatal msg="` +
					q("writing blob: initiating layer upload to /v2/acme/api/blobs/uploads/ in ghcr.io: denied: permission_denied: write_package") + `"`)
			},
		},
		{
			name: "containerd-1.6",
			push: func(t *testing.T, sb *sandboxSession, c *clientRun, ref string) runResult {
				return sb.run(t, command{env: c.env}, builtProgram(t, "ctrpush16"), "push", "-u", "x-access-token", "-p", workflowToken, testImage.layout, ref)
			},
			// containerd 1.6 names no URL; the server's decision below names the POST.
			seedDenied: func(ref string) expect { return exactly("unexpected status: 403 Forbidden") },
		},
		{
			name: "buildx",
			push: func(t *testing.T, sb *sandboxSession, c *clientRun, ref string) runResult {
				buildx := needTool(t, "buildx", installHint+" buildx")
				addr := sandboxBuildkitd(t, sb)
				writeDockerAuth(t, c.env, "ghcr.io", "x-access-token", workflowToken)
				dir := filepath.Join(c.dir, "ctx")
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				for name, content := range map[string]string{"Dockerfile": "FROM scratch\nCOPY hello.txt /\n", "hello.txt": "hello " + ref + "\n"} {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				if r := sb.run(t, command{env: c.env}, buildx, "create", "--name", "fake-"+strings.ReplaceAll(filepath.Base(ref), ":", "-"), "--driver", "remote", addr); r.Code != 0 {
					return r
				}
				return sb.run(t, command{env: c.env}, buildx, "build", "--builder", "fake-"+strings.ReplaceAll(filepath.Base(ref), ":", "-"), "--progress", "plain", "--push", "-t", ref, dir)
			},
			seedDenied: func(ref string) expect {
				return exactly("ERROR: failed to build: failed to solve: failed to push " + ref + ": denied: permission_denied: write_package")
			},
		},
	}
}

// sandboxBuildkitd starts buildkitd inside the sandbox (no registry configuration: it trusts
// ghcr.io through the system bundle) once per session and returns its address.
func sandboxBuildkitd(t *testing.T, sb *sandboxSession) string {
	t.Helper()
	sb.bkOnce.Do(func() {
		bin, err := findTool("buildkitd")
		if err != nil {
			sb.bkErr = err
			return
		}
		if os.Geteuid() != 0 {
			sb.bkErr = fmt.Errorf("buildkitd runs as root here")
			return
		}
		dir := filepath.Join(sb.dir, "bk")
		if sb.bkErr = os.MkdirAll(dir, 0o700); sb.bkErr != nil {
			return
		}
		sb.bkAddr = "unix://" + filepath.Join(dir, "buildkitd.sock")
		config := fmt.Sprintf("root = %q\n[grpc]\n  address = [%q]\n[worker.oci]\n  enabled = true\n  snapshotter = \"native\"\n  networkMode = \"host\"\n  gc = false\n[worker.containerd]\n  enabled = false\n",
			filepath.Join(dir, "root"), sb.bkAddr)
		if sb.bkErr = os.WriteFile(filepath.Join(dir, "buildkitd.toml"), []byte(config), 0o644); sb.bkErr != nil {
			return
		}
		sb.start(t, filepath.Join(dir, "buildkitd.log"), []string{"HOME=" + dir}, bin, "--config", filepath.Join(dir, "buildkitd.toml"))
	})
	if sb.bkErr != nil {
		needTool(t, "buildkitd", installHint+" buildkit")
		t.Skipf("buildkitd: %v", sb.bkErr)
	}
	return sb.bkAddr
}

// TestSandbox runs real clients inside `fakeghcr sandbox` with ghcr.io spelled literally:
// each reproduces the seed case (the workflow's GITHUB_TOKEN pushing to acme/api, which grants
// the repository no Actions access), then `fakeghcr access add` through --admin-addr applies
// GitHub's fix from outside, and each push succeeds. act runs examples/workflows/publish.yml
// unchanged in the same sandbox: denied, then `Job succeeded`. Finally the sandbox's exit
// status is its command's, and it prints the refusals it saw.
func TestSandbox(t *testing.T) {
	sb := startSandbox(t, "testdata/seed.yaml")
	clients := sandboxClients(t, sb)
	homes := map[string]*clientRun{}
	for _, c := range clients {
		cr := &clientRun{}
		cr.dir, cr.env = clientHome(t)
		homes[c.name] = cr
	}
	rep := newClientReport(t, "sandbox", "fakeghcr sandbox")

	rep.run(t, "isolation", func(t *testing.T) {
		curl := needTool(t, "curl", "apt-get install -y curl")
		r := sb.run(t, command{}, curl, "-sS", "https://ghcr.io/_fakeghcr/healthz")
		wantOK(t, r)
		wantLines(t, r.Stderr, r.Stdout, []string{"ok"})
		// The admin address is on the host's loopback: not reachable from inside.
		r = sb.run(t, command{}, curl, "-sS", "--max-time", "5", sb.admin+"/_fakeghcr/healthz")
		if r.Code == 0 {
			t.Errorf("inside, %s answered: the host's loopback is reachable", sb.admin)
		}
	})

	t.Run("seed_denied", func(t *testing.T) {
		for _, c := range clients {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				ref := "ghcr.io/acme/api:" + strings.ReplaceAll(c.name, ".", "") + "-seed"
				c.seedDenied(ref).check(t, c.push(t, sb, homes[c.name], ref))
			})
		}
		t.Run("act", func(t *testing.T) {
			t.Parallel()
			sandboxAct(t, sb, false)
		})
	})

	// GitHub's fix, from outside, through the admin address.
	r := sb.adminCLI(t, "access", "add", "acme/api", "acme/api", "--role", "write")
	wantOK(t, r)

	t.Run("fixed_push", func(t *testing.T) {
		for _, c := range clients {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				ref := "ghcr.io/acme/api:" + strings.ReplaceAll(c.name, ".", "") + "-fixed"
				wantOK(t, c.push(t, sb, homes[c.name], ref))
				// From outside, through the admin address, the pushed tag is there.
				outside := &server{URL: sb.admin, Host: strings.TrimPrefix(sb.admin, "http://")}
				if _, err := remoteHead(outside, outside.Host+"/acme/api:"+strings.ReplaceAll(c.name, ".", "")+"-fixed", workflowToken); err != nil {
					t.Errorf("after the push, HEAD through the admin address: %v", err)
				}
			})
		}
		t.Run("act", func(t *testing.T) {
			t.Parallel()
			sandboxAct(t, sb, true)
		})
	})

	sb.stop(t, 3)
	if sb.code != 3 {
		t.Errorf("fakeghcr sandbox exited %d, want its command's 3\n%s", sb.code, sb.output.String())
	}
	out := sb.output.String()
	t.Logf("fakeghcr sandbox output:\n%s", indent(out))
	for _, want := range []string{"rule: actions_access_missing", "fix:  Package settings"} {
		if !strings.Contains(out, want) {
			t.Errorf("fakeghcr sandbox printed no %q at the end", want)
		}
	}
}
