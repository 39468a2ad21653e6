package storage

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ManifestTags lists the manifests stored in repo, each with the tags that
// point at it, sorted by digest (tags sorted too). A repository without
// manifests has none. The packages REST API lists these as versions.
func (s *Store) ManifestTags(repo string) []TaggedManifest {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.repos[repo]
	if r == nil {
		return nil
	}
	byDigest := make(map[Digest][]string, len(r.manifests))
	for d := range r.manifests {
		byDigest[d] = nil
	}
	for t, d := range r.tags {
		if _, ok := byDigest[d]; ok {
			byDigest[d] = append(byDigest[d], t)
		}
	}
	out := make([]TaggedManifest, 0, len(byDigest))
	for _, d := range slices.SortedFunc(maps.Keys(byDigest), func(a, b Digest) int { return strings.Compare(a.String(), b.String()) }) {
		tags := byDigest[d]
		slices.Sort(tags)
		out = append(out, TaggedManifest{Digest: d, Tags: tags})
	}
	return out
}

// TaggedManifest is a stored manifest's digest and the tags pointing at it.
type TaggedManifest struct {
	Digest Digest
	Tags   []string
}

// RemoveManifest deletes manifest d and every tag pointing at it from repo
// (a package version deleted through GitHub's API), and returns them so
// RestoreManifest can put them back. Blobs stay. The error is
// ErrManifestUnknown if repo does not hold d.
func (s *Store) RemoveManifest(repo string, d Digest) (Manifest, []string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[repo]
	if r == nil {
		return Manifest{}, nil, fmt.Errorf("%w: %s@%s", ErrManifestUnknown, repo, d)
	}
	m, ok := r.manifests[d]
	if !ok {
		return Manifest{}, nil, fmt.Errorf("%w: %s@%s", ErrManifestUnknown, repo, d)
	}
	delete(r.manifests, d)
	var tags []string
	for t, td := range r.tags {
		if td == d {
			tags = append(tags, t)
			delete(r.tags, t)
		}
	}
	slices.Sort(tags)
	return m, tags, nil
}

// RestoreManifest puts a removed manifest back into repo with those of tags
// no other manifest holds now, and returns the tags restored.
func (s *Store) RestoreManifest(repo string, m Manifest, tags []string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repoLocked(repo)
	r.manifests[m.Digest] = m
	var restored []string
	for _, t := range tags {
		if _, taken := r.tags[t]; !taken {
			r.tags[strings.Clone(t)] = m.Digest
			restored = append(restored, t)
		}
	}
	return restored
}
