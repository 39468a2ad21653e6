package storage

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults for the zero Options, GHCR's documented or observed limits.
const (
	// DefaultUploadTTL is GHCR's documented 10-minute upload timeout.
	DefaultUploadTTL = 10 * time.Minute
	// DefaultMaxBlobSize is GHCR's documented 10 GB per layer (decimal).
	DefaultMaxBlobSize = 10_000_000_000
	// DefaultMaxManifestSize is 4 MiB, the per-request body cap GHCR is
	// observed to enforce and the size the OCI spec says a registry should
	// at least accept.
	DefaultMaxManifestSize = 4 << 20
	// DefaultMaxManifestDescriptors caps the descriptors (config, layers,
	// blobs, child manifests) one manifest may name. GHCR's own cap is not
	// known; 10,000 is far above any image (Docker stops at 127 layers) or
	// BuildKit cache index seen, and keeps the missing-blob check short.
	DefaultMaxManifestDescriptors = 10_000
	// DefaultMaxUploads caps the upload sessions open at once.
	DefaultMaxUploads = 1024
	// DefaultMaxUploadsPerHolder caps the upload sessions one holder (the
	// HTTP layer's credential) may have open at once: a quarter of
	// DefaultMaxUploads, so one credential cannot take every session from
	// the others. Clients open a few at once (docker 5 per push,
	// go-containerregistry 4 per image), and an abandoned session stays
	// open for UploadTTL, so 256 is far above any client's need.
	DefaultMaxUploadsPerHolder = 256
	// DefaultMaxUploadBytes caps the bytes held by uploads in progress
	// (open sessions and monolithic pushes being read): 16 GiB, room for
	// one upload of the largest blob GHCR accepts and more.
	DefaultMaxUploadBytes = 16 << 30
)

// Options configures a Store. The zero value works: every field left zero
// takes the default named in its comment (New treats negative values as
// zero; Validate rejects them).
type Options struct {
	// UploadTTL is how long an upload session may stay idle (no Append or
	// Commit running or started) before it expires. Default DefaultUploadTTL.
	UploadTTL time.Duration
	// MaxBlobSize is the largest blob accepted. Default DefaultMaxBlobSize.
	MaxBlobSize int64
	// MaxManifestSize is the largest manifest accepted. Default
	// DefaultMaxManifestSize.
	MaxManifestSize int64
	// MaxManifestDescriptors is the most descriptors one manifest may name.
	// Default DefaultMaxManifestDescriptors.
	MaxManifestDescriptors int
	// MaxUploads is the most upload sessions open at once; StartUpload
	// fails with ErrTooManyUploads beyond it. Default DefaultMaxUploads.
	MaxUploads int
	// MaxUploadsPerHolder is the most upload sessions one holder may have
	// open at once (StartUploadFor); beyond it StartUploadFor fails with
	// ErrTooManyUploads while other holders may still start sessions.
	// Default DefaultMaxUploadsPerHolder.
	MaxUploadsPerHolder int
	// MaxUploadBytes is the most memory (chunk capacity) uploads in
	// progress may hold together; an upload that would need more fails with
	// ErrUploadsFull and is discarded. Committed blobs do not count. Default
	// DefaultMaxUploadBytes.
	MaxUploadBytes int64
	// Now is the clock used for upload expiry. Default time.Now.
	Now func() time.Time
	// Classify, when set, is called once for every blob committed, with
	// its first ClassifyLen bytes (all of them if it is shorter); its
	// result is the blob's Class. A server that labels every answer with
	// what the blob's first bytes look like (the registry: its sniffed
	// Content-Type) computes that once per blob instead of once per read.
	Classify func(head []byte) string
}

// ClassifyLen is how many of a blob's first bytes Options.Classify sees:
// as many as net/http's content sniffing reads.
const ClassifyLen = 512

// Validate reports a negative limit, which New would silently replace by
// its default; call it where options come from flags or the environment.
func (o Options) Validate() error {
	switch {
	case o.UploadTTL < 0:
		return fmt.Errorf("storage: UploadTTL %v is negative", o.UploadTTL)
	case o.MaxBlobSize < 0:
		return fmt.Errorf("storage: MaxBlobSize %d is negative", o.MaxBlobSize)
	case o.MaxManifestSize < 0:
		return fmt.Errorf("storage: MaxManifestSize %d is negative", o.MaxManifestSize)
	case o.MaxUploads < 0:
		return fmt.Errorf("storage: MaxUploads %d is negative", o.MaxUploads)
	case o.MaxUploadsPerHolder < 0:
		return fmt.Errorf("storage: MaxUploadsPerHolder %d is negative", o.MaxUploadsPerHolder)
	case o.MaxUploadBytes < 0:
		return fmt.Errorf("storage: MaxUploadBytes %d is negative", o.MaxUploadBytes)
	case o.MaxManifestDescriptors < 0:
		return fmt.Errorf("storage: MaxManifestDescriptors %d is negative", o.MaxManifestDescriptors)
	}
	return nil
}

// withDefaults fills in the zero fields.
func (o Options) withDefaults() Options {
	if o.UploadTTL <= 0 {
		o.UploadTTL = DefaultUploadTTL
	}
	if o.MaxBlobSize <= 0 {
		o.MaxBlobSize = DefaultMaxBlobSize
	}
	if o.MaxManifestSize <= 0 {
		o.MaxManifestSize = DefaultMaxManifestSize
	}
	if o.MaxManifestDescriptors <= 0 {
		o.MaxManifestDescriptors = DefaultMaxManifestDescriptors
	}
	if o.MaxUploads <= 0 {
		o.MaxUploads = DefaultMaxUploads
	}
	if o.MaxUploadsPerHolder <= 0 {
		o.MaxUploadsPerHolder = DefaultMaxUploadsPerHolder
	}
	if o.MaxUploadBytes <= 0 {
		o.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Store is an in-memory OCI content store. All methods are safe for
// concurrent use. Its mutex guards only map operations: no method holds it
// while reading a request body or hashing.
type Store struct {
	opts   Options
	chunks chunkPool // first chunks of uploads, recycled
	held   budget    // chunk capacity held by uploads in progress

	mu        sync.RWMutex
	blobs     map[Digest]*Blob       // every committed blob, once per digest
	blobBytes int64                  // sum of the sizes in blobs
	repos     map[string]*repository // repositories with at least one blob or manifest
	uploads   map[string]*upload     // open upload sessions by id
	byHolder  map[string]int         // open upload sessions by holder ("" not counted)
	lastSweep time.Time
}

// repository is what one repository can see. It exists once it has a blob or
// a manifest; an upload session alone does not create it.
type repository struct {
	blobs     map[Digest]*Blob
	manifests map[Digest]Manifest
	tags      map[string]Digest
}

// New returns an empty Store.
func New(opts Options) *Store {
	opts = opts.withDefaults()
	return &Store{
		opts:      opts,
		held:      budget{limit: opts.MaxUploadBytes},
		blobs:     make(map[Digest]*Blob),
		repos:     make(map[string]*repository),
		uploads:   make(map[string]*upload),
		byHolder:  make(map[string]int),
		lastSweep: opts.Now(),
	}
}

// repoLocked returns the named repository, creating it. s.mu must be held
// for writing.
//
// Every string the store keeps (a repository name here, a tag, a digest)
// is a copy or the store's own: names arrive as substrings of a request
// line, which they would keep alive, up to 1 MB each, until restart.
func (s *Store) repoLocked(name string) *repository {
	r := s.repos[name]
	if r == nil {
		r = &repository{
			blobs:     make(map[Digest]*Blob),
			manifests: make(map[Digest]Manifest),
			tags:      make(map[string]Digest),
		}
		s.repos[strings.Clone(name)] = r
	}
	return r
}

// linkLocked stores b unless a blob with its digest is already stored, and
// links the stored one into repo. s.mu must be held for writing.
func (s *Store) linkLocked(repo string, b *Blob) {
	if have, ok := s.blobs[b.digest]; ok {
		b = have
	} else {
		s.blobs[b.digest] = b
		s.blobBytes += b.size
	}
	s.repoLocked(repo).blobs[b.digest] = b
}

// Stat reports the size of blob d if repo has it.
func (s *Store) Stat(repo string, d Digest) (size int64, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if r := s.repos[repo]; r != nil {
		if b := r.blobs[d]; b != nil {
			return b.size, true
		}
	}
	return 0, false
}

// Open returns blob d of repo, or an error that errors.Is ErrBlobUnknown.
// The Blob is immutable and may be read for as long as the caller likes.
func (s *Store) Open(repo string, d Digest) (*Blob, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if r := s.repos[repo]; r != nil {
		if b := r.blobs[d]; b != nil {
			return b, nil
		}
	}
	return nil, ErrBlobUnknown
}

// Mount links blob d into repository to if repository from has it, and
// reports whether to has it afterwards.
//
// An empty from does not search other repositories: it succeeds only if to
// already has the blob. Linking a blob found in any repository would let
// anyone who knows a digest read it from a repository they can write to,
// bypassing the read check on the source, which GHCR makes (the HTTP layer
// authorizes a pull on from before calling Mount).
func (s *Store) Mount(to, from string, d Digest) bool {
	if from == "" || from == to {
		_, ok := s.Stat(to, d)
		return ok
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	src := s.repos[from]
	if src == nil {
		return false
	}
	b := src.blobs[d]
	if b == nil {
		return false
	}
	s.repoLocked(to).blobs[b.digest] = b // the stored digest, not the request's
	return true
}

// Holders returns the repositories that hold blob d, sorted. The HTTP
// layer uses it for a mount without a source repository: it may mount from
// any holder the client can read.
func (s *Store) Holders(d Digest) []string {
	s.mu.RLock()
	var names []string
	for name, r := range s.repos {
		if r.blobs[d] != nil {
			names = append(names, name)
		}
	}
	s.mu.RUnlock()
	slices.Sort(names)
	return names
}

// RepositoryExists reports whether repo has at least one blob or manifest.
func (s *Store) RepositoryExists(repo string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.repos[repo] != nil
}

// Repositories returns the names of the existing repositories, sorted.
func (s *Store) Repositories() []string {
	s.mu.RLock()
	names := make([]string, 0, len(s.repos))
	for name := range s.repos {
		names = append(names, name)
	}
	s.mu.RUnlock()
	slices.Sort(names)
	return names
}

// Usage is what a Store holds at one moment.
type Usage struct {
	// Blobs and BlobBytes count the distinct committed blobs and their
	// sizes, each blob once however many repositories link it.
	Blobs     int
	BlobBytes int64
	// Uploads counts the open upload sessions, including expired ones not
	// yet swept.
	Uploads int
	// UploadBytes is the memory held by uploads in progress (open sessions
	// and monolithic pushes being read): the capacity of their chunks,
	// which Options.MaxUploadBytes caps.
	UploadBytes int64
	// Repositories, Manifests and Tags count what the repositories hold
	// (a manifest linked into two repositories counts twice).
	Repositories, Manifests, Tags int
	// ManifestBytes is the size of the manifests' bodies, each stored body
	// once per repository holding it.
	ManifestBytes int64
	// IndexBytes is about what the store's bookkeeping holds beside
	// content: repository names, tags, digests, upload sessions, and the
	// map entries around them (indexBytes).
	IndexBytes int64
}

// Per-entry costs IndexBytes adds to the length of each name: map slots,
// string and struct headers, the Blob and upload structs.
const (
	entryOverhead  = 64
	uploadOverhead = 512
)

// Usage reports what the store holds. It walks every repository, so it
// costs time linear in what is stored.
func (s *Store) Usage() Usage {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := Usage{Blobs: len(s.blobs), BlobBytes: s.blobBytes, Uploads: len(s.uploads), UploadBytes: s.held.n.Load(),
		Repositories: len(s.repos)}
	digestBytes := func(d Digest) int64 { return int64(entryOverhead + len(d.Algorithm) + len(d.Hex)) }
	for d := range s.blobs {
		u.IndexBytes += digestBytes(d)
	}
	for name, r := range s.repos {
		u.IndexBytes += int64(3*entryOverhead + len(name))
		for d := range r.blobs {
			u.IndexBytes += digestBytes(d)
		}
		for d, m := range r.manifests {
			u.IndexBytes += digestBytes(d) + int64(len(m.MediaType))
			u.ManifestBytes += int64(len(m.Body))
		}
		for t, d := range r.tags {
			u.IndexBytes += digestBytes(d) + int64(len(t))
		}
		u.Manifests += len(r.manifests)
		u.Tags += len(r.tags)
	}
	for id, up := range s.uploads {
		u.IndexBytes += int64(uploadOverhead + len(id) + len(up.repo) + len(up.holder))
	}
	return u
}

// Stats reports the number of distinct committed blobs, their total size in
// bytes (each blob counted once however many repositories link it), and the
// number of open upload sessions (including expired ones not yet swept).
func (s *Store) Stats() (blobs int, bytes int64, uploads int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.blobs), s.blobBytes, len(s.uploads)
}
