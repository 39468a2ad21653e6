package registry_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

const imagesScenario = `
owners:
  - {login: acme, type: organization, members: [alice], owners: [alice]}
  - {login: alice, type: user}
packages:
  - name: acme/app
    visibility: public
    indexes:
      - {tag: v1, platforms: [linux/amd64, linux/arm64/v8]}
    artifacts:
      - {subject: v1, artifact_type: application/vnd.cyclonedx+json}
      - {subject: v1, artifact_type: application/vnd.dev.cosign.simplesigning.v1+json}
`

// A scenario preloads a multi-arch index and artifacts with a subject: the index lists one
// image per platform, and the artifacts are found through the sha256-<hex> tag, as on GHCR.
func TestPreloadedIndexAndArtifacts(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Parse("images.yaml", []byte(imagesScenario))
	if err != nil {
		t.Fatal(err)
	}
	f := startScenario(t, sc, registry.Options{})
	tok := f.token(t, "", "repository:acme/app:pull")
	auth := "Bearer " + tok
	r := f.do(t, http.MethodGet, "/v2/acme/app/manifests/v1", nil, "Authorization", auth, "Accept", "application/vnd.oci.image.index.v1+json")
	if r.Status != http.StatusOK {
		t.Fatalf("GET index: %d %s", r.Status, r.Body)
	}
	var index struct {
		Manifests []struct {
			Digest   string            `json:"digest"`
			Platform map[string]string `json:"platform"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(r.Body, &index); err != nil {
		t.Fatal(err)
	}
	var platforms []string
	for _, m := range index.Manifests {
		platforms = append(platforms, m.Platform["os"]+"/"+m.Platform["architecture"]+strings.TrimRight("/"+m.Platform["variant"], "/"))
		if c := f.do(t, http.MethodGet, "/v2/acme/app/manifests/"+m.Digest, nil, "Authorization", auth,
			"Accept", "application/vnd.oci.image.manifest.v1+json"); c.Status != http.StatusOK {
			t.Errorf("child %s: %d", m.Digest, c.Status)
		}
	}
	if strings.Join(platforms, " ") != "linux/amd64 linux/arm64/v8" {
		t.Errorf("platforms %q", platforms)
	}
	digest := r.Header.Get("Docker-Content-Digest")
	ref := f.do(t, http.MethodGet, "/v2/acme/app/manifests/"+strings.Replace(digest, ":", "-", 1), nil, "Authorization", auth,
		"Accept", "application/vnd.oci.image.index.v1+json")
	if ref.Status != http.StatusOK {
		t.Fatalf("GET the sha256-<hex> tag: %d %s", ref.Status, ref.Body)
	}
	var refs struct {
		Manifests []struct {
			ArtifactType string `json:"artifactType"`
			Digest       string `json:"digest"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(ref.Body, &refs); err != nil {
		t.Fatal(err)
	}
	if len(refs.Manifests) != 2 || refs.Manifests[0].ArtifactType != "application/vnd.cyclonedx+json" {
		t.Fatalf("referrers index %s", ref.Body)
	}
	art := f.do(t, http.MethodGet, "/v2/acme/app/manifests/"+refs.Manifests[0].Digest, nil, "Authorization", auth,
		"Accept", "application/vnd.oci.image.manifest.v1+json")
	if !strings.Contains(string(art.Body), `"subject":{"digest":"`+digest+`"`) {
		t.Errorf("artifact manifest has no subject %s: %s", digest, art.Body)
	}
	if rr := f.do(t, http.MethodGet, "/v2/acme/app/referrers/"+digest, nil, "Authorization", auth); rr.Status != http.StatusNotFound {
		t.Errorf("referrers API: %d, want 404 as on GHCR", rr.Status)
	}
}

func TestPreloadedImagesRejectBadInput(t *testing.T) {
	t.Parallel()
	base := "owners:\n  - {login: acme, type: organization}\npackages:\n  - name: acme/app\n    tags: [v0]\n"
	tests := map[string]string{
		"no platforms":     "    indexes:\n      - {tag: v1}\n",
		"bad platform":     "    indexes:\n      - {tag: v1, platforms: [amd64]}\n",
		"duplicate tag":    "    indexes:\n      - {tag: v0, platforms: [linux/amd64]}\n",
		"unknown subject":  "    artifacts:\n      - {subject: v9, artifact_type: application/json}\n",
		"bad media type":   "    artifacts:\n      - {subject: v0, artifact_type: sbom}\n",
		"duplicate platf.": "    indexes:\n      - {tag: v1, platforms: [linux/amd64, linux/amd64]}\n",
	}
	for name, extra := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := scenarios.Parse("bad.yaml", []byte(base+extra)); err == nil || !strings.Contains(err.Error(), "bad.yaml:") {
				t.Errorf("Parse = %v, want an error naming bad.yaml", err)
			}
		})
	}
}
