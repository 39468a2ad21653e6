// Package ocilayout reads the one image of an OCI image layout written by the e2e tests, for
// the containerd push programs (which must not depend on each other's containerd version).
package ocilayout

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Image is the first manifest of a layout and the blobs it references.
type Image struct {
	dir      string
	Manifest ocispec.Descriptor
	Blobs    []ocispec.Descriptor // config first, then layers
}

// Read loads the first manifest listed in dir/index.json.
func Read(dir string) (*Image, error) {
	var index ocispec.Index
	if err := readJSON(filepath.Join(dir, "index.json"), &index); err != nil {
		return nil, err
	}
	if len(index.Manifests) == 0 {
		return nil, fmt.Errorf("%s: index.json lists no manifest", dir)
	}
	img := &Image{dir: dir, Manifest: index.Manifests[0]}
	var m ocispec.Manifest
	if err := readJSON(img.path(img.Manifest), &m); err != nil {
		return nil, err
	}
	img.Blobs = append([]ocispec.Descriptor{m.Config}, m.Layers...)
	return img, nil
}

// Open opens the blob that desc names.
func (img *Image) Open(desc ocispec.Descriptor) (io.ReadCloser, error) {
	return os.Open(img.path(desc))
}

func (img *Image) path(desc ocispec.Descriptor) string {
	return filepath.Join(img.dir, "blobs", desc.Digest.Algorithm().String(), desc.Digest.Encoded())
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
