package e2e

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// testImage is one random 1-layer linux/amd64 image, written once per run in the formats the
// clients read. Every client pushes it to its own server.
var testImage struct {
	img     v1.Image
	digest  v1.Hash
	tarball string // docker tarball (docker save format)
	layout  string // OCI image layout whose index names it "latest"
	file    string // a small file for artifact pushes (oras)
}

func makeImages(dir string) error {
	img, err := random.Image(2048, 1)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64" // docker manifest create needs a platform
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	if testImage.digest, err = img.Digest(); err != nil {
		return err
	}
	testImage.img = img

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	testImage.tarball = filepath.Join(dir, "random.tar")
	tag, err := name.NewTag("fakeghcr.test/e2e/random:latest")
	if err != nil {
		return err
	}
	if err := tarball.WriteToFile(testImage.tarball, tag, img); err != nil {
		return fmt.Errorf("docker tarball: %w", err)
	}

	testImage.layout = filepath.Join(dir, "random-oci")
	p, err := layout.Write(testImage.layout, empty.Index)
	if err != nil {
		return fmt.Errorf("oci layout: %w", err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": "latest",
	})); err != nil {
		return fmt.Errorf("oci layout: %w", err)
	}

	testImage.file = filepath.Join(dir, "hello.txt")
	return os.WriteFile(testImage.file, []byte("hello from the fakeghcr e2e tests\n"), 0o644)
}
