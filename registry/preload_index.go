package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/fakeghcr/fakeghcr/scenarios"
	"github.com/fakeghcr/fakeghcr/storage"
)

const (
	mediaOCIManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaOCIIndex    = "application/vnd.oci.image.index.v1+json"
	mediaOCIEmpty    = "application/vnd.oci.empty.v1+json"
)

// preloadIndexes stores each scenario index (one small image per platform under an OCI
// index) and then each artifact: a manifest with artifactType and subject, listed, as
// clients do on GHCR (no referrers API), in an index tagged sha256-<subject hex>.
func (s *Server) preloadIndexes(sc *scenarios.Scenario, layer layerBytes) error {
	for _, pkg := range slices.Sorted(maps.Keys(sc.Indexes)) {
		for _, ix := range sc.Indexes[pkg] {
			if err := s.pushIndex(pkg, ix, layer); err != nil {
				return fmt.Errorf("preloading index %s:%s: %w", pkg, ix.Tag, err)
			}
		}
	}
	for _, pkg := range slices.Sorted(maps.Keys(sc.Artifacts)) {
		referrers := map[string][]map[string]any{} // subject digest -> descriptors
		for i, a := range sc.Artifacts[pkg] {
			subject, d, err := s.pushArtifact(pkg, i, a)
			if err != nil {
				return fmt.Errorf("preloading artifact of %s:%s: %w", pkg, a.Subject, err)
			}
			referrers[subject] = append(referrers[subject], d)
		}
		for subject, descs := range referrers {
			index, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": mediaOCIIndex, "manifests": descs})
			if err != nil {
				return err
			}
			tag := strings.Replace(subject, ":", "-", 1)
			if _, err := s.store.PutManifest(pkg, tag, mediaOCIIndex, index); err != nil {
				return fmt.Errorf("preloading referrers of %s@%s: %w", pkg, subject, err)
			}
		}
	}
	return nil
}

// pushIndex stores one image per platform and an index of them under ix.Tag.
func (s *Server) pushIndex(repo string, ix scenarios.Index, layer layerBytes) error {
	if err := s.putBlob(repo, layer.gz); err != nil {
		return err
	}
	var manifests []map[string]any
	for _, platform := range ix.Platforms {
		parts := strings.Split(platform, "/")
		cfg := map[string]any{
			"os": parts[0], "architecture": parts[1],
			"config": map[string]any{"Labels": map[string]string{"dev.fakeghcr.preloaded": repo + ":" + ix.Tag + " " + platform}},
			"rootfs": map[string]any{"type": "layers", "diff_ids": []string{digestOf(layer.diff)}},
		}
		plat := map[string]any{"os": parts[0], "architecture": parts[1]}
		if len(parts) == 3 {
			cfg["variant"], plat["variant"] = parts[2], parts[2]
		}
		config, err := json.Marshal(cfg)
		if err != nil {
			return err
		}
		if err := s.putBlob(repo, config); err != nil {
			return err
		}
		manifest, err := json.Marshal(map[string]any{
			"schemaVersion": 2, "mediaType": mediaOCIManifest,
			"config": descriptor("application/vnd.oci.image.config.v1+json", config),
			"layers": []any{descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layer.gz)},
		})
		if err != nil {
			return err
		}
		if _, err := s.store.PutManifest(repo, digestOf(manifest), mediaOCIManifest, manifest); err != nil {
			return err
		}
		d := descriptor(mediaOCIManifest, manifest)
		d["platform"] = plat
		manifests = append(manifests, d)
	}
	index, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": mediaOCIIndex, "manifests": manifests})
	if err != nil {
		return err
	}
	_, err = s.store.PutManifest(repo, ix.Tag, mediaOCIIndex, index)
	return err
}

// pushArtifact stores the i-th artifact of repo and returns its subject's digest and its
// descriptor for the referrers index.
func (s *Server) pushArtifact(repo string, i int, a scenarios.Artifact) (string, map[string]any, error) {
	subject, err := s.store.Manifest(repo, a.Subject)
	if err != nil {
		return "", nil, err
	}
	empty := []byte("{}")
	content := []byte(fmt.Sprintf("{\"preloaded\":\"fakeghcr\",\"artifact\":%d}\n", i))
	for _, b := range [][]byte{empty, content} {
		if err := s.putBlob(repo, b); err != nil {
			return "", nil, err
		}
	}
	manifest, err := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": mediaOCIManifest, "artifactType": a.ArtifactType,
		"config":  descriptor(mediaOCIEmpty, empty),
		"layers":  []any{descriptor("application/json", content)},
		"subject": map[string]any{"mediaType": subject.MediaType, "digest": subject.Digest.String(), "size": len(subject.Body)},
	})
	if err != nil {
		return "", nil, err
	}
	if _, err := s.store.PutManifest(repo, digestOf(manifest), mediaOCIManifest, manifest); err != nil {
		return "", nil, err
	}
	d := descriptor(mediaOCIManifest, manifest)
	d["artifactType"] = a.ArtifactType
	return subject.Digest.String(), d, nil
}

func (s *Server) putBlob(repo string, b []byte) error {
	d, err := storage.ParseDigest(digestOf(b))
	if err != nil {
		return err
	}
	return s.store.PutBlob(repo, d, bytes.NewReader(b))
}
