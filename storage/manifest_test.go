package storage_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/storage"
	"github.com/google/go-cmp/cmp"
)

// seededStore is a store whose repository o/app has a config, two layers
// and a child image manifest, and whose o/other has one more blob.
type seededStore struct {
	*storage.Store
	config, layer1, layer2, child, otherBlob, absent storage.Digest
}

func newSeeded(t testing.TB, opts storage.Options) seededStore {
	t.Helper()
	s := seededStore{Store: storage.New(opts)}
	s.config = putBlob(t, s.Store, "o/app", []byte(`{"architecture":"amd64","os":"linux"}`))
	s.layer1 = putBlob(t, s.Store, "o/app", fill(10, 100))
	s.layer2 = putBlob(t, s.Store, "o/app", fill(11, 100))
	s.otherBlob = putBlob(t, s.Store, "o/other", fill(12, 100))
	s.absent = digestOf([]byte("absent"))
	child := imageManifest(s.config, s.layer1)
	var err error
	if s.child, err = s.PutManifest("o/app", digestOf(child).String(), ociManifest, child); err != nil {
		t.Fatalf("seeding the child manifest: %v", err)
	}
	return s
}

func TestPutManifest(t *testing.T) {
	t.Parallel()
	seed := newSeeded(t, storage.Options{})
	img := imageManifest(seed.config, seed.layer1, seed.layer2)
	dockerImg := []byte(fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":%q,"size":1},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":%q,"size":1},{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","digest":%q,"size":1,"urls":["https://example.com/l"]}]}`, dockerV2, seed.config, seed.layer1, seed.absent))
	noType := []byte(fmt.Sprintf(`{"schemaVersion":2,"config":{"digest":%q}}`, seed.config))
	hex64 := strings.Repeat("a", 64)
	tests := []struct {
		name, reference, mediaType string
		body                       []byte
		wantErr                    error
		wantMissing                []storage.Digest
		wantMediaType              string
	}{
		{name: "by tag", reference: "v1", mediaType: ociManifest, body: img},
		{name: "by digest", reference: digestOf(img).String(), mediaType: ociManifest, body: img},
		{name: "tag of 128", reference: strings.Repeat("a", 128), mediaType: ociManifest, body: img},
		{name: "tag with underscore first", reference: "_x.y-Z", mediaType: ociManifest, body: img},
		{name: "content type parameters", reference: "v1", mediaType: ociManifest + "; charset=utf-8", body: img},
		{name: "type from body", reference: "v1", body: img, wantMediaType: ociManifest},
		{name: "no mediaType field", reference: "v1", mediaType: ociManifest, body: noType},
		{name: "docker with foreign layer", reference: "v1", mediaType: dockerV2, body: dockerImg},
		{name: "index", reference: "v1", mediaType: ociIndex, body: index(seed.child)},
		{name: "docker list", reference: "v1", mediaType: dockerList, body: []byte(fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"manifests":[{"digest":%q}]}`, dockerList, seed.child))},
		{name: "buildkit cache index of layers", reference: "buildcache", mediaType: ociIndex, body: []byte(fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"manifests":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":%q},{"mediaType":"application/vnd.buildkit.cacheconfig.v0","digest":%q}]}`, ociIndex, seed.layer1, seed.config))},
		{name: "empty index", reference: "v1", mediaType: ociIndex, body: index()},
		{name: "artifact", reference: "v1", mediaType: "application/vnd.example+json", body: []byte(`{"anything":[1,2]}`)},
		{name: "artifact with blobs", reference: "v1", mediaType: "application/vnd.example+json", body: []byte(fmt.Sprintf(`{"blobs":[{"digest":%q}],"layers":[{"digest":%q}]}`, seed.layer1, seed.layer2))},
		{name: "artifact typed in body", reference: "v1", body: []byte(`{"mediaType":"application/vnd.example+json"}`), wantMediaType: "application/vnd.example+json"},
		{name: "artifact with odd mediaType field", reference: "v1", mediaType: "application/vnd.example+json", body: []byte(`{"mediaType":5}`)},

		{name: "digest mismatch", reference: digestOf([]byte("x")).String(), mediaType: ociManifest, body: img, wantErr: storage.ErrDigestMismatch},
		{name: "malformed digest", reference: "sha256:abc", mediaType: ociManifest, body: img, wantErr: storage.ErrDigestInvalid},
		{name: "sha512 digest mismatch", reference: "sha512:" + hex64 + hex64, mediaType: ociManifest, body: img, wantErr: storage.ErrDigestMismatch},
		{name: "empty tag", reference: "", mediaType: ociManifest, body: img, wantErr: storage.ErrTagInvalid},
		{name: "tag of 129", reference: strings.Repeat("a", 129), mediaType: ociManifest, body: img, wantErr: storage.ErrTagInvalid},
		{name: "tag starting with dot", reference: ".v1", mediaType: ociManifest, body: img, wantErr: storage.ErrTagInvalid},
		{name: "tag starting with dash", reference: "-v1", mediaType: ociManifest, body: img, wantErr: storage.ErrTagInvalid},
		{name: "tag with slash", reference: "a/b", mediaType: ociManifest, body: img, wantErr: storage.ErrTagInvalid},

		{name: "not JSON", reference: "v1", mediaType: ociManifest, body: []byte("{nope"), wantErr: storage.ErrManifestInvalid},
		{name: "JSON array", reference: "v1", mediaType: "application/vnd.example+json", body: []byte("[]"), wantErr: storage.ErrManifestInvalid},
		{name: "JSON null", reference: "v1", mediaType: "application/vnd.example+json", body: []byte("null"), wantErr: storage.ErrManifestInvalid},
		{name: "trailing data", reference: "v1", mediaType: "application/vnd.example+json", body: []byte("{} {}"), wantErr: storage.ErrManifestInvalid},
		{name: "empty body", reference: "v1", mediaType: ociManifest, body: nil, wantErr: storage.ErrManifestInvalid},
		{name: "schemaVersion 1", reference: "v1", mediaType: ociManifest, body: []byte(strings.Replace(string(img), `"schemaVersion":2`, `"schemaVersion":1`, 1)), wantErr: storage.ErrManifestInvalid},
		{name: "no schemaVersion", reference: "v1", mediaType: ociIndex, body: []byte(`{"manifests":[]}`), wantErr: storage.ErrManifestInvalid},
		{name: "type disagrees", reference: "v1", mediaType: dockerV2, body: img, wantErr: storage.ErrManifestInvalid},
		{name: "body claims a known type", reference: "v1", mediaType: "application/vnd.example+json", body: img, wantErr: storage.ErrManifestInvalid},
		{name: "mediaType field not a string", reference: "v1", mediaType: ociManifest, body: []byte(`{"schemaVersion":2,"mediaType":1}`), wantErr: storage.ErrManifestInvalid},
		{name: "no media type at all", reference: "v1", body: []byte(`{"schemaVersion":2}`), wantErr: storage.ErrManifestInvalid},
		{name: "schema 1", reference: "v1", mediaType: "application/vnd.docker.distribution.manifest.v1+prettyjws", body: []byte(`{"schemaVersion":1}`), wantErr: storage.ErrManifestInvalid},
		{name: "no config", reference: "v1", mediaType: ociManifest, body: []byte(`{"schemaVersion":2,"layers":[]}`), wantErr: storage.ErrManifestInvalid},
		{name: "bad layer digest", reference: "v1", mediaType: ociManifest, body: []byte(fmt.Sprintf(`{"schemaVersion":2,"config":{"digest":%q},"layers":[{"digest":"sha256:zz"}]}`, seed.config)), wantErr: storage.ErrManifestInvalid},
		{name: "bad child digest", reference: "v1", mediaType: ociIndex, body: []byte(`{"schemaVersion":2,"manifests":[{"digest":""}]}`), wantErr: storage.ErrManifestInvalid},
		{name: "artifact layers not a list", reference: "v1", mediaType: "application/vnd.example+json", body: []byte(`{"layers":"x"}`), wantErr: storage.ErrManifestInvalid},

		{name: "missing blobs listed once each", reference: "v1", mediaType: ociManifest,
			body:    imageManifest(seed.absent, seed.layer1, seed.otherBlob, seed.absent),
			wantErr: storage.ErrManifestBlobUnknown, wantMissing: []storage.Digest{seed.absent, seed.otherBlob}},
		{name: "missing child manifest", reference: "v1", mediaType: ociIndex, body: index(seed.child, seed.otherBlob, seed.absent),
			wantErr: storage.ErrManifestBlobUnknown, wantMissing: []storage.Digest{seed.otherBlob, seed.absent}},
		{name: "artifact missing blob", reference: "v1", mediaType: "application/vnd.example+json", body: []byte(fmt.Sprintf(`{"blobs":[{"digest":%q}]}`, seed.absent)),
			wantErr: storage.ErrManifestBlobUnknown, wantMissing: []storage.Digest{seed.absent}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Each case gets a fresh store seeded the same way.
			s := newSeeded(t, storage.Options{})
			d, err := s.PutManifest("o/app", tt.reference, tt.mediaType, tt.body)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("PutManifest: %v, want %v", err, tt.wantErr)
			}
			var bue *storage.BlobUnknownError
			var missing []storage.Digest
			if errors.As(err, &bue) {
				missing = bue.Digests
			}
			if diff := cmp.Diff(tt.wantMissing, missing); diff != "" {
				t.Errorf("missing digests (-want +got):\n%s", diff)
			}
			if err != nil {
				if _, err := s.Manifest("o/app", tt.reference); !errors.Is(err, storage.ErrManifestUnknown) {
					t.Errorf("Manifest after a failed put: %v, want ErrManifestUnknown", err)
				}
				return
			}
			if d != digestOf(tt.body) {
				t.Errorf("digest = %s, want sha256 of the body", d)
			}
			want := storage.Manifest{Digest: d, MediaType: tt.mediaType, Body: tt.body}
			if tt.wantMediaType != "" {
				want.MediaType = tt.wantMediaType
			}
			for _, ref := range []string{tt.reference, d.String()} {
				got, err := s.Manifest("o/app", ref)
				if err != nil {
					t.Fatalf("Manifest(%q): %v", ref, err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Manifest(%q) (-want +got):\n%s", ref, diff)
				}
			}
		})
	}
}

func TestPutManifestLimitsSize(t *testing.T) {
	t.Parallel()
	s := storage.New(storage.Options{MaxManifestSize: 10})
	if _, err := s.PutManifest("o/app", "v1", "application/json", []byte(`{"a":"12345"}`)); !errors.Is(err, storage.ErrManifestTooLarge) {
		t.Fatalf("PutManifest of 13 bytes with a limit of 10: %v", err)
	}
	if _, err := s.PutManifest("o/app", "v1", "application/json", []byte(`{"a":"1"}`)); err != nil {
		t.Fatalf("PutManifest under the limit: %v", err)
	}
	d := storage.New(storage.Options{})
	if _, err := d.PutManifest("o/app", "v1", "application/json", []byte(`{"a":"`+strings.Repeat("x", 4<<20)+`"}`)); !errors.Is(err, storage.ErrManifestTooLarge) {
		t.Fatalf("PutManifest over the default 4 MiB: %v", err)
	}
}

func TestManifestReadsAndTags(t *testing.T) {
	t.Parallel()
	s := newSeeded(t, storage.Options{})
	a := imageManifest(s.config, s.layer1)
	b := imageManifest(s.config, s.layer2)
	for _, put := range []struct {
		ref  string
		body []byte
	}{{"v2", a}, {"latest", a}, {"v10", b}, {"latest", b}} {
		if _, err := s.PutManifest("o/app", put.ref, ociManifest, put.body); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		repo, ref string
		want      []byte
		wantErr   error
	}{
		{"o/app", "v2", a, nil},
		{"o/app", "latest", b, nil}, // re-tagging moved it
		{"o/app", digestOf(a).String(), a, nil},
		{"o/app", "nope", nil, storage.ErrManifestUnknown},
		{"o/app", digestOf([]byte("nope")).String(), nil, storage.ErrManifestUnknown},
		{"o/app", "sha256:bad", nil, storage.ErrManifestUnknown},
		{"o/other", "latest", nil, storage.ErrManifestUnknown}, // blobs only
		{"o/none", "latest", nil, storage.ErrNameUnknown},
	}
	for _, tt := range tests {
		got, err := s.Manifest(tt.repo, tt.ref)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
			t.Errorf("Manifest(%s, %s): %v, want %v", tt.repo, tt.ref, err, tt.wantErr)
			continue
		}
		if err == nil && string(got.Body) != string(tt.want) {
			t.Errorf("Manifest(%s, %s) returned another body", tt.repo, tt.ref)
		}
	}
	tags, err := s.Tags("o/app")
	if diff := cmp.Diff([]string{"latest", "v10", "v2"}, tags); err != nil || diff != "" {
		t.Errorf("Tags: %v (-want +got):\n%s", err, diff)
	}
	if tags, err := s.Tags("o/other"); err != nil || tags == nil || len(tags) != 0 {
		t.Errorf("Tags of a repository with blobs only = %#v, %v; want empty", tags, err)
	}
	if _, err := s.Tags("o/none"); !errors.Is(err, storage.ErrNameUnknown) {
		t.Errorf("Tags of no repository: %v, want ErrNameUnknown", err)
	}
}

func TestPutManifestCopiesBody(t *testing.T) {
	t.Parallel()
	s := storage.New(storage.Options{})
	body := []byte(`{"a":1}`)
	if _, err := s.PutManifest("o/app", "v1", "application/json", body); err != nil {
		t.Fatal(err)
	}
	body[5] = '2'
	m, err := s.Manifest("o/app", "v1")
	if err != nil || string(m.Body) != `{"a":1}` {
		t.Fatalf("stored body changed with the caller's slice: %q, %v", m.Body, err)
	}
}
