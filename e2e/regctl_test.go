package e2e

import (
	"testing"
)

// regctl v0.11.7: plain HTTP and credentials through --host; it labels a 403 "unauthorized"
// and prints the raw error body.
func TestRegctl(t *testing.T) {
	host := func(c *clientRun, password string) string {
		h := "reg=" + c.srv.Host + ",tls=disabled"
		if password != "" {
			h += ",user=x-access-token,pass=" + password
		}
		return h
	}
	runClient(t, clientSpec{
		name:   "regctl",
		binary: func(t *testing.T) string { return needTool(t, "regctl", installHint+" regctl") },
		version: func(t *testing.T, c *clientRun) string {
			return firstLine(c.run(t, "version", "--format", "{{.VCSTag}}").Stdout)
		},
		push: func(t *testing.T, c *clientRun, ref, password string) runResult {
			return c.run(t, "--host", host(c, password), "image", "import", ref, testImage.tarball)
		},
		pull: func(t *testing.T, c *clientRun, ref string) runResult {
			return c.run(t, "--host", host(c, ""), "image", "export", ref, c.dir+"/pulled.tar")
		},
		seedDenied: func(s *server, ref string) expect {
			return exactly(`failed to import layers from docker tar: failed to send blob post, ref ` + ref +
				`: request failed: unauthorized [http 403]: {"errors":[{"code":"DENIED","message":"permission_denied: write_package"}]}`)
		},
		badPassword: func(s *server, ref string) expect {
			return exactly(`failed to import layers from docker tar: failed to send blob post, ref ` + ref + `: unauthorized`)
		},
		anonymousPull: func(s *server, ref string) expect {
			return exactly(`failed to get manifest ` + ref + `: unauthorized`)
		},
	})
}
