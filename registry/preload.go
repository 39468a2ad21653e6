package registry

import (
	"archive/tar"
	"bytes"
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
	// One layer serves every preloaded image; each image's config names
	// its package and tag.
	layer, err := preloadLayer()
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

// preloadLayer is the one layer of every preloaded image: a tar of
// hello.txt ("fakeghcr preloaded image\n"), and that tar gzipped
// (preloadLayerGzip). The gzip is written out once below rather than made
// at every start: gzip.NewWriter allocates 800 KB of tables, a millisecond
// of serve's start-up (issue 19). The bytes are what compress/gzip (Go
// 1.26) wrote before, so preloaded images keep their digests, which no
// longer change with the toolchain. TestPreloadLayerGzip checks that they
// unzip to the tar.
func preloadLayer() (layerBytes, error) {
	diff, err := preloadTar()
	if err != nil {
		return layerBytes{}, err
	}
	gz, err := hex.DecodeString(preloadLayerGzip)
	if err != nil {
		return layerBytes{}, err
	}
	return layerBytes{gz: gz, diff: diff}, nil
}

// preloadLayerGzip is preloadTar's bytes gzipped by compress/gzip at its
// default level (Go 1.26), in hex.
const preloadLayerGzip = "1f8b08000000000000ffca48cdc9c9d72ba92861a01d3030303030333101d306" +
	"0606e8b48181b121820d123734343031665030a0a19be0a0b4b824b188c18062" +
	"bbd03d3744405a62766a7a4672914241516a4e7e624a6a8a42666e627a2ad740" +
	"3b6c148c8251300a46014d01200000ffffadfe2fd400080000"

func preloadTar() ([]byte, error) {
	content := []byte("fakeghcr preloaded image\n")
	var diff bytes.Buffer
	tw := tar.NewWriter(&diff)
	if err := tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(content); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return diff.Bytes(), nil
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func descriptor(mediaType string, b []byte) map[string]any {
	return map[string]any{"mediaType": mediaType, "digest": digestOf(b), "size": len(b)}
}
