package storage_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fakeghcr/fakeghcr/storage"
)

// A docker-style push: a blob streamed into an upload session, then a
// manifest by tag; then a pull.
func Example() {
	s := storage.New(storage.Options{})

	layer := []byte("hello, layer\n")
	config := []byte(`{"architecture":"amd64","os":"linux"}`)
	layerDigest, _ := storage.ParseDigest("sha256:" + sha256Hex(layer))
	configDigest, _ := storage.ParseDigest("sha256:" + sha256Hex(config))

	// POST /v2/o/app/blobs/uploads/, PATCH with the body, PUT ?digest=.
	id, err := s.StartUpload("o/app")
	if err != nil {
		panic(err)
	}
	if _, err := s.Append("o/app", id, bytes.NewReader(layer), -1, 0); err != nil {
		panic(err)
	}
	if err := s.Commit("o/app", id, layerDigest, nil); err != nil {
		panic(err)
	}
	// Monolithic PUT of the config.
	if err := s.PutBlob("o/app", configDigest, bytes.NewReader(config)); err != nil {
		panic(err)
	}

	manifest := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",`+
		`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":%q,"size":%d},`+
		`"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":%q,"size":%d}]}`,
		configDigest, len(config), layerDigest, len(layer))
	d, err := s.PutManifest("o/app", "v1", "application/vnd.oci.image.manifest.v1+json", []byte(manifest))
	if err != nil {
		panic(err)
	}

	// GET /v2/o/app/manifests/v1, then the layer.
	m, _ := s.Manifest("o/app", "v1")
	fmt.Println(m.Digest == d, m.MediaType)
	blob, _ := s.Open("o/app", layerDigest)
	io.Copy(os.Stdout, blob.NewReader()) // WriteTo: chunk by chunk, no copy

	// Another repository cannot see the layer until it is mounted there.
	_, err = s.Open("o/other", layerDigest)
	fmt.Println(errors.Is(err, storage.ErrBlobUnknown))
	fmt.Println(s.Mount("o/other", "o/app", layerDigest))

	tags, _ := s.Tags("o/app")
	fmt.Println(strings.Join(tags, ","))
	// Output:
	// true application/vnd.oci.image.manifest.v1+json
	// hello, layer
	// true
	// true
	// v1
}

// A manifest whose blobs are missing names each of them.
func ExampleBlobUnknownError() {
	s := storage.New(storage.Options{})
	missing := "sha256:" + strings.Repeat("0", 64)
	body := fmt.Sprintf(`{"schemaVersion":2,"config":{"digest":%q},"layers":[]}`, missing)
	_, err := s.PutManifest("o/app", "v1", "application/vnd.oci.image.manifest.v1+json", []byte(body))
	var unknown *storage.BlobUnknownError
	if errors.As(err, &unknown) {
		for _, d := range unknown.Digests {
			fmt.Println("MANIFEST_BLOB_UNKNOWN", d)
		}
	}
	fmt.Println(errors.Is(err, storage.ErrManifestBlobUnknown))
	// Output:
	// MANIFEST_BLOB_UNKNOWN sha256:0000000000000000000000000000000000000000000000000000000000000000
	// true
}

func sha256Hex(b []byte) string { return digestOf(b).Hex }
