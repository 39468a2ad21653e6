package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// oras 1.3.6: --plain-http is required even on loopback; credentials per command (-u/-p).
// It pushes an artifact (one file) rather than an image.
func TestOras(t *testing.T) {
	runClient(t, clientSpec{
		name:   "oras",
		binary: func(t *testing.T) string { return needTool(t, "oras", installHint+" oras") },
		version: func(t *testing.T, c *clientRun) string {
			v := firstLine(c.run(t, "version").Stdout) // "Version:    1.3.6"
			return strings.TrimSpace(strings.TrimPrefix(v, "Version:"))
		},
		push: func(t *testing.T, c *clientRun, ref, password string) runResult {
			return runInDir(t, c, filepath.Dir(testImage.file),
				"push", "--plain-http", "-u", "x-access-token", "-p", password,
				ref, filepath.Base(testImage.file))
		},
		pull: func(t *testing.T, c *clientRun, ref string) runResult {
			return runInDir(t, c, c.dir, "pull", "--plain-http", ref)
		},
		seedDenied: func(s *server, ref string) expect {
			return exactly("Error response from registry: denied: permission_denied: write_package")
		},
		badPassword: func(s *server, ref string) expect {
			return exactly("Error response from registry: denied: denied")
		},
		anonymousPull: func(s *server, ref string) expect {
			return exactly("Error response from registry: unauthorized: authentication required")
		},
	})
}
