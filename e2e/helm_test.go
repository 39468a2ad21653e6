package e2e

import (
	"path/filepath"
	"testing"
)

// TestHelmLag: helm (every release after 3.18.6; 3.22.0 here) pushes a
// chart's manifest, then tags it by reading it back; against GHCR's read-after-write lag (a fault: manifests answer
// 404 for 2 s after each push) the push fails as NVIDIA/k8s-test-infra#390
// and Infomaniak/cert-manager-webhook-infomaniak#29 report. Without the
// fault the same push succeeds.
func TestHelmLag(t *testing.T) {
	t.Parallel()
	helm := needTool(t, "helm", installHint+" helm")
	s := startServer(t, "testdata/seed.yaml")
	dir, env := clientHome(t)
	run := func(args ...string) runResult { return command{dir: dir, env: env}.run(t, helm, args...) }
	wantOK(t, run("create", "mychart"))
	wantOK(t, run("package", "mychart"))
	chart := filepath.Join(dir, "mychart-0.1.0.tgz")
	wantOK(t, run("registry", "login", s.Host, "-u", "alice", "-p", aliceToken, "--insecure"))

	faultCmd(t, s, "add", "--lag", "2s", "--path", "/v2/*/manifests/*")
	r := run("push", chart, "oci://"+s.Host+"/acme", "--plain-http")
	wantFailMatch(t, r, q(`Error: failed to perform "Tag" on destination: `)+`sha256:[0-9a-f]{64}`+q(`: not found`))
	if fired := firedCount(t, s); fired < 1 {
		t.Errorf("the lag fault fired %d times", fired)
	}

	faultCmd(t, s, "clear")
	r = run("push", chart, "oci://"+s.Host+"/acme", "--plain-http")
	wantOK(t, r)
	wantLines(t, r.Stderr, r.Stdout, []string{"Pushed: " + s.Host + "/acme/mychart:0.1.0"})
}
