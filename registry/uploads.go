package registry

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/storage"
)

// startUpload answers POST /v2/<name>/blobs/uploads/: a monolithic upload
// (?digest=), a cross-repository mount (?mount=&from=), or a new session.
func (s *Server) startUpload(q request) *regError {
	query := q.r.URL.Query()
	if mount := query.Get("mount"); mount != "" {
		if s.mount(q, mount, query.Get("from")) {
			return nil
		}
		// Not mountable: fall back to an upload session, as the spec says.
	} else if digest := query.Get("digest"); digest != "" {
		d, err := storage.ParseDigest(digest)
		if err != nil {
			return errDigestInvalid
		}
		if err := s.store.PutBlob(q.rt.Repo, d, q.r.Body); err != nil {
			return s.bodyError(err)
		}
		blobCreated(q.w, q.rt.Repo, d.String())
		return nil
	}
	id, err := s.store.StartUploadFor(q.rt.Repo, uploadHolder(q.caller.principal))
	if err != nil {
		return s.storageError(err)
	}
	h := q.w.Header()
	h.Set("Location", uploadLocation(q.rt.Repo, id))
	h.Set("Docker-Upload-UUID", id)
	h.Set("Range", "0-0")
	h.Set("Content-Length", "0")
	q.w.WriteHeader(http.StatusAccepted)
	return nil
}

// uploadHolder is whom an upload session counts against for
// MaxUploadsPerCredential: the credential, by its name (unique in a
// world). Anonymous callers, who may never push, count against no one.
func uploadHolder(p authz.Principal) string {
	if p.Credential == nil {
		return ""
	}
	return p.Credential.Name
}

// mount links a blob from another repository. The source must be readable
// by the same principal (INFERRED: GHCR's rule for the source is unknown;
// requiring read is the conservative choice); an unreadable or missing
// source falls back to an upload session and reveals nothing.
func (s *Server) mount(q request, digest, from string) bool {
	d, err := storage.ParseDigest(digest)
	if err != nil {
		return false
	}
	if from == "" {
		// regctl mounts without from: any repository holding the blob
		// that the same principal may read will do.
		if s.store.Mount(q.rt.Repo, "", d) {
			blobCreated(q.w, q.rt.Repo, d.String())
			return true
		}
		for _, holder := range s.store.Holders(d) {
			if s.mountFrom(q, holder, d) {
				return true
			}
		}
		return false
	}
	if !validName(from) {
		return false
	}
	return s.mountFrom(q, from, d)
}

// mountFrom mounts d from one source repository the principal may read.
func (s *Server) mountFrom(q request, from string, d storage.Digest) bool {
	// The source is authorized by the token's identity, not its scope:
	// clients ask for the target's scope only (GHCR authorizes by identity).
	sd := explainMountSource(s.decide(q.view, q.caller.principal, authz.Access{Package: from, Action: authz.ActionRead}), from, q.rt.Repo)
	s.record(q.r, outcome{repo: from, action: authz.ActionRead, principal: q.caller.principal, decision: sd})
	if !sd.Allow || !s.store.Mount(q.rt.Repo, from, d) {
		return false
	}
	blobCreated(q.w, q.rt.Repo, d.String())
	return true
}

// serveUpload answers GET (status), PATCH (a chunk) and PUT (the last
// chunk and commit) on an upload session.
func (s *Server) serveUpload(q request) *regError {
	switch q.r.Method {
	case http.MethodGet:
		size, err := s.store.UploadSize(q.rt.Repo, q.rt.Ref)
		if err != nil {
			return s.storageError(err)
		}
		uploadProgress(q.w, q.rt.Repo, q.rt.Ref, size, http.StatusNoContent)
		return nil
	case http.MethodPatch:
		return s.patchUpload(q)
	case http.MethodPut:
		return s.putUpload(q)
	}
	return errUnsupported
}

// patchUpload appends a chunk: at its Content-Range's start, or at the end
// when it has none.
func (s *Server) patchUpload(q request) *regError {
	offset, e := contentRange(q.r)
	if e != nil {
		return e
	}
	size, err := s.store.Append(q.rt.Repo, q.rt.Ref, q.r.Body, offset, s.chunkLimit())
	if err != nil {
		return s.bodyError(err)
	}
	uploadProgress(q.w, q.rt.Repo, q.rt.Ref, size, http.StatusAccepted)
	return nil
}

// putUpload commits an upload with its last chunk; a chunk with a
// Content-Range must continue the upload exactly.
func (s *Server) putUpload(q request) *regError {
	digest := q.r.URL.Query().Get("digest")
	if digest == "" {
		return errDigestInvalid.withMessage("digest missing")
	}
	d, err := storage.ParseDigest(digest)
	if err != nil {
		return errDigestInvalid
	}
	offset, e := contentRange(q.r)
	if e != nil {
		return e
	}
	body := io.Reader(q.r.Body)
	if offset >= 0 {
		if _, err := s.store.Append(q.rt.Repo, q.rt.Ref, q.r.Body, offset, s.chunkLimit()); err != nil {
			return s.bodyError(err)
		}
		body = http.NoBody
	}
	if err := s.store.Commit(q.rt.Repo, q.rt.Ref, d, body); err != nil {
		return s.bodyError(err)
	}
	blobCreated(q.w, q.rt.Repo, d.String())
	return nil
}

// chunkLimit is the store's bound on one chunk; 0 is none.
func (s *Server) chunkLimit() int64 { return max(s.opts.ChunkLimit, 0) }

// contentRange reads a chunk's Content-Range: the offset the chunk starts
// at, or -1 when it has none. A malformed range, or one whose length is
// not the body's, is errRangeInvalid.
func contentRange(r *http.Request) (int64, *regError) {
	cr := r.Header.Get("Content-Range")
	if cr == "" {
		return -1, nil
	}
	start, end, ok := parseContentRange(cr)
	if !ok || (r.ContentLength >= 0 && end-start+1 != r.ContentLength) {
		return 0, errRangeInvalid
	}
	return start, nil
}

// parseContentRange reads "N-M" (the OCI form) or "bytes N-M/*".
func parseContentRange(h string) (start, end int64, ok bool) {
	h = strings.TrimSpace(h)
	h = strings.TrimPrefix(h, "bytes=")
	h = strings.TrimPrefix(h, "bytes ")
	h, _, _ = strings.Cut(h, "/")
	a, b, found := strings.Cut(h, "-")
	if !found {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || start < 0 || end < start {
		return 0, 0, false
	}
	return start, end, true
}

func uploadLocation(repo, id string) string { return "/v2/" + repo + "/blobs/uploads/" + id }

func uploadProgress(w http.ResponseWriter, repo, id string, size int64, status int) {
	h := w.Header()
	h.Set("Location", uploadLocation(repo, id))
	h.Set("Docker-Upload-UUID", id)
	h.Set("Range", "0-"+strconv.FormatInt(max(size-1, 0), 10))
	h.Set("Content-Length", "0")
	w.WriteHeader(status)
}

func blobCreated(w http.ResponseWriter, repo, digest string) {
	h := w.Header()
	h.Set("Location", "/v2/"+repo+"/blobs/"+digest)
	h.Set("Docker-Content-Digest", digest)
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
}
