package e2e

import (
	"testing"
)

// crane (go-containerregistry v0.22.1): plain HTTP is automatic for 127.0.0.1; credentials come
// from `crane auth login`, which stores them without checking them.
func TestCrane(t *testing.T) {
	runClient(t, clientSpec{
		name:   "crane",
		binary: func(t *testing.T) string { return needTool(t, "crane", installHint+" crane") },
		version: func(t *testing.T, c *clientRun) string {
			return firstLine(c.run(t, "version").Stdout)
		},
		push: func(t *testing.T, c *clientRun, ref, password string) runResult {
			if r := c.run(t, "auth", "login", c.srv.Host, "-u", "x-access-token", "-p", password); r.Code != 0 {
				return r
			}
			return c.run(t, "push", testImage.tarball, ref)
		},
		pull: func(t *testing.T, c *clientRun, ref string) runResult {
			return c.run(t, "pull", ref, c.dir+"/pulled.tar")
		},
		seedDenied: func(s *server, ref string) expect {
			return exactly("Error: POST " + s.URL + "/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package")
		},
		badPassword: func(s *server, ref string) expect {
			return exactly("Error: GET " + s.URL + "/token?scope=repository%3Aacme%2Fapi%3Apush%2Cpull&service=ghcr.io: DENIED: denied")
		},
		anonymousPull: func(s *server, ref string) expect {
			return exactly("Error: GET " + s.URL + "/token?scope=repository%3Aacme%2Fprivate%3Apull&service=ghcr.io: UNAUTHORIZED: authentication required")
		},
	})
}
