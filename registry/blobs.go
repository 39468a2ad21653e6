package registry

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/fakeghcr/fakeghcr/storage"
)

// serveBlob answers GET and HEAD of a blob: the whole blob, or (GET with
// a Range header) one range of it.
func (s *Server) serveBlob(q request) *regError {
	d, err := storage.ParseDigest(q.rt.Ref)
	if err != nil {
		return errDigestInvalid
	}
	blob, err := s.store.Open(q.rt.Repo, d)
	if err != nil {
		return errBlobUnknown
	}
	rng := q.r.Header.Get("Range")
	if rng == "" || q.r.Method == http.MethodHead {
		// q.rt.Ref is d as written: ParseDigest accepted it whole, and
		// d.String() would only build the same string again.
		serveWholeBlob(q.w, q.r, q.rt.Ref, blob)
		return nil
	}
	if _, ok := parseRange(rng, blob.Size()); !ok {
		q.w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(blob.Size(), 10))
		return errRangeNotSatisfiable
	}
	h := q.w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Docker-Content-Digest", d.String())
	http.ServeContent(q.w, q.r, "", time.Time{}, blob.NewReader())
	return nil
}

// serveWholeBlob answers 200 with the blob's size and digest, and on GET
// its bytes. These are the headers go-containerregistry's pkg/registry
// (v0.22.1, blobs.go), which served these reads until fakeghcr's own path
// replaced it, wrote: it set no Content-Type, so net/http sniffed one from
// the first bytes of a GET, and a HEAD has none. A GET of a non-empty blob
// gets that same sniffed type, computed once when the blob was stored
// (storage.Options.Classify is http.DetectContentType, over the 512 bytes
// net/http would look at) instead of on every read; an empty blob gets
// none, as net/http sniffs nothing without a body. Serving here saves that
// engine's second parse of the path and second lookup of the blob on
// every pull (bench: 4 KiB blobs, 8 clients).
func serveWholeBlob(w http.ResponseWriter, r *http.Request, digest string, blob *storage.Blob) {
	h := w.Header()
	// One allocation for the header values (net/http never modifies them).
	v := &[3]string{strconv.FormatInt(blob.Size(), 10), digest, blob.Class()}
	h["Content-Length"] = v[0:1:1]
	h["Docker-Content-Digest"] = v[1:2:2]
	if r.Method == http.MethodGet && blob.Size() > 0 && v[2] != "" {
		h["Content-Type"] = v[2:3:3]
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = blob.NewReader().WriteTo(w)
	}
}

// byteRange is a satisfiable [start, end] byte range.
type byteRange struct{ start, end int64 }

// parseRange accepts one range of the forms bytes=N-M, bytes=N- and
// bytes=-N, and reports whether it is satisfiable for size.
func parseRange(h string, size int64) (byteRange, bool) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return byteRange{}, false
	}
	if strings.ContainsFunc(spec, unicode.IsSpace) {
		return byteRange{}, false
	}
	first, last, ok := strings.Cut(spec, "-")
	if !ok {
		return byteRange{}, false
	}
	if first == "" { // suffix: the last N bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n <= 0 || size == 0 {
			return byteRange{}, false
		}
		return byteRange{max(size-n, 0), size - 1}, true
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 || start >= size {
		return byteRange{}, false
	}
	end := size - 1
	if last != "" {
		if end, err = strconv.ParseInt(last, 10, 64); err != nil || end < start {
			return byteRange{}, false
		}
		end = min(end, size-1)
	}
	return byteRange{start, end}, true
}

// storageError maps a content-store error to the registry's answer; an
// error the store does not name is an internal one.
func (s *Server) storageError(err error) *regError {
	if e := s.knownStorageError(err); e != nil {
		return e
	}
	return internalError("internal error", err)
}

// bodyError answers an error from storing a request body: the store's
// errors as storageError does, and any other as the body failing to arrive
// (the client went away or sent garbage), a bad upload rather than a 500.
func (s *Server) bodyError(err error) *regError {
	if e := s.knownStorageError(err); e != nil {
		return e
	}
	return &regError{Status: http.StatusBadRequest, Code: "BLOB_UPLOAD_INVALID", Message: "reading the request body: " + err.Error()}
}

func (s *Server) knownStorageError(err error) *regError {
	var unknown *storage.BlobUnknownError
	switch {
	case errors.As(err, &unknown):
		e := &regError{Status: http.StatusBadRequest, Code: "MANIFEST_BLOB_UNKNOWN", Message: "blob unknown to registry"}
		for _, d := range unknown.Digests {
			e.Details = append(e.Details, d.String())
		}
		return e
	case errors.Is(err, storage.ErrDigestMismatch):
		return errDigestMismatch
	case errors.Is(err, storage.ErrDigestInvalid):
		return errDigestInvalid
	case errors.Is(err, storage.ErrBlobUnknown):
		return errBlobUnknown
	case errors.Is(err, storage.ErrBlobTooLarge):
		return errBlobTooLarge
	case errors.Is(err, storage.ErrUploadUnknown):
		return errUploadUnknown
	case errors.Is(err, storage.ErrRangeInvalid):
		return errRangeInvalid
	case errors.Is(err, storage.ErrChunkTooLarge):
		return errChunkTooLarge(s.chunkLimit())
	case errors.Is(err, storage.ErrManifestTooLarge):
		return errManifestTooLarge(storage.DefaultMaxManifestSize)
	case errors.Is(err, storage.ErrManifestInvalid):
		return errManifestInvalid.withMessage("manifest invalid: " + strings.TrimPrefix(err.Error(), storage.ErrManifestInvalid.Error()+": "))
	case errors.Is(err, storage.ErrManifestUnknown):
		return errManifestUnknown
	case errors.Is(err, storage.ErrNameUnknown):
		return errNameUnknown
	case errors.Is(err, storage.ErrTagInvalid):
		return errTagInvalid
	case errors.Is(err, storage.ErrTooManyUploads), errors.Is(err, storage.ErrUploadsFull):
		// fakeghcr's own limits (GHCR's are not known): the OCI code a
		// client backs off and retries on.
		return &regError{Status: http.StatusTooManyRequests, Code: "TOOMANYREQUESTS", Message: err.Error()}
	}
	return nil
}
