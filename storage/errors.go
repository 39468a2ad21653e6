package storage

import (
	"errors"
	"strconv"
	"strings"
)

// maxEcho bounds how much of a value from a request an error quotes.
const maxEcho = 200

// quoted is s quoted for an error, cut to maxEcho bytes and marked with
// its length: an error names a bad value once and briefly, however long
// the value was (the HTTP layer may send the message back).
func quoted(s string) string {
	if len(s) <= maxEcho {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:maxEcho]) + "... (" + strconv.Itoa(len(s)) + " bytes)"
}

// Errors returned by the Store. They are wrapped with more detail; test them
// with errors.Is. Each maps onto one OCI distribution error code, named in its
// comment, that the HTTP layer sends.
var (
	// ErrDigestInvalid: a digest is malformed or uses an unsupported
	// algorithm (DIGEST_INVALID).
	ErrDigestInvalid = errors.New("invalid digest")
	// ErrDigestMismatch: content does not hash to the digest the client
	// named (DIGEST_INVALID, "provided digest did not match uploaded content").
	ErrDigestMismatch = errors.New("provided digest did not match uploaded content")
	// ErrBlobUnknown: the repository has no such blob (BLOB_UNKNOWN).
	ErrBlobUnknown = errors.New("blob unknown to registry")
	// ErrBlobTooLarge: an upload grew past Options.MaxBlobSize; the session
	// is discarded (SIZE_INVALID, or 413).
	ErrBlobTooLarge = errors.New("blob exceeds the maximum size")
	// ErrUploadUnknown: no such upload session in this repository, or it
	// expired, was committed or was discarded (BLOB_UPLOAD_UNKNOWN).
	ErrUploadUnknown = errors.New("blob upload unknown to registry")
	// ErrTooManyUploads: Options.MaxUploads sessions are open; none was
	// started (TOOMANYREQUESTS, 429).
	ErrTooManyUploads = errors.New("too many upload sessions open")
	// ErrUploadsFull: the upload needed more memory than
	// Options.MaxUploadBytes leaves free; it is discarded, freeing what it
	// held, and nothing committed is touched (TOOMANYREQUESTS, 429).
	ErrUploadsFull = errors.New("uploads in progress hold too many bytes")
	// ErrRangeInvalid: a chunk's start offset is not the session's current
	// size (RANGE_INVALID, 416).
	ErrRangeInvalid = errors.New("invalid content range")
	// ErrChunkTooLarge: a ranged chunk is larger than the caller's limit;
	// the session is rolled back to its size before the chunk
	// (REQUESTED_RANGE_NOT_SATISFIABLE, 416 on GHCR).
	ErrChunkTooLarge = errors.New("the request body is too large and exceeds the maximum permissible limit")
	// ErrManifestInvalid: a manifest body is not acceptable (MANIFEST_INVALID).
	ErrManifestInvalid = errors.New("manifest invalid")
	// ErrManifestBlobUnknown: a manifest references blobs or child manifests
	// the repository does not have (MANIFEST_BLOB_UNKNOWN). It is the
	// unwrapped form of *BlobUnknownError, which lists the digests.
	ErrManifestBlobUnknown = errors.New("blob unknown to registry")
	// ErrManifestUnknown: the repository exists but the reference does not
	// (MANIFEST_UNKNOWN).
	ErrManifestUnknown = errors.New("manifest unknown")
	// ErrManifestTooLarge: a manifest is larger than
	// Options.MaxManifestSize (SIZE_INVALID, or 413).
	ErrManifestTooLarge = errors.New("manifest exceeds the maximum size")
	// ErrNameUnknown: the repository holds no blob and no manifest
	// (NAME_UNKNOWN).
	ErrNameUnknown = errors.New("repository name not known to registry")
	// ErrTagInvalid: a tag does not match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
	// (TAG_INVALID, or MANIFEST_INVALID).
	ErrTagInvalid = errors.New("invalid tag")
)

// BlobUnknownError is returned by PutManifest when the manifest references
// blobs (config, layers) or child manifests that the repository does not
// have. GHCR answers with one MANIFEST_BLOB_UNKNOWN error per missing digest,
// with the digest as detail. errors.Is(err, ErrManifestBlobUnknown) holds.
type BlobUnknownError struct {
	// Digests lists each missing digest once, in the order the manifest
	// names them.
	Digests []Digest
}

// Error lists the missing digests.
func (e *BlobUnknownError) Error() string {
	s := make([]string, len(e.Digests))
	for i, d := range e.Digests {
		s[i] = d.String()
	}
	return "manifest references unknown blobs: " + strings.Join(s, ", ")
}

// Unwrap returns ErrManifestBlobUnknown.
func (e *BlobUnknownError) Unwrap() error { return ErrManifestBlobUnknown }
