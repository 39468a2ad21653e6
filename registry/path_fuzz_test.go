package registry

import (
	"strings"
	"testing"
)

// parseRouteBySplit is parseRoute as it was before it looked for the last
// segments from the end: the whole path split on '/'. It is the reference
// FuzzParseRouteAsBySplit holds parseRoute to.
func parseRouteBySplit(path string) (r route, ok, badName bool) {
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
	segs := strings.Split(rest, "/")
	n := len(segs)
	var repoSegs []string
	switch {
	case n >= 3 && segs[n-2] == "blobs" && segs[n-1] == "uploads":
		r, repoSegs = route{Kind: kindUploads}, segs[:n-2]
	case n >= 4 && segs[n-3] == "blobs" && segs[n-2] == "uploads" && segs[n-1] == "":
		r, repoSegs = route{Kind: kindUploads}, segs[:n-3]
	case n >= 4 && segs[n-3] == "blobs" && segs[n-2] == "uploads":
		r, repoSegs = route{Kind: kindUpload, Ref: segs[n-1]}, segs[:n-3]
	case n >= 3 && segs[n-2] == "blobs":
		r, repoSegs = route{Kind: kindBlob, Ref: segs[n-1]}, segs[:n-2]
	case n >= 3 && segs[n-2] == "manifests":
		r, repoSegs = route{Kind: kindManifest, Ref: segs[n-1]}, segs[:n-2]
	case n >= 3 && segs[n-2] == "tags" && segs[n-1] == "list":
		r, repoSegs = route{Kind: kindTags}, segs[:n-2]
	case n >= 3 && segs[n-2] == "referrers":
		r, repoSegs = route{Kind: kindReferrers, Ref: segs[n-1]}, segs[:n-2]
	default:
		return route{}, false, false
	}
	r.Repo = strings.Join(repoSegs, "/")
	if r.Ref == "" && r.Kind != kindUploads && r.Kind != kindTags {
		return r, false, false
	}
	if !validName(r.Repo) {
		return r, true, true
	}
	return r, true, false
}

// FuzzParseRouteAsBySplit: parseRoute (from the end, one copy of the
// repository name) answers exactly as the split-based parser did, for any
// path.
func FuzzParseRouteAsBySplit(f *testing.F) {
	for _, p := range []string{"/v2", "/v2/", "/v2/_catalog", "/v2/acme/api/blobs/sha256:abc", "/v2/acme/api/blobs/uploads",
		"/v2/acme/api/blobs/uploads/", "/v2/acme/api/blobs/uploads/id", "/v2/acme/api/manifests/latest",
		"/v2/acme/api/tags/list", "/v2/acme/api/referrers/sha256:abc", "/v2/blobs/uploads/", "/v2/blobs/uploads/x",
		"/v2//blobs/uploads", "/v2/a/blobs/uploads/", "/v2/x/blobs/uploads//", "/v2/acme/blobs/uploads/manifests/x",
		"/v2/acme/api/manifests/", "/v2/a", "/v2/a/b", "/v2/tags/list", "/v2///", "/v2/a//b/blobs/x"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, path string) {
		got, ok, bad := parseRoute(path)
		want, wok, wbad := parseRouteBySplit(path)
		if got != want || ok != wok || bad != wbad {
			t.Fatalf("parseRoute(%q) = %+v, %v, %v; by split: %+v, %v, %v", path, got, ok, bad, want, wok, wbad)
		}
	})
}
