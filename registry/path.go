package registry

import "strings"

// route is what an OCI API path names.
type route struct {
	Kind routeKind
	Repo string
	// Ref is the digest (blob, referrers), the tag or digest (manifest), or
	// the upload session id (upload).
	Ref string
}

// routeKind is what kind of thing an OCI API path names.
type routeKind string

// Route kinds.
const (
	kindBase      routeKind = "base"
	kindCatalog   routeKind = "catalog"
	kindBlob      routeKind = "blob"
	kindUploads   routeKind = "uploads"
	kindUpload    routeKind = "upload"
	kindManifest  routeKind = "manifest"
	kindTags      routeKind = "tags"
	kindReferrers routeKind = "referrers"
)

// maxNameLen is distribution's limit on repository names.
const maxNameLen = 255

// validName reports whether repo is a repository name GHCR accepts: an
// owner and at least one more path segment, each segment in the OCI
// grammar in lower case only — [a-z0-9]+ joined by '.', '_', '__' or runs
// of '-' (the regexp [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*). Hand-written: it
// runs on every request.
func validName(repo string) bool {
	if len(repo) > maxNameLen {
		return false
	}
	segments := 0
	for seg := range strings.SplitSeq(repo, "/") {
		if !validComponent(seg) {
			return false
		}
		segments++
	}
	return segments >= 2
}

func validComponent(seg string) bool {
	if seg == "" || !alnum(seg[0]) || !alnum(seg[len(seg)-1]) {
		return false
	}
	for i := 1; i < len(seg); i++ {
		c := seg[i]
		if alnum(c) {
			continue
		}
		// A separator: '.' or '_' alone, "__", or a run of '-'.
		switch c {
		case '.':
		case '_':
			if seg[i+1] == '_' {
				i++
			}
		case '-':
			for seg[i+1] == '-' {
				i++
			}
		default:
			return false
		}
		if !alnum(seg[i+1]) {
			return false
		}
	}
	return true
}

func alnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// parseRoute splits a /v2/ path. Repository names contain '/', so the
// route is found from the end: .../blobs/uploads/<id>, .../blobs/<digest>,
// .../manifests/<ref>, .../tags/list, .../referrers/<digest>. ok is false
// for paths that name nothing in the API; badName is true when the path has
// an API shape but the repository name is invalid.
func parseRoute(path string) (r route, ok, badName bool) {
	if path == "/v2" || path == "/v2/" {
		return route{Kind: kindBase}, true, false
	}
	rest, found := strings.CutPrefix(path, "/v2/")
	if !found {
		return route{}, false, false
	}
	if rest == "_catalog" {
		return route{Kind: kindCatalog}, true, false
	}
	// The last three segments, found from the end without splitting the
	// whole path: i1, i2, i3 are the slashes before the last, the second
	// to last and the third to last segment (-1: there is no such
	// segment). Everything before the route's segments is the repository.
	i1 := strings.LastIndexByte(rest, '/')
	if i1 < 0 {
		return route{}, false, false
	}
	i2 := strings.LastIndexByte(rest[:i1], '/')
	if i2 < 0 {
		return route{}, false, false
	}
	i3 := strings.LastIndexByte(rest[:i2], '/')
	last, second, third := rest[i1+1:], rest[i2+1:i1], ""
	if i3 >= 0 {
		third = rest[i3+1 : i2]
	}
	var repo string
	switch {
	case second == "blobs" && last == "uploads":
		r, repo = route{Kind: kindUploads}, rest[:i2]
	case i3 >= 0 && third == "blobs" && second == "uploads" && last == "":
		r, repo = route{Kind: kindUploads}, rest[:i3]
	case i3 >= 0 && third == "blobs" && second == "uploads":
		r, repo = route{Kind: kindUpload, Ref: last}, rest[:i3]
	case second == "blobs":
		r, repo = route{Kind: kindBlob, Ref: last}, rest[:i2]
	case second == "manifests":
		r, repo = route{Kind: kindManifest, Ref: last}, rest[:i2]
	case second == "tags" && last == "list":
		r, repo = route{Kind: kindTags}, rest[:i2]
	case second == "referrers":
		r, repo = route{Kind: kindReferrers, Ref: last}, rest[:i2]
	default:
		return route{}, false, false
	}
	// A copy, not a substring of the request line, which everything that
	// keeps the name would otherwise keep alive.
	r.Repo = strings.Clone(repo)
	if r.Ref == "" && r.Kind != kindUploads && r.Kind != kindTags {
		return r, false, false
	}
	if !validName(r.Repo) {
		return r, true, true
	}
	return r, true, false
}
