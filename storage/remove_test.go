package storage_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/storage"
)

// TestRemoveRestoreManifest: a version deleted through the packages API
// leaves with its tags; restored, it gets back the tags still free.
func TestRemoveRestoreManifest(t *testing.T) {
	t.Parallel()
	s := storage.New(storage.Options{})
	const repo = "acme/app"
	cfg := putBlob(t, s, repo, fill(1, 64))
	m1 := imageManifest(cfg)
	cfg2 := putBlob(t, s, repo, fill(2, 64))
	m2 := imageManifest(cfg2)
	d1, err := s.PutManifest(repo, "v1", "", m1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutManifest(repo, "latest", "", m1); err != nil {
		t.Fatal(err)
	}
	d2, err := s.PutManifest(repo, digestOf(m2).String(), "", m2)
	if err != nil {
		t.Fatal(err)
	}
	want := []storage.TaggedManifest{{Digest: d1, Tags: []string{"latest", "v1"}}, {Digest: d2}}
	if d2.String() < d1.String() {
		want[0], want[1] = want[1], want[0]
	}
	if diff := cmp.Diff(want, s.ManifestTags(repo)); diff != "" {
		t.Fatalf("ManifestTags (-want +got):\n%s", diff)
	}
	m, tags, err := s.RemoveManifest(repo, d1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"latest", "v1"}, tags); diff != "" {
		t.Errorf("removed tags (-want +got):\n%s", diff)
	}
	for _, ref := range []string{"v1", "latest", d1.String()} {
		if _, err := s.Manifest(repo, ref); !errors.Is(err, storage.ErrManifestUnknown) {
			t.Errorf("Manifest(%s) after removal: %v", ref, err)
		}
	}
	if _, _, err := s.RemoveManifest(repo, d1); !errors.Is(err, storage.ErrManifestUnknown) {
		t.Errorf("second removal: %v", err)
	}
	if _, _, err := s.RemoveManifest("other/repo", d1); !errors.Is(err, storage.ErrManifestUnknown) {
		t.Errorf("removal from a missing repository: %v", err)
	}
	// "latest" moves to the other manifest meanwhile.
	if _, err := s.PutManifest(repo, "latest", "", m2); err != nil {
		t.Fatal(err)
	}
	if got := s.RestoreManifest(repo, m, tags); !cmp.Equal(got, []string{"v1"}) {
		t.Errorf("restored tags %v, want [v1]", got)
	}
	if got, err := s.Manifest(repo, "latest"); err != nil || got.Digest != d2 {
		t.Errorf("latest: %v %v, want %s", got.Digest, err, d2)
	}
	if got, err := s.Manifest(repo, "v1"); err != nil || got.Digest != d1 {
		t.Errorf("v1: %v %v, want %s", got.Digest, err, d1)
	}
}
