package e2e

import (
	"strings"
	"testing"
)

// skopeo 1.9.3 (Debian): --dest-tls-verify=false / --src-tls-verify=false for plain HTTP;
// credentials per command. Errors are logrus lines with a timestamp.
func TestSkopeo(t *testing.T) {
	fatal := func(msg string) expect {
		return matching(`time="[^"]+" level=fatal msg="` + msg + `"`)
	}
	runClient(t, clientSpec{
		name:   "skopeo",
		binary: func(t *testing.T) string { return needTool(t, "skopeo", installHint+" apt") },
		version: func(t *testing.T, c *clientRun) string {
			return strings.TrimPrefix(firstLine(c.run(t, "--version").Stdout), "skopeo version ")
		},
		push: func(t *testing.T, c *clientRun, ref, password string) runResult {
			args := []string{"copy", "--dest-tls-verify=false"}
			if password != "" {
				args = append(args, "--dest-creds", "x-access-token:"+password)
			}
			return c.run(t, append(args, "oci:"+testImage.layout, "docker://"+ref)...)
		},
		pull: func(t *testing.T, c *clientRun, ref string) runResult {
			return c.run(t, "copy", "--src-tls-verify=false", "docker://"+ref, "dir:"+c.dir+"/pulled")
		},
		seedDenied: func(s *server, ref string) expect {
			return fatal(q("writing blob: initiating layer upload to /v2/acme/api/blobs/uploads/ in " + s.Host +
				": denied: permission_denied: write_package"))
		},
		badPassword: func(s *server, ref string) expect {
			return fatal(`trying to reuse blob sha256:[0-9a-f]{64} at destination: ` +
				q("Requesting bearer token: invalid status code from registry 403 (Forbidden)"))
		},
		anonymousPull: func(s *server, ref string) expect {
			return fatal(q(`initializing source docker://` + ref + `: unable to retrieve auth token: invalid username/password: unauthorized`))
		},
	})
}
