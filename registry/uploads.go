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
func (s *Server) startUpload(q request) {
	query := q.r.URL.Query()
	if mount := query.Get("mount"); mount != "" {
		if s.mount(q, mount, query.Get("from")) {
			return
		}
		// Not mountable: fall back to an upload session, as the spec says.
	} else if digest := query.Get("digest"); digest != "" {
		d, err := storage.ParseDigest(digest)
		if err != nil {
			errDigestInvalid.write(q.w)
			return
		}
		if err := s.store.PutBlob(q.rt.Repo, d, q.r.Body); err != nil {
			writeStorageError(q.w, err)
			return
		}
		blobCreated(q.w, q.rt.Repo, d.String())
		return
	}
	id, err := s.store.StartUpload(q.rt.Repo)
	if err != nil {
		writeStorageError(q.w, err)
		return
	}
	h := q.w.Header()
	h.Set("Location", uploadLocation(q.rt.Repo, id))
	h.Set("Docker-Upload-UUID", id)
	h.Set("Range", "0-0")
	h.Set("Content-Length", "0")
	q.w.WriteHeader(http.StatusAccepted)
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
	sd := s.decide(q.view, q.caller.principal, authz.Access{Package: from, Action: authz.ActionRead})
	s.record(q.r.Context(), q.r, from, authz.ActionRead, q.caller.principal, sd, nil)
	if !sd.Allow || !s.store.Mount(q.rt.Repo, from, d) {
		return false
	}
	blobCreated(q.w, q.rt.Repo, d.String())
	return true
}

// serveUpload answers GET (status), PATCH (a chunk) and PUT (the last
// chunk and commit) on an upload session.
func (s *Server) serveUpload(q request) {
	repo, id := q.rt.Repo, q.rt.Ref
	switch q.r.Method {
	case http.MethodGet:
		size, err := s.store.UploadSize(repo, id)
		if err != nil {
			writeStorageError(q.w, err)
			return
		}
		uploadProgress(q.w, repo, id, size, http.StatusNoContent)
	case http.MethodPatch:
		offset := int64(-1)
		if cr := q.r.Header.Get("Content-Range"); cr != "" {
			start, end, ok := parseContentRange(cr)
			if !ok || (q.r.ContentLength >= 0 && end-start+1 != q.r.ContentLength) {
				errRangeInvalid.write(q.w)
				return
			}
			offset = start
		}
		limit := s.opts.ChunkLimit
		if limit < 0 {
			limit = 0
		}
		size, err := s.store.Append(repo, id, q.r.Body, offset, limit)
		if err != nil {
			writeStorageError(q.w, err)
			return
		}
		uploadProgress(q.w, repo, id, size, http.StatusAccepted)
	case http.MethodPut:
		digest := q.r.URL.Query().Get("digest")
		if digest == "" {
			errDigestInvalid.withMessage("digest missing").write(q.w)
			return
		}
		d, err := storage.ParseDigest(digest)
		if err != nil {
			errDigestInvalid.write(q.w)
			return
		}
		body := io.Reader(q.r.Body)
		if cr := q.r.Header.Get("Content-Range"); cr != "" {
			// A last chunk with a range must continue the upload exactly.
			start, end, ok := parseContentRange(cr)
			if !ok || (q.r.ContentLength >= 0 && end-start+1 != q.r.ContentLength) {
				errRangeInvalid.write(q.w)
				return
			}
			if _, err := s.store.Append(repo, id, q.r.Body, start, max(s.opts.ChunkLimit, 0)); err != nil {
				writeStorageError(q.w, err)
				return
			}
			body = http.NoBody
		}
		if err := s.store.Commit(repo, id, d, body); err != nil {
			writeStorageError(q.w, err)
			return
		}
		blobCreated(q.w, repo, d.String())
	}
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
