package restapi

import (
	"fmt"

	"github.com/fakeghcr/fakeghcr/storage"
)

// StoreContent is the Content of a storage.Store: versions are its
// manifests, deleting one removes the manifest and its tags.
func StoreContent(s *storage.Store) Content { return storeContent{s} }

type storeContent struct{ s *storage.Store }

func (c storeContent) Manifests(repo string) []Manifest {
	var out []Manifest
	for _, m := range c.s.ManifestTags(repo) {
		out = append(out, Manifest{Digest: m.Digest.String(), Tags: m.Tags})
	}
	return out
}

func (c storeContent) RemoveManifest(repo, digest string) (Removed, error) {
	d, err := storage.ParseDigest(digest)
	if err != nil {
		return Removed{}, err
	}
	m, tags, err := c.s.RemoveManifest(repo, d)
	if err != nil {
		return Removed{}, err
	}
	return Removed{Digest: digest, Tags: tags, Data: m}, nil
}

func (c storeContent) RestoreManifest(repo string, r Removed) ([]string, error) {
	m, ok := r.Data.(storage.Manifest)
	if !ok {
		return nil, fmt.Errorf("restapi: removal of %s was not made by this store", r.Digest)
	}
	return c.s.RestoreManifest(repo, m, r.Tags), nil
}
