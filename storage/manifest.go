package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Manifest is a stored manifest. Body is shared with the store and with
// every other reader: do not modify it.
type Manifest struct {
	// Digest is the sha256 of Body, computed once at PutManifest.
	Digest Digest
	// MediaType is the Content-Type it was pushed with (or, if that was
	// empty, the body's mediaType field); serve it back as Content-Type.
	MediaType string
	// Body is the manifest exactly as pushed.
	Body []byte
}

// PutManifest validates body and stores it in repo under reference, which is
// a tag or the body's sha256 digest, and returns the digest. mediaType is
// the request's Content-Type. A manifest put by tag is also reachable by its
// digest; putting an existing tag moves it.
//
// Errors, all testable with errors.Is:
//   - ErrManifestTooLarge: body is over Options.MaxManifestSize.
//   - ErrTagInvalid: the tag does not match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}.
//   - ErrDigestInvalid: reference is a malformed digest
//     (like the reference registry, manifests are sha256 only).
//   - ErrDigestMismatch: reference is a digest other than sha256(body).
//   - ErrManifestInvalid: body is not a JSON object; a known manifest type
//     whose schemaVersion is not 2, whose mediaType field disagrees with
//     mediaType, or whose descriptors are malformed; more descriptors than
//     Options.MaxManifestDescriptors; a Docker schema 1 manifest; neither
//     mediaType nor the body names a media type.
//   - *BlobUnknownError (ErrManifestBlobUnknown): an OCI or Docker image
//     manifest's config or a distributable layer, an index's child (a
//     manifest, or a blob as in BuildKit's cache), or a descriptor under
//     "layers" or "blobs" of another artifact, is not in repo.
//
// Validation, hashing and the missing-blob check happen outside the store's
// write lock, which is held only to store the manifest.
func (s *Store) PutManifest(repo, reference, mediaType string, body []byte) (Digest, error) {
	if int64(len(body)) > s.opts.MaxManifestSize {
		return Digest{}, fmt.Errorf("%w: %d bytes, the limit is %d", ErrManifestTooLarge, len(body), s.opts.MaxManifestSize)
	}
	tag, byDigest, isDigest := "", Digest{}, strings.Contains(reference, ":")
	if isDigest {
		var err error
		if byDigest, err = ParseDigest(reference); err != nil {
			return Digest{}, err
		}
	} else {
		if err := checkTag(reference); err != nil {
			return Digest{}, err
		}
		tag = reference
	}
	// A manifest pushed by digest is addressed with that digest's
	// algorithm (sha512 included: GHCR's answer is unknown, OCI 1.1 allows
	// it); a manifest pushed by tag with sha256.
	d := sha256Digest(body)
	if isDigest && byDigest.Algorithm != algSHA256 {
		h := newHasher(byDigest.Algorithm)
		h.Write(body)
		d = digestFromHash(byDigest.Algorithm, h)
	}
	if isDigest && byDigest != d {
		return Digest{}, fmt.Errorf("%w: manifest is %s, reference is %s", ErrDigestMismatch, d, byDigest)
	}
	refs, err := parseManifest(mediaType, body, s.opts.MaxManifestDescriptors)
	if err != nil {
		return Digest{}, err
	}
	// Blobs are never deleted, so what this check finds present stays
	// present: it runs under the read lock, in short batches, and the write
	// lock is taken only to store the manifest.
	if missing := s.missing(repo, refs); len(missing) > 0 {
		return Digest{}, &BlobUnknownError{Digests: missing}
	}
	m := Manifest{Digest: d, MediaType: strings.Clone(refs.mediaType), Body: bytes.Clone(body)}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repoLocked(repo)
	r.manifests[d] = m
	if tag != "" {
		r.tags[strings.Clone(tag)] = d // see repoLocked
	}
	return d, nil
}

// lookupBatch is how many digests the missing-blob check looks up per hold
// of the read lock, so that a writer waiting for it (and the readers queued
// behind that writer) waits for a few microseconds at most.
const lookupBatch = 256

// missing lists the blobs and manifests refs needs that repo lacks, each
// once, in the order the manifest names them. It is linear in the number of
// descriptors and holds the store's read lock only per batch of lookups.
func (s *Store) missing(repo string, refs manifestRefs) []Digest {
	type want struct {
		d          Digest
		orManifest bool // an index's child: a manifest, or a blob
	}
	seen := make(map[Digest]struct{}, len(refs.blobs)+len(refs.manifests))
	wants := make([]want, 0, len(refs.blobs)+len(refs.manifests))
	for _, d := range refs.blobs {
		if _, dup := seen[d]; !dup {
			seen[d] = struct{}{}
			wants = append(wants, want{d: d})
		}
	}
	// An index's child may also be a blob: BuildKit's registry cache is an
	// index whose entries are layers, which GHCR and the reference registry
	// (where manifests are blobs too) accept.
	for _, d := range refs.manifests {
		if _, dup := seen[d]; !dup {
			seen[d] = struct{}{}
			wants = append(wants, want{d: d, orManifest: true})
		}
	}
	var missing []Digest
	for len(wants) > 0 {
		batch := wants[:min(len(wants), lookupBatch)]
		wants = wants[len(batch):]
		s.mu.RLock()
		r := s.repos[repo]
		for _, w := range batch {
			if r == nil {
				missing = append(missing, w.d)
				continue
			}
			if r.blobs[w.d] != nil {
				continue
			}
			if _, ok := r.manifests[w.d]; ok && w.orManifest {
				continue
			}
			missing = append(missing, w.d)
		}
		s.mu.RUnlock()
	}
	return missing
}

// Manifest returns repo's manifest named by reference, a tag or a digest.
// The error is ErrNameUnknown if repo has neither blobs nor manifests, and
// ErrManifestUnknown otherwise, including for references that could not name
// any manifest (a malformed digest or tag). It does no hashing.
func (s *Store) Manifest(repo, reference string) (Manifest, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.repos[repo]
	if r == nil {
		return Manifest{}, fmt.Errorf("%w: %s", ErrNameUnknown, quoted(repo))
	}
	d, ok := r.tags[reference]
	if !ok && strings.Contains(reference, ":") {
		d, _ = ParseDigest(reference)
		ok = true
	}
	if ok {
		if m, found := r.manifests[d]; found {
			return m, nil
		}
	}
	return Manifest{}, fmt.Errorf("%w: %s@%s", ErrManifestUnknown, repo, quoted(reference))
}

// Tags returns repo's tags in ascending order, or ErrNameUnknown if repo has
// neither blobs nor manifests. A repository without tags has an empty,
// non-nil list.
func (s *Store) Tags(repo string) ([]string, error) {
	s.mu.RLock()
	r := s.repos[repo]
	if r == nil {
		s.mu.RUnlock()
		return nil, fmt.Errorf("%w: %s", ErrNameUnknown, quoted(repo))
	}
	tags := make([]string, 0, len(r.tags))
	for t := range r.tags {
		tags = append(tags, t)
	}
	s.mu.RUnlock()
	slices.Sort(tags)
	return tags, nil
}

// checkTag enforces the OCI tag grammar [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}.
func checkTag(tag string) error {
	if tag == "" || len(tag) > 128 {
		return fmt.Errorf("%w: %s must be 1 to 128 characters", ErrTagInvalid, quoted(tag))
	}
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' ||
			i > 0 && (c == '.' || c == '-')
		if !ok {
			return fmt.Errorf("%w: %q has %q at position %d", ErrTagInvalid, tag, c, i)
		}
	}
	return nil
}

// manifestRefs is what a manifest needs the repository to hold.
type manifestRefs struct {
	mediaType string   // to store and serve back
	blobs     []Digest // config and layers, or an artifact's layers/blobs
	manifests []Digest // an index's children
}

// descriptor is the part of an OCI descriptor that validation needs.
type descriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
}

// knownManifest is the part of a known manifest type that validation needs.
type knownManifest struct {
	SchemaVersion *int         `json:"schemaVersion"`
	Config        *descriptor  `json:"config"`
	Layers        []descriptor `json:"layers"`
	Manifests     []descriptor `json:"manifests"`
}

// otherManifest is what is checked of any other artifact type.
type otherManifest struct {
	Layers []descriptor `json:"layers"`
	Blobs  []descriptor `json:"blobs"`
}

// isKnown reports whether mt is a manifest type this package validates.
func isKnown(mt string) bool {
	m := types.MediaType(mt)
	return m.IsImage() || m.IsIndex() || m.IsSchema1()
}

// maxReason bounds the reason invalid gives: a decoder's error may quote
// a value of the manifest (a 4 MiB number), and the HTTP layer sends the
// reason back.
const maxReason = 1024

// invalid wraps ErrManifestInvalid with a reason, cut to maxReason bytes.
func invalid(format string, args ...any) error {
	reason := fmt.Sprintf(format, args...)
	if len(reason) > maxReason {
		reason = reason[:maxReason] + "... (" + strconv.Itoa(len(reason)) + " bytes)"
	}
	return fmt.Errorf("%w: %s", ErrManifestInvalid, reason)
}

// parseManifest validates body against its media type (contentType, or the
// body's mediaType field when contentType is empty) and returns what it
// references.
func parseManifest(contentType string, body []byte, maxDescriptors int) (manifestRefs, error) {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return manifestRefs{}, invalid("body is not a JSON object")
	}
	var head struct {
		MediaType json.RawMessage `json:"mediaType"`
	}
	// Unmarshal validates the whole body first: no separate json.Valid
	// pass over a manifest that may be 4 MiB.
	if err := json.Unmarshal(body, &head); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return manifestRefs{}, invalid("body is not a JSON object")
		}
		return manifestRefs{}, invalid("%v", err)
	}
	ct := normalize(contentType)
	var bodyType string
	if head.MediaType != nil && json.Unmarshal(head.MediaType, &bodyType) != nil && (ct == "" || isKnown(ct)) {
		return manifestRefs{}, invalid("mediaType field is not a string")
	}
	kind := ct
	refs := manifestRefs{mediaType: contentType}
	if ct == "" {
		kind, refs.mediaType = bodyType, bodyType
	}
	if kind == "" {
		return manifestRefs{}, invalid("no media type: the request has no Content-Type and the body no mediaType")
	}
	if bodyType != "" && bodyType != kind && (isKnown(kind) || isKnown(bodyType)) {
		return manifestRefs{}, invalid("mediaType %s in the body does not match Content-Type %s", quoted(bodyType), quoted(kind))
	}
	m := types.MediaType(kind)
	switch {
	case m.IsSchema1():
		return manifestRefs{}, invalid("Docker schema 1 manifests are not supported")
	case m.IsImage(), m.IsIndex():
		return refs, parseKnown(m, body, &refs, maxDescriptors)
	default:
		var o otherManifest
		if err := json.Unmarshal(body, &o); err != nil {
			return manifestRefs{}, invalid("%v", err)
		}
		if err := checkCount(len(o.Layers)+len(o.Blobs), maxDescriptors); err != nil {
			return manifestRefs{}, err
		}
		var err error
		if refs.blobs, err = blobDigests("layers", o.Layers, nil); err != nil {
			return manifestRefs{}, err
		}
		if refs.blobs, err = blobDigests("blobs", o.Blobs, refs.blobs); err != nil {
			return manifestRefs{}, err
		}
		return refs, nil
	}
}

// parseKnown validates an image manifest or an index and fills refs.
func parseKnown(m types.MediaType, body []byte, refs *manifestRefs, maxDescriptors int) error {
	var k knownManifest
	if err := json.Unmarshal(body, &k); err != nil {
		return invalid("%v", err)
	}
	n := len(k.Layers) + len(k.Manifests)
	if k.Config != nil {
		n++
	}
	if err := checkCount(n, maxDescriptors); err != nil {
		return err
	}
	if k.SchemaVersion == nil || *k.SchemaVersion != 2 {
		return invalid("schemaVersion must be 2 for %s", m)
	}
	if m.IsIndex() {
		for i, desc := range k.Manifests {
			d, err := ParseDigest(desc.Digest)
			if err != nil {
				return invalid("manifests[%d]: %v", i, err)
			}
			refs.manifests = append(refs.manifests, d)
		}
		return nil
	}
	if k.Config == nil {
		return invalid("an image manifest needs a config descriptor")
	}
	d, err := ParseDigest(k.Config.Digest)
	if err != nil {
		return invalid("config: %v", err)
	}
	refs.blobs, err = blobDigests("layers", k.Layers, []Digest{d})
	return err
}

// checkCount refuses a manifest naming more than max descriptors.
func checkCount(n, max int) error {
	if n > max {
		return invalid("%d descriptors, the limit is %d per manifest", n, max)
	}
	return nil
}

// blobDigests appends the digests of the distributable descriptors in descs
// (named field, for errors) to dst. Foreign and non-distributable layers
// live outside the registry, so they need not be in the repository.
func blobDigests(field string, descs []descriptor, dst []Digest) ([]Digest, error) {
	for i, desc := range descs {
		d, err := ParseDigest(desc.Digest)
		if err != nil {
			return nil, invalid("%s[%d]: %v", field, i, err)
		}
		if types.MediaType(desc.MediaType).IsDistributable() {
			dst = append(dst, d)
		}
	}
	return dst, nil
}

// normalize returns a Content-Type's media type without parameters, lower
// case.
func normalize(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}
