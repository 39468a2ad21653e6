package registry

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/storage"
)

const ociIndex = "application/vnd.oci.image.index.v1+json"

// sourceLabel links a package to a repository on first push [D1].
const sourceLabel = "org.opencontainers.image.source"

// serveManifest answers GET, HEAD and PUT of a manifest.
func (s *Server) serveManifest(q request) *regError {
	if q.r.Method == http.MethodPut {
		return s.putManifest(q)
	}
	m, err := s.store.Manifest(q.rt.Repo, q.rt.Ref)
	if err != nil {
		return s.storageError(err)
	}
	// GHCR serves an OCI index only to clients that list its media type in
	// Accept [T26], for GET and HEAD alike [T25].
	if m.MediaType == ociIndex && !accepts(q.r.Header.Values("Accept"), ociIndex) {
		return errIndexNotAccepted
	}
	h := q.w.Header()
	h.Set("Content-Type", m.MediaType)
	h.Set("Docker-Content-Digest", m.Digest.String())
	h.Set("Content-Length", strconv.Itoa(len(m.Body)))
	h.Set("Etag", `"`+m.Digest.String()+`"`)
	q.w.WriteHeader(http.StatusOK)
	if q.r.Method == http.MethodGet {
		_, _ = q.w.Write(m.Body)
	}
	return nil
}

// accepts reports whether any Accept value lists mediaType explicitly.
// INFERRED: a wildcard does not count (curl's default */* would otherwise
// pass here and fail on GHCR).
func accepts(values []string, mediaType string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err == nil && mt == mediaType {
				return true
			}
		}
	}
	return false
}

func (s *Server) putManifest(q request) *regError {
	// Read one byte over the store's limit (GHCR's 4 MiB per request), so
	// that the store sees, and refuses, a manifest that is too large.
	body, err := io.ReadAll(io.LimitReader(q.r.Body, storage.DefaultMaxManifestSize+1))
	if err != nil {
		return s.bodyError(err)
	}
	mediaType := q.r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(mediaType); err == nil {
		mediaType = mt
	}
	d, err := s.store.PutManifest(q.rt.Repo, q.rt.Ref, mediaType, body)
	if err != nil {
		return s.storageError(err)
	}
	// The package is created by the first manifest pushed by tag: a
	// multi-arch push sends its per-platform manifests by digest first,
	// and GHCR links the package from the index's annotations [D1].
	if q.decision.Reason == authz.AllowCreate && !strings.Contains(q.rt.Ref, ":") {
		s.createPackage(q, body, mediaType)
	}
	h := q.w.Header()
	h.Set("Location", "/v2/"+q.rt.Repo+"/manifests/"+d.String())
	h.Set("Docker-Content-Digest", d.String())
	h.Set("Content-Length", "0")
	q.w.WriteHeader(http.StatusCreated)
	return nil
}

// createPackage records the package a first push creates, linked as GHCR
// links it: to the workflow's repository for a GITHUB_TOKEN, or to the
// repository named by the org.opencontainers.image.source label. A label
// on a later push changes nothing (GHCR reads it after the auth check).
func (s *Server) createPackage(q request, body []byte, mediaType string) {
	source := s.sourceOf(q.rt.Repo, body)
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.current.Load()
	if _, exists := cur.world.Package(q.rt.Repo); exists {
		return
	}
	// The world keeps the name until restart: a copy, not the slice of
	// the request line it came from.
	pkg := authz.NewPackage(cur.world, q.caller.principal, strings.Clone(q.rt.Repo), source)
	s.current.Store(newView(cur.world.WithPackage(pkg), cur))
	s.log.Info("package created", "repo", q.rt.Repo, "principal", q.caller.principal.String(),
		"visibility", string(pkg.Visibility), "linked_repository", pkg.Repository, "media_type", mediaType)
}

// sourceOf finds org.opencontainers.image.source in a manifest's
// annotations, its config's labels, or, for an index (a multi-arch image),
// the index's annotations and then its images' labels, as buildx labels
// each platform's config.
func (s *Server) sourceOf(repo string, body []byte) string {
	return s.sourceAt(repo, body, 2)
}

func (s *Server) sourceAt(repo string, body []byte, depth int) string {
	var m struct {
		Annotations map[string]string `json:"annotations"`
		Config      struct {
			Digest string `json:"digest"`
		} `json:"config"`
		Manifests []struct {
			Digest string `json:"digest"`
		} `json:"manifests"`
	}
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	if src := m.Annotations[sourceLabel]; src != "" {
		return src
	}
	if depth > 0 {
		for _, child := range m.Manifests {
			if cm, err := s.store.Manifest(repo, child.Digest); err == nil {
				if src := s.sourceAt(repo, cm.Body, depth-1); src != "" {
					return src
				}
			}
		}
	}
	d, err := storage.ParseDigest(m.Config.Digest)
	if err != nil {
		return ""
	}
	blob, err := s.store.Open(repo, d)
	if err != nil || blob.Size() > storage.DefaultMaxManifestSize {
		return ""
	}
	raw, err := io.ReadAll(blob.NewReader())
	if err != nil {
		return ""
	}
	var cfg struct {
		Config struct {
			Labels map[string]string `json:"Labels"`
		} `json:"config"`
	}
	if json.Unmarshal(raw, &cfg) != nil {
		return ""
	}
	return cfg.Config.Labels[sourceLabel]
}

// serveTags answers GET /v2/<name>/tags/list, sorted, paginated with n and
// last and a Link header to the next page.
func (s *Server) serveTags(q request) *regError {
	tags, err := s.store.Tags(q.rt.Repo)
	if err != nil {
		return s.storageError(err)
	}
	query := q.r.URL.Query()
	if last := query.Get("last"); last != "" {
		i := 0
		for i < len(tags) && tags[i] <= last {
			i++
		}
		tags = tags[i:]
	}
	if ns := query.Get("n"); ns != "" {
		n, err := strconv.Atoi(ns)
		if err != nil || n < 0 {
			return errPaginationInvalid
		}
		if n < len(tags) {
			tags = tags[:n]
			if n > 0 {
				next := url.Values{"n": {ns}, "last": {tags[n-1]}}
				q.w.Header().Set("Link", `</v2/`+q.rt.Repo+`/tags/list?`+next.Encode()+`>; rel="next"`)
			}
		}
	}
	if tags == nil {
		tags = []string{}
	}
	body, err := json.Marshal(struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}{q.rt.Repo, tags})
	if err != nil {
		return internalError("encoding the tag list", err)
	}
	q.w.Header().Set("Content-Type", "application/json")
	q.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = q.w.Write(body)
	return nil
}
