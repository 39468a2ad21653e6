package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// podman 4.3 (Debian): containers/image underneath, as skopeo, but its own front end: errors
// are "Error: ..." lines. Each test has its own storage (vfs driver, no daemon); the image is
// built FROM scratch with one COPY, so nothing is pulled and no container runs.
func TestPodman(t *testing.T) {
	const local = "localhost/fakeghcr-e2e:podman"
	var storage []string
	runClient(t, clientSpec{
		name:   "podman",
		binary: func(t *testing.T) string { return needTool(t, "podman", installHint+" apt") },
		version: func(t *testing.T, c *clientRun) string {
			return strings.TrimPrefix(firstLine(c.run(t, "--version").Stdout), "podman version ")
		},
		setup: func(t *testing.T, c *clientRun) {
			storage = podmanStorage(t)
			ctx := filepath.Join(t.TempDir(), "context")
			writeFiles(t, ctx, map[string]string{
				"Dockerfile": "FROM scratch\nCOPY hello.txt /hello.txt\n",
				"hello.txt":  "hello from the fakeghcr podman e2e test\n",
			})
			wantOK(t, c.run(t, append(storage, "build", "--tag", local, ctx)...))
		},
		push: func(t *testing.T, c *clientRun, ref, password string) runResult {
			emptyAuthFile(t, c.env)
			args := append(storage, "push", "--tls-verify=false")
			if password != "" {
				args = append(args, "--creds", "x-access-token:"+password)
			}
			return c.run(t, append(args, local, "docker://"+ref)...)
		},
		pull: func(t *testing.T, c *clientRun, ref string) runResult {
			emptyAuthFile(t, c.env)
			return c.run(t, append(storage, "pull", "--tls-verify=false", ref)...)
		},
		seedDenied: func(s *server, ref string) expect {
			return exactly("Error: writing blob: initiating layer upload to /v2/acme/api/blobs/uploads/ in " + s.Host +
				": denied: permission_denied: write_package")
		},
		badPassword: func(s *server, ref string) expect {
			return matching(q("Error: trying to reuse blob ") + `sha256:[0-9a-f]{64}` +
				q(" at destination: Requesting bearer token: invalid status code from registry 403 (Forbidden)"))
		},
		anonymousPull: func(s *server, ref string) expect {
			return exactly("Error: initializing source docker://" + ref + ": unable to retrieve auth token: invalid username/password: unauthorized")
		},
	})
}

// podmanStorage returns the global flags that give podman a private store (vfs, no overlay
// mounts) under the test's temporary directory.
func podmanStorage(t *testing.T) []string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("podman runs as root here (rootless podman needs subuid ranges); skipped")
	}
	dir := t.TempDir()
	return []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"),
		"--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "none"}
}

// writeFiles writes name -> content under dir.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// emptyAuthFile creates $REGISTRY_AUTH_FILE as an empty JSON object: podman refuses a
// REGISTRY_AUTH_FILE that does not exist.
func emptyAuthFile(t testing.TB, env []string) {
	t.Helper()
	for _, kv := range env {
		if p, ok := strings.CutPrefix(kv, "REGISTRY_AUTH_FILE="); ok {
			if _, err := os.Stat(p); err == nil {
				return
			}
			if err := os.WriteFile(p, []byte("{}\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
}
