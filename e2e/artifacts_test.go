package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// OCI 1.1 artifacts on GHCR: manifests with subject and artifactType are stored, but GHCR has
// no referrers API (404 MANIFEST_UNKNOWN, no OCI-Subject header; GitHub staff in
// https://github.com/actions/attest-build-provenance/issues/91), so clients fall back to the
// tag schema: the referrer is tagged sha256-<subject hex>.
//
// TestOrasAttach attaches an SBOM to an image with `oras attach`, finds it with
// `oras discover`, and checks the fallback tag and the wire answers.
func TestOrasAttach(t *testing.T) {
	t.Parallel()
	bin := needTool(t, "oras", installHint+" oras")
	srv := startServer(t, "testdata/seed.yaml")
	c := &clientRun{bin: bin, srv: srv}
	c.dir, c.env = clientHome(t)
	subject := srv.Host + "/acme/base:v1"
	pushTestImage(t, subject, aliceToken)
	digest := testImage.digest.String()
	sbom := filepath.Join(c.dir, "sbom.json")
	if err := os.WriteFile(sbom, []byte(`{"bomFormat":"CycloneDX"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	creds := []string{"--plain-http", "-u", "x-access-token", "-p", aliceToken}

	r := runInDir(t, c, c.dir, append(append([]string{"attach"}, creds...),
		"--artifact-type", "application/vnd.cyclonedx+json", subject, "sbom.json")...)
	wantOK(t, r)
	wantLines(t, r.Stderr, r.Stdout, []string{"Attached to [registry] " + srv.Host + "/acme/base@" + digest})
	m := regexp.MustCompile(`(?m)^Digest: (sha256:[0-9a-f]{64})$`).FindStringSubmatch(r.Stdout)
	if m == nil {
		t.Fatalf("oras attach printed no Digest line:\n%s", indent(r.Stdout))
	}
	referrer := m[1]

	r = c.run(t, append(append([]string{"discover"}, creds...), "--format", "json", subject)...)
	wantOK(t, r)
	var found struct {
		Referrers []struct {
			Digest       string `json:"digest"`
			ArtifactType string `json:"artifactType"`
		} `json:"referrers"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &found); err != nil {
		t.Fatalf("oras discover --format json: %v\n%s", err, r.Stdout)
	}
	if len(found.Referrers) != 1 || found.Referrers[0].Digest != referrer ||
		found.Referrers[0].ArtifactType != "application/vnd.cyclonedx+json" {
		t.Errorf("oras discover found %+v, want the one referrer %s", found.Referrers, referrer)
	}

	r = c.run(t, append(append([]string{"repo", "tags"}, creds...), srv.Host+"/acme/base")...)
	wantOK(t, r)
	fallback := "sha256-" + strings.TrimPrefix(digest, "sha256:")
	if diff := cmp.Diff([]string{fallback, "v1"}, strings.Fields(r.Stdout)); diff != "" {
		t.Errorf("tags of acme/base (-want +got):\n%s", diff)
	}

	// The wire: no referrers API, no OCI-Subject header.
	token := bearer(t, srv, "acme/base", "pull,push", aliceToken)
	status, body, _ := wire(t, http.MethodGet, srv.URL+"/v2/acme/base/referrers/"+digest, token, "", nil)
	if status != http.StatusNotFound || strings.TrimSpace(body) != `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}` {
		t.Errorf("GET referrers: %d %s, want 404 MANIFEST_UNKNOWN", status, body)
	}
	_, manifest, _ := wire(t, http.MethodGet, srv.URL+"/v2/acme/base/manifests/"+referrer, token,
		"application/vnd.oci.image.manifest.v1+json", nil)
	status, body, h := wire(t, http.MethodPut, srv.URL+"/v2/acme/base/manifests/again", token,
		"application/vnd.oci.image.manifest.v1+json", strings.NewReader(manifest))
	if status != http.StatusCreated {
		t.Fatalf("PUT of the referrer's manifest under a tag: %d %s", status, body)
	}
	if v, ok := h["Oci-Subject"]; ok {
		t.Errorf("PUT of a manifest with a subject answered OCI-Subject: %v; GHCR sends none", v)
	}
}

// bearer gets a token for repo with the actions (e.g. "pull,push") from the server's /token.
func bearer(t *testing.T, s *server, repo, actions, secret string) string {
	t.Helper()
	q := url.Values{"scope": {"repository:" + repo + ":" + actions}, "service": {"ghcr.io"}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/token?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("x-access-token", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.Token == "" {
		t.Fatalf("/token for %s %s: %s (%v)", repo, actions, resp.Status, err)
	}
	return tok.Token
}

// wire sends one request with a bearer token and returns status, body and headers.
func wire(t *testing.T, method, u, token, contentType string, body io.Reader) (int, string, http.Header) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		if body != nil {
			req.Header.Set("Content-Type", contentType)
		} else {
			req.Header.Set("Accept", contentType)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}
