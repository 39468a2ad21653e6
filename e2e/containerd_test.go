package e2e

import (
	"testing"
)

// containerd's resolver as a library (what BuildKit, nerdctl and containerd's own pull use),
// through the small programs in cmd/: ctrpush16 links containerd v1.6.24 (the
// "unexpected status: 403 Forbidden" of old BuildKit), ctrpush2 links v2.4.2 (which adds the
// registry's error as a second line).

func TestContainerd16(t *testing.T) {
	runClient(t, containerdSpec("containerd-1.6", "ctrpush16", containerd16Expect))
}

func TestContainerd2(t *testing.T) {
	runClient(t, containerdSpec("containerd-2", "ctrpush2", containerd2Expect))
}

type containerdExpect struct {
	seedDenied, badPassword, anonymousPull func(s *server, ref string) expect
}

var containerd16Expect = containerdExpect{
	seedDenied: func(s *server, ref string) expect {
		return exactly("unexpected status: 403 Forbidden")
	},
	badPassword: func(s *server, ref string) expect {
		return exactly("failed to authorize: failed to fetch oauth token: unexpected status: 403 Forbidden")
	},
	anonymousPull: func(s *server, ref string) expect {
		return exactly("failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized")
	},
}

var containerd2Expect = containerdExpect{
	seedDenied: func(s *server, ref string) expect {
		return exactly(
			"unexpected status from POST request to "+s.URL+"/v2/acme/api/blobs/uploads/: 403 Forbidden",
			"denied: permission_denied: write_package")
	},
	badPassword: func(s *server, ref string) expect {
		return exactly("failed to authorize: failed to fetch oauth token: unexpected status from GET request to " + s.URL +
			"/token?scope=repository%3Aacme%2Fapi%3Apull&scope=repository%3Aacme%2Fapi%3Apull%2Cpush&service=ghcr.io: 403 Forbidden")
	},
	anonymousPull: func(s *server, ref string) expect {
		return exactly("failed to authorize: failed to fetch anonymous token: unexpected status from GET request to " + s.URL +
			"/token?scope=repository%3Aacme%2Fprivate%3Apull&service=ghcr.io: 401 Unauthorized")
	},
}

func containerdSpec(name, program string, want containerdExpect) clientSpec {
	return clientSpec{
		name:   name,
		binary: func(t *testing.T) string { return builtProgram(t, program) },
		version: func(t *testing.T, c *clientRun) string {
			return firstLine(c.run(t, "version").Stdout)
		},
		push: func(t *testing.T, c *clientRun, ref, password string) runResult {
			return c.run(t, "push", "-u", "x-access-token", "-p", password, testImage.layout, ref)
		},
		pull: func(t *testing.T, c *clientRun, ref string) runResult {
			return c.run(t, "resolve", ref)
		},
		seedDenied:    want.seedDenied,
		badPassword:   want.badPassword,
		anonymousPull: want.anonymousPull,
	}
}
