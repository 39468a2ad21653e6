package storage_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/storage"
)

// sentinels are the errors PutManifest may return; anything else is a bug.
var sentinels = []error{
	storage.ErrDigestInvalid, storage.ErrDigestMismatch, storage.ErrManifestInvalid,
	storage.ErrManifestBlobUnknown, storage.ErrManifestTooLarge, storage.ErrTagInvalid,
}

// FuzzPutManifest checks that PutManifest never panics, fails only with its
// documented errors, stores nothing when it fails, and that a manifest it
// accepts reads back byte for byte by digest and by tag.
func FuzzPutManifest(f *testing.F) {
	config := digestOf([]byte("{}"))
	layer := digestOf([]byte("layer"))
	child := imageManifest(config, layer)
	img := imageManifest(config, layer, layer)
	f.Add("v1", ociManifest, img)
	f.Add(digestOf(img).String(), ociManifest, img)
	f.Add("latest", "", img)
	f.Add("v1", ociIndex, index(digestOf(child)))
	f.Add("v1", dockerList, []byte(strings.ReplaceAll(string(index(digestOf(child))), ociIndex, dockerList)))
	f.Add("v1", dockerV2, []byte(fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"config":{"digest":%q},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","digest":%q}]}`, dockerV2, config, digestOf(nil))))
	f.Add("v1", "application/vnd.example+json", []byte(fmt.Sprintf(`{"blobs":[{"digest":%q}],"layers":null}`, layer)))
	f.Add("v1", ociManifest, imageManifest(digestOf(nil), layer))
	f.Add("sha256:abc", ociManifest, img)
	f.Add("-bad", ociManifest, []byte(`{}`))
	f.Add("v1", ociManifest+"; charset=utf-8", []byte(`{"schemaVersion":2,"mediaType":1}`))
	f.Add("v1", "application/json", []byte(` null `))
	f.Add("v1", "", []byte(`{"mediaType":"application/vnd.docker.distribution.manifest.v1+json","schemaVersion":1}`))
	f.Add("v1", ociIndex, []byte(`{"schemaVersion":2.0,"manifests":[{"digest":"sha512:00"}]}`))

	f.Fuzz(func(t *testing.T, reference, mediaType string, body []byte) {
		s := storage.New(storage.Options{MaxManifestSize: 64 << 10})
		putBlob(t, s, "o/app", []byte("{}"))
		putBlob(t, s, "o/app", []byte("layer"))
		if _, err := s.PutManifest("o/app", "child", ociManifest, child); err != nil {
			t.Fatalf("seeding: %v", err)
		}
		before, _ := s.Tags("o/app")

		d, err := s.PutManifest("o/app", reference, mediaType, body)
		if err != nil {
			if !slices.ContainsFunc(sentinels, func(e error) bool { return errors.Is(err, e) }) {
				t.Fatalf("PutManifest(%q, %q) returned an undocumented error: %v", reference, mediaType, err)
			}
			after, _ := s.Tags("o/app")
			if !slices.Equal(before, after) {
				t.Fatalf("a failed PutManifest changed the tags: %v -> %v", before, after)
			}
			if m, err := s.Manifest("o/app", digestOf(body).String()); err == nil && !bytes.Equal(m.Body, child) {
				t.Fatalf("a failed PutManifest stored the manifest")
			}
			return
		}
		if d != digestOf(body) {
			t.Fatalf("digest %s is not the body's sha256 %s", d, digestOf(body))
		}
		refs := []string{d.String()}
		if !strings.Contains(reference, ":") {
			refs = append(refs, reference)
		}
		for _, ref := range refs {
			m, err := s.Manifest("o/app", ref)
			if err != nil {
				t.Fatalf("Manifest(%q) after a successful put: %v", ref, err)
			}
			if !bytes.Equal(m.Body, body) || m.Digest != d {
				t.Fatalf("Manifest(%q) reads back %q (%s), want %q (%s)", ref, m.Body, m.Digest, body, d)
			}
			if mediaType != "" && m.MediaType != mediaType {
				t.Fatalf("Manifest(%q) has media type %q, want %q", ref, m.MediaType, mediaType)
			}
		}
		if tags, _ := s.Tags("o/app"); len(refs) == 2 && !slices.Contains(tags, reference) {
			t.Fatalf("Tags %v lack %q", tags, reference)
		}
	})
}
