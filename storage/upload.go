package storage

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// upload is a blob upload session. Its own mutex serializes the appends and
// the commit and is held while a request body is read; the Store's mutex is
// never held then.
type upload struct {
	id, repo string
	holder   string // who opened it ("" for none), for MaxUploadsPerHolder

	mu  sync.Mutex
	buf chunkBuffer // guarded by mu
	sha hash.Hash   // guarded by mu; sha256 of exactly the bytes in buf

	size     atomic.Int64 // buf.size as of the last completed operation
	done     atomic.Bool  // set, under mu, once committed, discarded or expired
	deadline atomic.Int64 // UnixNano after which an idle session expires
}

// newUpload makes a session of repo; the name is copied (it is a
// substring of the request line, which it would keep alive).
func (s *Store) newUpload(repo string) *upload {
	return &upload{id: rand.Text(), repo: strings.Clone(repo), buf: chunkBuffer{pool: &s.chunks, budget: &s.held}, sha: sha256.New()}
}

// touch pushes the expiry deadline to now+ttl.
func (u *upload) touch(now time.Time, ttl time.Duration) {
	u.deadline.Store(now.Add(ttl).UnixNano())
}

// release drops the session's bytes and marks it done. u.mu must be held.
func (u *upload) release() {
	u.done.Store(true)
	u.buf.release()
	u.sha = nil
}

// StartUpload opens an upload session in repo and returns its id: 128 random
// bits, unguessable, valid only with the same repo. The session expires after
// Options.UploadTTL without activity. Starting a session does not create the
// repository. With Options.MaxUploads sessions open (after discarding the
// expired ones) it fails with ErrTooManyUploads.
func (s *Store) StartUpload(repo string) (string, error) { return s.StartUploadFor(repo, "") }

// StartUploadFor is StartUpload for a holder (the HTTP layer names the
// credential), who may have at most Options.MaxUploadsPerHolder sessions
// open: past that it fails with ErrTooManyUploads while other holders
// still start theirs. The holder "" is not limited on its own.
func (s *Store) StartUploadFor(repo, holder string) (string, error) {
	u := s.newUpload(repo)
	u.holder = strings.Clone(holder)
	now := s.opts.Now()
	u.touch(now, s.opts.UploadTTL)
	s.mu.Lock()
	defer s.mu.Unlock()
	// Sweep now and then so abandoned sessions cannot pile up even
	// without a Sweeper, and always before refusing a session.
	overHolder := func() bool { return holder != "" && s.byHolder[holder] >= s.opts.MaxUploadsPerHolder }
	if now.Sub(s.lastSweep) >= s.opts.UploadTTL/2 || len(s.uploads) >= s.opts.MaxUploads || overHolder() {
		s.sweepLocked(now)
	}
	if overHolder() {
		return "", fmt.Errorf("%w: %d by this credential, the limit per credential", ErrTooManyUploads, s.byHolder[holder])
	}
	if len(s.uploads) >= s.opts.MaxUploads {
		return "", fmt.Errorf("%w: %d, the limit", ErrTooManyUploads, len(s.uploads))
	}
	s.uploads[u.id] = u
	if u.holder != "" {
		s.byHolder[u.holder]++
	}
	return u.id, nil
}

// dropLocked removes u from the open sessions. s.mu must be held for
// writing.
func (s *Store) dropLocked(u *upload) {
	if s.uploads[u.id] != u {
		return
	}
	delete(s.uploads, u.id)
	if u.holder == "" {
		return
	}
	if s.byHolder[u.holder]--; s.byHolder[u.holder] <= 0 {
		delete(s.byHolder, u.holder)
	}
}

// Sweep discards every expired upload session and releases its memory. A
// session whose Append or Commit is running is not expired.
func (s *Store) Sweep() {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
}

func (s *Store) sweepLocked(now time.Time) {
	s.lastSweep = now
	for _, u := range s.uploads {
		s.expireLocked(u, now)
	}
}

// expireLocked discards u if it is expired and idle, and reports whether it
// did. s.mu must be held for writing. It only tries u's mutex, so it never
// waits for a body being read (and cannot deadlock with a Commit, which
// takes u.mu before s.mu).
func (s *Store) expireLocked(u *upload, now time.Time) bool {
	if now.UnixNano() <= u.deadline.Load() || !u.mu.TryLock() {
		return false
	}
	defer u.mu.Unlock()
	u.release()
	s.dropLocked(u)
	return true
}

// lookup returns repo's live session id.
func (s *Store) lookup(repo, id string) (*upload, error) {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.uploads[id]
	if u == nil || u.repo != repo {
		return nil, fmt.Errorf("%w: %s", ErrUploadUnknown, quoted(id))
	}
	if s.expireLocked(u, now) {
		return nil, fmt.Errorf("%w: %s expired", ErrUploadUnknown, quoted(id))
	}
	return u, nil
}

// acquire looks up a session and locks it, waiting for any Append or Commit
// already running on it. The caller must unlock u.mu.
func (s *Store) acquire(repo, id string) (*upload, error) {
	u, err := s.lookup(repo, id)
	if err != nil {
		return nil, err
	}
	u.mu.Lock()
	if u.done.Load() { // committed, discarded or expired while we waited
		u.mu.Unlock()
		return nil, fmt.Errorf("%w: %s", ErrUploadUnknown, quoted(id))
	}
	return u, nil
}

// discard drops u and its bytes. u.mu must be held; s.mu must not be.
func (s *Store) discard(u *upload) {
	u.release()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropLocked(u)
}

// UploadSize returns how many bytes session id of repo holds. It does not
// wait for an Append in progress: it reports the size before that Append.
func (s *Store) UploadSize(repo, id string) (int64, error) {
	u, err := s.lookup(repo, id)
	if err != nil {
		return 0, err
	}
	if u.done.Load() {
		return 0, fmt.Errorf("%w: %s", ErrUploadUnknown, quoted(id))
	}
	return u.size.Load(), nil
}

// Append reads r to its end and appends it to session id of repo, returning
// the session's new size. Appends to one session are serialized; appends to
// other sessions, and every other operation, proceed meanwhile.
//
// offset is the chunk's start from a Content-Range header, or -1 without
// one; when offset >= 0 it must equal the session's size, else the error is
// ErrRangeInvalid. When offset >= 0 and maxChunk > 0, a body longer than
// maxChunk bytes fails with ErrChunkTooLarge once its maxChunk+1st byte is
// read, and the session is rolled back to its size before this call; the
// rest of the body is left unread. A session growing past
// Options.MaxBlobSize is discarded with ErrBlobTooLarge.
//
// If reading r fails (the client went away), the bytes read so far stay in
// the session, which remains consistent: the returned size counts them, the
// digest check at Commit covers them, and the client may resume from the
// size it learns from UploadSize.
func (s *Store) Append(repo, id string, r io.Reader, offset, maxChunk int64) (int64, error) {
	u, err := s.acquire(repo, id)
	if err != nil {
		return 0, err
	}
	defer u.mu.Unlock()
	defer func() {
		if !u.done.Load() {
			u.touch(s.opts.Now(), s.opts.UploadTTL)
		}
	}()
	start := u.buf.size
	if offset >= 0 && offset != start {
		return start, fmt.Errorf("%w: chunk starts at %d, upload has %d bytes", ErrRangeInvalid, offset, start)
	}
	limit := s.opts.MaxBlobSize - start
	ranged := offset >= 0 && maxChunk > 0
	chunkBound := ranged && maxChunk < limit // the chunk cap binds before the blob cap
	var saved []byte
	if chunkBound {
		limit = maxChunk
		if saved, err = saveHash(u.sha); err != nil {
			return start, err
		}
	}
	_, readErr := u.buf.readFrom(r, u.sha, limit)
	if errors.Is(readErr, errNoBudget) {
		s.discard(u)
		return 0, s.fullError()
	}
	if errors.Is(readErr, errOverLimit) {
		if !chunkBound {
			s.discard(u)
			return 0, fmt.Errorf("%w: more than %d bytes", ErrBlobTooLarge, s.opts.MaxBlobSize)
		}
		u.buf.truncate(start)
		if err := restoreHash(u.sha, saved); err != nil {
			s.discard(u) // cannot happen with crypto/sha256; never keep a wrong hash
			return 0, fmt.Errorf("%w: %w", ErrUploadUnknown, err)
		}
		return start, fmt.Errorf("%w: chunk is more than %d bytes", ErrChunkTooLarge, maxChunk)
	}
	u.size.Store(u.buf.size)
	if readErr != nil {
		return u.buf.size, fmt.Errorf("reading upload body: %w", readErr)
	}
	return u.buf.size, nil
}

// fullError is ErrUploadsFull with the limit.
func (s *Store) fullError() error {
	return fmt.Errorf("%w: the limit is %d bytes for all uploads in progress; the upload was discarded", ErrUploadsFull, s.opts.MaxUploadBytes)
}

// saveHash returns h's state, for restoreHash.
func saveHash(h hash.Hash) ([]byte, error) {
	m, ok := h.(encoding.BinaryMarshaler)
	if !ok {
		return nil, fmt.Errorf("saving upload hash state: %T cannot", h)
	}
	state, err := m.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("saving upload hash state: %w", err)
	}
	return state, nil
}

// restoreHash puts h back in a state saveHash returned.
func restoreHash(h hash.Hash, state []byte) error {
	u, ok := h.(encoding.BinaryUnmarshaler)
	if !ok {
		return fmt.Errorf("restoring upload hash state: %T cannot", h)
	}
	if err := u.UnmarshalBinary(state); err != nil {
		return fmt.Errorf("restoring upload hash state: %w", err)
	}
	return nil
}

// Commit appends last (the final PUT's body; nil for none) to session id of
// repo, checks that the whole upload hashes to d, stores the blob and links
// it into repo, and ends the session.
//
// A malformed d fails with ErrDigestInvalid before anything is read, and the
// session stays open. If the content does not match d the error is
// ErrDigestMismatch and the session is discarded, storing nothing. A failure
// reading last leaves the session open, as in Append.
//
// sha256 is computed as bytes arrive; a sha512 d is verified by one more pass
// over the stored bytes.
func (s *Store) Commit(repo, id string, d Digest, last io.Reader) error {
	if err := checkDigest(d); err != nil {
		return err
	}
	u, err := s.acquire(repo, id)
	if err != nil {
		return err
	}
	defer u.mu.Unlock()
	if last != nil {
		_, err := u.buf.readFrom(last, u.sha, s.opts.MaxBlobSize-u.buf.size)
		if errors.Is(err, errNoBudget) {
			s.discard(u)
			return s.fullError()
		}
		if errors.Is(err, errOverLimit) {
			s.discard(u)
			return fmt.Errorf("%w: more than %d bytes", ErrBlobTooLarge, s.opts.MaxBlobSize)
		}
		u.size.Store(u.buf.size)
		if err != nil {
			u.touch(s.opts.Now(), s.opts.UploadTTL)
			return fmt.Errorf("reading upload body: %w", err)
		}
	}
	return s.finish(u, d)
}

// finish verifies u's bytes against d and either stores them as a blob of
// u.repo or discards them; either way the session ends. u.mu must be held.
func (s *Store) finish(u *upload, d Digest) error {
	got := digestFromHash(algSHA256, u.sha)
	if d.Algorithm != algSHA256 {
		h := newHasher(d.Algorithm)
		for _, c := range u.buf.chunks {
			h.Write(c)
		}
		got = digestFromHash(d.Algorithm, h)
	}
	if got != d {
		s.discard(u)
		return fmt.Errorf("%w: got %s, want %s", ErrDigestMismatch, got, d)
	}
	// got, not d: d is parsed from the request and its strings are
	// substrings of the request line.
	b := newBlob(got, u.buf.finish())
	b.classify(s.opts.Classify)
	u.release()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropLocked(u)
	s.linkLocked(u.repo, b)
	return nil
}

// PutBlob stores the blob read from r in repo if it hashes to d: a
// monolithic upload, the same as StartUpload then Commit, without a session
// others can see.
func (s *Store) PutBlob(repo string, d Digest, r io.Reader) error {
	if err := checkDigest(d); err != nil {
		return err
	}
	u := s.newUpload(repo)
	u.mu.Lock()
	defer u.mu.Unlock()
	_, err := u.buf.readFrom(r, u.sha, s.opts.MaxBlobSize)
	if err != nil {
		u.release()
	}
	switch {
	case errors.Is(err, errNoBudget):
		return s.fullError()
	case errors.Is(err, errOverLimit):
		return fmt.Errorf("%w: more than %d bytes", ErrBlobTooLarge, s.opts.MaxBlobSize)
	case err != nil:
		return fmt.Errorf("reading blob body: %w", err)
	}
	return s.finish(u, d)
}
