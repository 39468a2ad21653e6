package registry_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/fakeghcr/fakeghcr/registry"
)

// asAlice is a bearer GHCR accepts without a token exchange: base64 of the
// PAT [T7]. alice is admin of acme/api and acme/public.
var asAlice = []string{"Authorization", "Bearer " + b64(secretAlice)}

const zeroDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

type wireReq struct {
	method, path string
	headers      []string
}

// TestAPIVersionHeader: every response carries
// Docker-Distribution-API-Version: registry/2.0 [T2, helm 5595c0d].
func TestAPIVersionHeader(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	reqs := []wireReq{
		{"GET", "/v2/", nil}, {"GET", "/v2/", asAlice}, {"GET", "/v2", asAlice},
		{"GET", "/token?service=ghcr.io&scope=repository:acme/public:pull", nil},
		{"GET", "/token?service=ghcr.io&scope=repository:acme/api:pull", nil},
		{"POST", "/token", nil}, {"GET", "/token?scope=garbage", nil},
		{"GET", "/v2/_catalog", asAlice}, {"GET", "/nope", nil}, {"GET", "/v2/acme/api/nope/x", asAlice},
		{"GET", "/v2/acme/api/manifests/latest", asAlice}, {"HEAD", "/v2/acme/api/manifests/latest", asAlice},
		{"GET", "/v2/acme/api/manifests/nope", asAlice}, {"DELETE", "/v2/acme/api/manifests/latest", asAlice},
		{"GET", "/v2/acme/api/tags/list", asAlice}, {"GET", "/v2/acme/api/blobs/" + zeroDigest, asAlice},
		{"HEAD", "/v2/acme/api/blobs/" + zeroDigest, asAlice},
		{"GET", "/v2/acme/api/blobs/" + zeroDigest, append([]string{"Range", "bytes=0-"}, asAlice...)},
		{"POST", "/v2/acme/api/blobs/uploads/", asAlice}, {"GET", "/v2/acme/api/blobs/uploads/nope", asAlice},
		{"GET", "/v2/ACME/api/tags/list", asAlice}, {"GET", "/v2/acme/api/referrers/" + zeroDigest, asAlice},
		{"POST", "/v2/acme/api/blobs/uploads/", []string{"Authorization", "Bearer " + b64(secretWorkflow)}},
		{"GET", "/_fakeghcr/healthz", nil}, {"GET", "/_fakeghcr/decisions", nil},
	}
	for _, q := range reqs {
		r := f.do(t, q.method, q.path, nil, q.headers...)
		if got := r.Header.Get("Docker-Distribution-API-Version"); got != "registry/2.0" {
			t.Errorf("%s %s (%d): Docker-Distribution-API-Version %q", q.method, q.path, r.Status, got)
		}
	}
}

// TestErrorBodies: every error is the JSON envelope with one entry, no
// detail, Content-Type application/json and a trailing newline [§1.5].
func TestErrorBodies(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	tests := []struct {
		wireReq
		status int
		code   string
	}{
		{wireReq{"GET", "/v2/", nil}, 401, "UNAUTHORIZED"},
		{wireReq{"GET", "/v2/acme/api/manifests/nope", asAlice}, 404, "MANIFEST_UNKNOWN"},
		{wireReq{"GET", "/v2/acme/api/blobs/" + zeroDigest, asAlice}, 404, "BLOB_UNKNOWN"},
		{wireReq{"GET", "/v2/acme/api/blobs/" + zeroDigest, append([]string{"Range", "bytes=0-"}, asAlice...)}, 404, "BLOB_UNKNOWN"},
		{wireReq{"GET", "/v2/acme/api/blobs/sha256:nothex", asAlice}, 400, "DIGEST_INVALID"},
		{wireReq{"GET", "/v2/ACME/api/tags/list", asAlice}, 400, "NAME_INVALID"},
		{wireReq{"GET", "/v2/_catalog", asAlice}, 404, "NOT_FOUND"},
		{wireReq{"GET", "/v2/acme/api/referrers/" + zeroDigest, asAlice}, 404, "MANIFEST_UNKNOWN"},
		{wireReq{"DELETE", "/v2/acme/api/manifests/latest", asAlice}, 405, "UNSUPPORTED"},
		{wireReq{"GET", "/v2/acme/api/blobs/uploads/nope", asAlice}, 404, "BLOB_UPLOAD_UNKNOWN"},
		{wireReq{"GET", "/nope", nil}, 404, "NOT_FOUND"},
		{wireReq{"PUT", "/v2/acme/api/blobs/" + zeroDigest, asAlice}, 405, "UNSUPPORTED"},
		{wireReq{"PATCH", "/v2/acme/api/blobs/uploads/", asAlice}, 405, "UNSUPPORTED"},
		{wireReq{"GET", "/v2/acme/api/tags/list?n=x", asAlice}, 400, "PAGINATION_NUMBER_INVALID"},
		{wireReq{"GET", "/v2/acme/nothing/tags/list", asAlice}, 404, "NAME_UNKNOWN"},
		{wireReq{"PUT", "/v2/acme/api/manifests/latest", append([]string{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}, asAlice...)}, 400, "MANIFEST_INVALID"},
		{wireReq{"POST", "/v2/acme/api/blobs/uploads/", []string{"Authorization", "Bearer " + b64(secretWorkflow)}}, 403, "DENIED"},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			t.Parallel()
			r := f.do(t, tc.method, tc.path, strings.NewReader("not json"), tc.headers...)
			if r.Status != tc.status {
				t.Errorf("status %d, want %d (body %s)", r.Status, tc.status, r.Body)
			}
			checkEnvelope(t, r, tc.code)
		})
	}
}

func checkEnvelope(t *testing.T, r reply, code string) {
	t.Helper()
	var body struct {
		Errors []map[string]any `json:"errors"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil || len(body.Errors) != 1 {
		t.Fatalf("body %q: want one error in the envelope (%v)", r.Body, err)
	}
	e := body.Errors[0]
	if e["code"] != code || e["message"] == "" {
		t.Errorf("body %q: want code %s and a message", r.Body, code)
	}
	if _, ok := e["detail"]; ok || len(e) != 2 {
		t.Errorf("body %q: want only code and message, no detail", r.Body)
	}
	if !strings.HasSuffix(string(r.Body), "}]}\n") || strings.Count(string(r.Body), "\n") != 1 {
		t.Errorf("body %q: want compact JSON and one trailing newline", r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
}

// TestManifestBlobUnknownDetails: the one error with a detail: one
// MANIFEST_BLOB_UNKNOWN per missing blob, the digest as detail [§10 Q10].
func TestManifestBlobUnknownDetails(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	d1, d2 := "sha256:"+strings.Repeat("1", 64), "sha256:"+strings.Repeat("2", 64)
	manifest := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
		`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` + d1 + `","size":10},` +
		`"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"` + d2 + `","size":20}]}`
	r := f.do(t, "PUT", "/v2/acme/api/manifests/broken", strings.NewReader(manifest),
		append([]string{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}, asAlice...)...)
	want := `{"errors":[` +
		`{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry","detail":"` + d1 + `"},` +
		`{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry","detail":"` + d2 + `"}]}` + "\n"
	if r.Status != 400 || string(r.Body) != want {
		t.Errorf("%d %s\nwant 400 %s", r.Status, r.Body, want)
	}
}

// TestNameInvalid: upper-case and malformed names are 400 NAME_INVALID,
// with or without credentials [§10 Q9, distribution].
func TestNameInvalid(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	names := []string{"ACME/api", "acme/API", "Acme/api", "acme", "acme//api", "acme/-api", "acme/api-", "acme/a..b",
		"_acme/api", "acme/api/", "acme/a%20b", strings.Repeat("a", 200) + "/" + strings.Repeat("b", 60)}
	for _, n := range names {
		for _, suffix := range []string{"/tags/list", "/manifests/latest", "/blobs/uploads/", "/blobs/" + zeroDigest} {
			method := "GET"
			if suffix == "/blobs/uploads/" {
				method = "POST"
			}
			for _, hdr := range [][]string{nil, asAlice} {
				r := f.do(t, method, "/v2/"+n+suffix, nil, hdr...)
				if r.Status != 400 || string(r.Body) != ghcrBody("NAME_INVALID", "invalid repository name") {
					t.Errorf("%s /v2/%s%s (auth %v): %d %s, want 400 NAME_INVALID", method, n, suffix, hdr != nil, r.Status, r.Body)
				}
			}
		}
	}
}

// TestCatalogAndReferrers: GHCR has neither [T22, T28].
func TestCatalogAndReferrers(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	desc, err := remote.Head(f.ref(t, "acme/api:latest"), remoteOpts(basic(secretAlice), newRecorder())...)
	if err != nil {
		t.Fatal(err)
	}
	if r := f.do(t, "GET", "/v2/_catalog", nil, asAlice...); r.Status != 404 {
		t.Errorf("catalog: %d %s, want 404", r.Status, r.Body)
	}
	r := f.do(t, "GET", "/v2/acme/api/referrers/"+desc.Digest.String(), nil, asAlice...)
	checkError(t, r, 404, "MANIFEST_UNKNOWN", "manifest unknown")
}

// TestDeleteUnsupported: registry deletes are 405 UNSUPPORTED [T23], for
// an admin too, and delete nothing.
func TestDeleteUnsupported(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	desc, err := remote.Get(f.ref(t, "acme/api:latest"), remoteOpts(basic(secretAlice), newRecorder())...)
	if err != nil {
		t.Fatal(err)
	}
	img, err := desc.Image()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	up := f.do(t, "POST", "/v2/acme/api/blobs/uploads/", nil, asAlice...)
	for _, p := range []string{
		"/v2/acme/api/manifests/latest", "/v2/acme/api/manifests/" + desc.Digest.String(),
		"/v2/acme/api/blobs/" + cfg.String(), up.Header.Get("Location"),
	} {
		r := f.do(t, "DELETE", p, nil, asAlice...)
		checkError(t, r, 405, "UNSUPPORTED", "The operation is unsupported.")
	}
	for _, p := range []string{"/v2/acme/api/manifests/latest", "/v2/acme/api/blobs/" + cfg.String(), up.Header.Get("Location")} {
		if r := f.do(t, "GET", p, nil, asAlice...); r.Status/100 != 2 {
			t.Errorf("GET %s after DELETE: %d %s", p, r.Status, r.Body)
		}
	}
}

// TestIndexAccept: an OCI index is served only to an Accept that lists
// it; otherwise 404 MANIFEST_UNKNOWN, for GET and HEAD alike [T25, T26].
func TestIndexAccept(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	idx := pushIndex(t, f, "acme/api:multi")
	digest, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	const ociIndex = "application/vnd.oci.image.index.v1+json"
	tests := []struct {
		accept []string
		ok     bool
	}{
		{nil, false},
		{[]string{"application/vnd.docker.distribution.manifest.v2+json"}, false},
		{[]string{"application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json"}, false},
		{[]string{"*/*"}, false}, // INFERRED: curl's default does not count
		{[]string{"application/*"}, false},
		{[]string{ociIndex}, true},
		{[]string{"application/vnd.oci.image.manifest.v1+json, " + ociIndex + ";q=0.5"}, true},
		{[]string{"application/vnd.oci.image.manifest.v1+json", ociIndex}, true}, // two header lines
	}
	for _, tc := range tests {
		for _, ref := range []string{"multi", digest.String()} {
			for _, method := range []string{"GET", "HEAD"} {
				req, err := http.NewRequest(method, f.ts.URL+"/v2/acme/api/manifests/"+ref, nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set(asAlice[0], asAlice[1])
				for _, a := range tc.accept {
					req.Header.Add("Accept", a)
				}
				resp, err := f.ts.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if tc.ok && (resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ociIndex ||
					resp.Header.Get("Docker-Content-Digest") != digest.String()) {
					t.Errorf("%s %s Accept %q: %d %s, want 200 with the index", method, ref, tc.accept, resp.StatusCode, resp.Header.Get("Content-Type"))
				}
				if !tc.ok && resp.StatusCode != 404 {
					t.Errorf("%s %s Accept %q: %d, want 404", method, ref, tc.accept, resp.StatusCode)
				}
			}
			if !tc.ok {
				hdr := append([]string{}, asAlice...)
				if len(tc.accept) > 0 {
					hdr = append(hdr, "Accept", tc.accept[0])
				}
				r := f.do(t, "GET", "/v2/acme/api/manifests/"+ref, nil, hdr...)
				checkError(t, r, 404, "MANIFEST_UNKNOWN", "OCI index found, but Accept header does not support OCI indexes")
			}
		}
	}
}

var linkRE = regexp.MustCompile(`^<(/v2/acme/api/tags/list\?[^>]+)>; rel="next"$`)

// TestTagsPagination: tags sorted, paginated with n and last, and a Link
// to the next page [T25].
func TestTagsPagination(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	img := randomImage(t)
	f.mustPush(t, "acme/api:v2", img)
	for _, tag := range []string{"b", "v10", "a"} {
		if err := remote.Tag(f.ref(t, "acme/api:v2").Context().Tag(tag), img, remoteOpts(basic(secretAlice), newRecorder())...); err != nil {
			t.Fatal(err)
		}
	}
	all := []string{"a", "b", "latest", "v10", "v2"}
	list := func(path string) ([]string, string) {
		r := f.do(t, "GET", path, nil, asAlice...)
		var body struct {
			Name string   `json:"name"`
			Tags []string `json:"tags"`
		}
		if r.Status != 200 || json.Unmarshal(r.Body, &body) != nil || body.Name != "acme/api" || body.Tags == nil {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		return body.Tags, r.Header.Get("Link")
	}
	if got, link := list("/v2/acme/api/tags/list"); !cmp.Equal(got, all) || link != "" {
		t.Errorf("all tags: %v (Link %q), want %v", got, link, all)
	}
	var pages [][]string
	path := "/v2/acme/api/tags/list?n=2"
	for path != "" && len(pages) < 10 {
		tags, link := list(path)
		pages = append(pages, tags)
		path = ""
		if link != "" {
			m := linkRE.FindStringSubmatch(link)
			if m == nil {
				t.Fatalf("Link %q", link)
			}
			path = m[1]
		}
	}
	if want := [][]string{{"a", "b"}, {"latest", "v10"}, {"v2"}}; !cmp.Equal(pages, want) {
		t.Errorf("pages %v, want %v", pages, want)
	}
	if got, _ := list("/v2/acme/api/tags/list?last=latest"); !cmp.Equal(got, []string{"v10", "v2"}) {
		t.Errorf("last=latest: %v", got)
	}
	if got, link := list("/v2/acme/api/tags/list?n=100"); !cmp.Equal(got, all) || link != "" {
		t.Errorf("n=100: %v (Link %q)", got, link)
	}
	if got, _ := list("/v2/acme/api/tags/list?last=v2"); len(got) != 0 {
		t.Errorf("last=v2: %v, want []", got)
	}
	r := f.do(t, "GET", "/v2/acme/api/tags/list?n=-1", nil, asAlice...)
	checkEnvelope(t, r, "PAGINATION_NUMBER_INVALID")
}
