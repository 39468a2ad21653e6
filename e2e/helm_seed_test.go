package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Helm 3 (oras-go underneath) pushes a chart to oci://HOST/acme: the package is acme/<chart
// name>, the tag the chart's version. The seed case: the workflow's GITHUB_TOKEN pushes chart
// "api" to the existing package acme/api, is refused at the upload POST, the admin API grants
// acme/api write, the push goes through and `helm pull` fetches the chart back.
func TestHelm(t *testing.T) {
	t.Parallel()
	bin := needTool(t, "helm", installHint+" helm")
	c := &clientRun{bin: bin}
	c.dir, c.env = clientHome(t)
	rep := newClientReport(t, "helm", strings.TrimSpace(c.run(t, "version", "--short").Stdout))
	c.srv = startServer(t, "testdata/seed.yaml")
	fresh := func(t *testing.T) *clientRun {
		h := &clientRun{bin: c.bin, srv: c.srv}
		h.dir, h.env = clientHome(t)
		return h
	}
	chart := helmChart(t, c, "api", "0.1.0")
	login := func(t *testing.T, h *clientRun, password string) runResult {
		return h.runStdin(t, password, "registry", "login", c.srv.Host, "--plain-http",
			"--username", "x-access-token", "--password-stdin")
	}
	oci := "oci://" + c.srv.Host + "/acme"

	rep.run(t, "seed_denied", func(t *testing.T) {
		h := fresh(t)
		wantOK(t, login(t, h, workflowToken))
		wantFail(t, h.run(t, "push", chart, oci, "--plain-http"),
			`Error: failed to perform "Push" on destination: POST "`+c.srv.URL+
				`/v2/acme/api/blobs/uploads/": response status code 403: denied: permission_denied: write_package`)
	})
	rep.run(t, "bad_password", func(t *testing.T) {
		h := fresh(t)
		// oras-go checks a login with a token request for a made-up repository.
		wantFail(t, login(t, h, wrongPassword),
			`Error: authenticating to "`+c.srv.Host+`": GET "`+c.srv.URL+`/v2/": GET "`+c.srv.URL+
				`/token?scope=repository%3Auser%2Fimage%3Apull&service=ghcr.io": response status code 403: denied: denied`)
	})
	rep.run(t, "anonymous_private_pull", func(t *testing.T) {
		h := fresh(t)
		r := runInDir(t, h, h.dir, "pull", oci+"/private", "--version", "1.0.0", "--plain-http")
		wantFail(t, r, `Error: failed to perform "FetchReference" on source: GET "`+c.srv.URL+
			`/v2/acme/private/manifests/1.0.0": GET "`+c.srv.URL+
			`/token?scope=repository%3Aacme%2Fprivate%3Apull&service=ghcr.io": response status code 401: unauthorized: authentication required`)
	})
	rep.run(t, "fixed_push", func(t *testing.T) {
		h := fresh(t)
		c.srv.grantWorkflowWrite(t)
		wantOK(t, login(t, h, workflowToken))
		r := h.run(t, "push", chart, oci, "--plain-http")
		wantOK(t, r)
		if _, err := remoteHead(c.srv, c.srv.Host+"/acme/api:0.1.0", workflowToken); err != nil {
			t.Fatalf("after helm push, HEAD acme/api:0.1.0: %v", err)
		}
		out := filepath.Join(h.dir, "pulled")
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		wantOK(t, runInDir(t, h, h.dir, "pull", oci+"/api", "--version", "0.1.0", "--plain-http", "--destination", out))
		if _, err := os.Stat(filepath.Join(out, "api-0.1.0.tgz")); err != nil {
			t.Errorf("helm pull wrote no chart: %v", err)
		}
	})
}

// helmChart writes a minimal chart and packages it with helm; it returns the .tgz path.
func helmChart(t *testing.T, c *clientRun, name, version string) string {
	t.Helper()
	src := filepath.Join(c.dir, "chart-src", name)
	writeFiles(t, src, map[string]string{
		"Chart.yaml": "apiVersion: v2\nname: " + name + "\nversion: " + version + "\ntype: application\n",
	})
	writeFiles(t, filepath.Join(src, "templates"), map[string]string{
		"configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  hello: world\n",
	})
	out := filepath.Join(c.dir, "charts")
	wantOK(t, c.run(t, "package", src, "--destination", out))
	return filepath.Join(out, name+"-"+version+".tgz")
}
