package registry

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/fakeghcr/fakeghcr/scenarios"
	"github.com/fakeghcr/fakeghcr/storage"
)

// preload pushes a small image under each tag a scenario names, so pulls
// have something to pull.
func (s *Server) preload(sc *scenarios.Scenario) error {
	if len(sc.Tags) == 0 && len(sc.Indexes) == 0 {
		return nil
	}
	// One layer serves every preloaded image (gzip is the costly part of
	// start-up); each image's config names its package and tag.
	layer, err := tinyLayer("hello.txt", []byte("fakeghcr preloaded image\n"))
	if err != nil {
		return err
	}
	for pkg, tags := range sc.Tags {
		for _, tag := range tags {
			if err := s.pushTinyImage(pkg, tag, layer); err != nil {
				return fmt.Errorf("preloading %s:%s: %w", pkg, tag, err)
			}
		}
	}
	return s.preloadIndexes(sc, layer)
}

// pushTinyImage stores a one-layer linux/amd64 OCI image whose config
// labels name the package and tag.
func (s *Server) pushTinyImage(repo, tag string, layer layerBytes) error {
	config, err := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"config":       map[string]any{"Labels": map[string]string{"dev.fakeghcr.preloaded": repo + ":" + tag}},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{digestOf(layer.diff)}},
	})
	if err != nil {
		return err
	}
	manifest, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        descriptor("application/vnd.oci.image.config.v1+json", config),
		"layers":        []any{descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layer.gz)},
	})
	if err != nil {
		return err
	}
	for _, blob := range [][]byte{config, layer.gz} {
		d, err := storage.ParseDigest(digestOf(blob))
		if err != nil {
			return err
		}
		if err := s.store.PutBlob(repo, d, bytes.NewReader(blob)); err != nil {
			return err
		}
	}
	_, err = s.store.PutManifest(repo, tag, "application/vnd.oci.image.manifest.v1+json", manifest)
	return err
}

type layerBytes struct{ gz, diff []byte }

func tinyLayer(name string, content []byte) (layerBytes, error) {
	var diff bytes.Buffer
	tw := tar.NewWriter(&diff)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
		return layerBytes{}, err
	}
	if _, err := tw.Write(content); err != nil {
		return layerBytes{}, err
	}
	if err := tw.Close(); err != nil {
		return layerBytes{}, err
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(diff.Bytes()); err != nil {
		return layerBytes{}, err
	}
	if err := zw.Close(); err != nil {
		return layerBytes{}, err
	}
	return layerBytes{gz: gz.Bytes(), diff: diff.Bytes()}, nil
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func descriptor(mediaType string, b []byte) map[string]any {
	return map[string]any{"mediaType": mediaType, "digest": digestOf(b), "size": len(b)}
}
