package registry_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/storage"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// putBlob stores b in repo as alice with a monolithic POST.
func (f *fixture) putBlob(t *testing.T, repo string, b []byte) string {
	t.Helper()
	d := sha(b)
	r := f.do(t, "POST", "/v2/"+repo+"/blobs/uploads/?digest="+d, bytes.NewReader(b), asAlice...)
	if r.Status != 201 || r.Header.Get("Docker-Content-Digest") != d || r.Header.Get("Location") != "/v2/"+repo+"/blobs/"+d {
		t.Fatalf("monolithic upload to %s: %d %v %s", repo, r.Status, r.Header, r.Body)
	}
	return d
}

// mountWorld adds acme/other (alice admin, dave write; dave cannot read
// acme/api) to testWorld.
func mountWorld() authz.World {
	w := testWorld()
	w.Packages["acme/other"] = authz.Package{Name: "acme/other", Visibility: authz.Private,
		Users: map[string]authz.Role{"alice": authz.RoleAdmin, "dave": authz.RoleWrite}}
	return w
}

// TestBlobsAreRepositoryScoped: a blob is visible only in the repositories
// it was pushed or mounted to; a mount needs the source to have it and to
// be readable, else the POST falls back to an upload session (202).
func TestBlobsAreRepositoryScoped(t *testing.T) {
	t.Parallel()
	f := start(t, mountWorld(), registry.Options{})
	d := f.putBlob(t, "acme/api", []byte("a layer only acme/api has"))
	asDave := []string{"Authorization", "Bearer " + b64(secretDave)}
	head := func(repo string) int { return f.do(t, "HEAD", "/v2/"+repo+"/blobs/"+d, nil, asAlice...).Status }
	if got := head("acme/api"); got != 200 {
		t.Errorf("HEAD in acme/api: %d", got)
	}
	for _, repo := range []string{"acme/other", "acme/public"} {
		if got := head(repo); got != 404 {
			t.Errorf("HEAD in %s: %d, want 404", repo, got)
		}
		r := f.do(t, "GET", "/v2/"+repo+"/blobs/"+d, nil, asAlice...)
		checkError(t, r, 404, "BLOB_UNKNOWN", "blob unknown to registry")
	}
	// Fallbacks: unreadable source, source without the blob, invalid
	// source name, no source.
	for _, tc := range []struct {
		name, query string
		hdr         []string
	}{
		{"source unreadable by dave", "?mount=" + d + "&from=acme/api", asDave},
		{"source lacks the blob", "?mount=" + d + "&from=acme/public", asAlice},
		{"invalid source name", "?mount=" + d + "&from=ACME/api", asAlice},
		{"no source, no readable holder", "?mount=" + d, asDave},
		{"malformed digest", "?mount=sha256:zz&from=acme/api", asAlice},
	} {
		r := f.do(t, "POST", "/v2/acme/other/blobs/uploads/"+tc.query, nil, tc.hdr...)
		if r.Status != 202 || !strings.HasPrefix(r.Header.Get("Location"), "/v2/acme/other/blobs/uploads/") || r.Header.Get("Docker-Upload-UUID") == "" {
			t.Errorf("%s: %d Location %q, want 202 and an upload session", tc.name, r.Status, r.Header.Get("Location"))
		}
		if got := head("acme/other"); got != 404 {
			t.Errorf("%s: HEAD in acme/other after the fallback: %d, want 404", tc.name, got)
		}
	}
	// Without from, any repository holding the blob that the principal
	// can read is a source (regctl mounts this way).
	r := f.do(t, "POST", "/v2/acme/other/blobs/uploads/?mount="+d, nil, asAlice...)
	if r.Status != 201 || r.Header.Get("Location") != "/v2/acme/other/blobs/"+d {
		t.Fatalf("mount without from by alice: %d Location %q, want 201", r.Status, r.Header.Get("Location"))
	}
	f2 := start(t, mountWorld(), registry.Options{})
	d2 := f2.putBlob(t, "acme/api", []byte("a layer only acme/api has"))
	r = f2.do(t, "POST", "/v2/acme/other/blobs/uploads/?mount="+d2+"&from=acme/api", nil, asAlice...)
	if r.Status != 201 || r.Header.Get("Location") != "/v2/acme/other/blobs/"+d || r.Header.Get("Docker-Content-Digest") != d {
		t.Fatalf("mount by alice: %d Location %q, want 201 /v2/acme/other/blobs/%s", r.Status, r.Header.Get("Location"), d)
	}
	if got := head("acme/other"); got != 200 {
		t.Errorf("HEAD in acme/other after the mount: %d", got)
	}
	if got := head("acme/public"); got != 404 {
		t.Errorf("HEAD in acme/public after the mount elsewhere: %d", got)
	}
}

// TestMissingBlobAnswersAgree: whole and ranged GETs of a missing blob give
// the same answer (distribution's BLOB_UNKNOWN, which errors.go uses).
func TestMissingBlobAnswersAgree(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	whole := f.do(t, "GET", "/v2/acme/api/blobs/"+zeroDigest, nil, asAlice...)
	ranged := f.do(t, "GET", "/v2/acme/api/blobs/"+zeroDigest, nil, append([]string{"Range", "bytes=0-"}, asAlice...)...)
	if whole.Status != ranged.Status || string(whole.Body) != string(ranged.Body) || whole.Header.Get("Content-Type") != ranged.Header.Get("Content-Type") {
		t.Errorf("whole GET: %d %q %q\nranged GET: %d %q %q", whole.Status, whole.Header.Get("Content-Type"), whole.Body,
			ranged.Status, ranged.Header.Get("Content-Type"), ranged.Body)
	}
}

// TestUploadSession: POST, GET (204 with Range), PATCH, ranged PATCH, PUT.
func TestUploadSession(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	post := f.do(t, "POST", "/v2/acme/api/blobs/uploads/", nil, asAlice...)
	loc, id := post.Header.Get("Location"), post.Header.Get("Docker-Upload-UUID")
	if post.Status != 202 || loc != "/v2/acme/api/blobs/uploads/"+id || id == "" || post.Header.Get("Range") != "0-0" {
		t.Fatalf("POST: %d %v", post.Status, post.Header)
	}
	status := func(wantRange string) {
		t.Helper()
		r := f.do(t, "GET", loc, nil, asAlice...)
		if r.Status != 204 || r.Header.Get("Range") != wantRange || r.Header.Get("Docker-Upload-UUID") != id || len(r.Body) != 0 {
			t.Errorf("GET session: %d Range %q UUID %q, want 204 Range %q", r.Status, r.Header.Get("Range"), r.Header.Get("Docker-Upload-UUID"), wantRange)
		}
	}
	status("0-0")
	data := []byte("0123456789abcdefghij")
	if r := f.do(t, "PATCH", loc, io.MultiReader(bytes.NewReader(data[:10])), asAlice...); r.Status != 202 || r.Header.Get("Range") != "0-9" {
		t.Fatalf("streamed PATCH: %d Range %q %s", r.Status, r.Header.Get("Range"), r.Body)
	}
	status("0-9")
	bad := f.do(t, "PATCH", loc, bytes.NewReader(data[5:10]), append([]string{"Content-Range", "5-9"}, asAlice...)...)
	if bad.Status != 416 {
		t.Errorf("PATCH at the wrong offset: %d %s, want 416", bad.Status, bad.Body)
	}
	if r := f.do(t, "PATCH", loc, bytes.NewReader(data[10:]), append([]string{"Content-Range", "10-19"}, asAlice...)...); r.Status != 202 || r.Header.Get("Range") != "0-19" {
		t.Fatalf("ranged PATCH: %d Range %q %s", r.Status, r.Header.Get("Range"), r.Body)
	}
	status("0-19")
	d := sha(data)
	put := f.do(t, "PUT", loc+"?digest="+d, nil, asAlice...)
	if put.Status != 201 || put.Header.Get("Location") != "/v2/acme/api/blobs/"+d || put.Header.Get("Docker-Content-Digest") != d {
		t.Fatalf("PUT: %d %v %s", put.Status, put.Header, put.Body)
	}
	if r := f.do(t, "GET", "/v2/acme/api/blobs/"+d, nil, asAlice...); r.Status != 200 || string(r.Body) != string(data) {
		t.Errorf("GET blob: %d %q", r.Status, r.Body)
	}
	checkError(t, f.do(t, "GET", loc, nil, asAlice...), 404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry")
}

// TestUploadUnknown: an unknown id, or one from another repository, is
// 404 BLOB_UPLOAD_UNKNOWN, and the other repository's session survives.
func TestUploadUnknown(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	id := f.do(t, "POST", "/v2/acme/api/blobs/uploads/", nil, asAlice...).Header.Get("Docker-Upload-UUID")
	for _, p := range []string{"/v2/acme/api/blobs/uploads/unknown-id", "/v2/acme/public/blobs/uploads/" + id} {
		for _, m := range []string{"GET", "PATCH", "PUT"} {
			q := ""
			if m == "PUT" {
				q = "?digest=" + sha(nil)
			}
			r := f.do(t, m, p+q, strings.NewReader(""), asAlice...)
			checkError(t, r, 404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry")
		}
	}
	if r := f.do(t, "GET", "/v2/acme/api/blobs/uploads/"+id, nil, asAlice...); r.Status != 204 {
		t.Errorf("acme/api's session after use from acme/public: %d %s", r.Status, r.Body)
	}
}

// TestRangeGets: bytes=N-, bytes=-N, bytes=N-M; unsatisfiable is a 416
// in the JSON envelope.
func TestRangeGets(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	data := make([]byte, 100)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	d := f.putBlob(t, "acme/api", data)
	for _, tc := range []struct {
		rng          string
		start, end   int
		contentRange string
	}{
		{"bytes=10-", 10, 100, "bytes 10-99/100"},
		{"bytes=-10", 90, 100, "bytes 90-99/100"},
		{"bytes=10-19", 10, 20, "bytes 10-19/100"},
		{"bytes=90-200", 90, 100, "bytes 90-99/100"},
		{"bytes=-200", 0, 100, "bytes 0-99/100"},
		{"bytes=0-0", 0, 1, "bytes 0-0/100"},
	} {
		r := f.do(t, "GET", "/v2/acme/api/blobs/"+d, nil, append([]string{"Range", tc.rng}, asAlice...)...)
		if r.Status != 206 || string(r.Body) != string(data[tc.start:tc.end]) || r.Header.Get("Content-Range") != tc.contentRange {
			t.Errorf("Range %s: %d Content-Range %q body %q, want 206 %q", tc.rng, r.Status, r.Header.Get("Content-Range"), r.Body, tc.contentRange)
		}
	}
	for _, rng := range []string{"bytes=100-", "bytes=200-300", "bytes=-0"} {
		r := f.do(t, "GET", "/v2/acme/api/blobs/"+d, nil, append([]string{"Range", rng}, asAlice...)...)
		checkError(t, r, 416, "REQUESTED_RANGE_NOT_SATISFIABLE", "requested range not satisfiable")
		if got := r.Header.Get("Content-Range"); got != "bytes */100" {
			t.Errorf("Range %s: Content-Range %q, want bytes */100", rng, got)
		}
	}
	if r := f.do(t, "GET", "/v2/acme/api/blobs/"+d, nil, asAlice...); r.Status != 200 || len(r.Body) != 100 {
		t.Errorf("no Range: %d, %d bytes", r.Status, len(r.Body))
	}
}

// TestDigestMismatch: 400 DIGEST_INVALID with GHCR's message [§10 Q9],
// and nothing stored.
func TestDigestMismatch(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	wrong := sha([]byte("something else"))
	const msg = "provided digest did not match uploaded content"
	r := f.do(t, "POST", "/v2/acme/api/blobs/uploads/?digest="+wrong, strings.NewReader("hello"), asAlice...)
	checkError(t, r, 400, "DIGEST_INVALID", msg)
	loc := f.do(t, "POST", "/v2/acme/api/blobs/uploads/", nil, asAlice...).Header.Get("Location")
	r = f.do(t, "PUT", loc+"?digest="+wrong, strings.NewReader("hello"), asAlice...)
	checkError(t, r, 400, "DIGEST_INVALID", msg)
	if got := f.do(t, "HEAD", "/v2/acme/api/blobs/"+wrong, nil, asAlice...).Status; got != 404 {
		t.Errorf("HEAD after a mismatch: %d", got)
	}
	if got := f.do(t, "HEAD", "/v2/acme/api/blobs/"+sha([]byte("hello")), nil, asAlice...).Status; got != 404 {
		t.Errorf("HEAD of the content after a mismatch: %d", got)
	}
	r = f.do(t, "POST", "/v2/acme/api/blobs/uploads/?digest=sha256:xyz", strings.NewReader("hello"), asAlice...)
	checkEnvelope(t, r, "DIGEST_INVALID")
}

// TestChunkLimit: a ranged PATCH over 4 MiB is GHCR's 416; a streamed
// PATCH of 6 MiB is fine [§10 Q10].
func TestChunkLimit(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	const mib = 1 << 20
	loc := f.do(t, "POST", "/v2/acme/api/blobs/uploads/", nil, asAlice...).Header.Get("Location")
	big := bytes.Repeat([]byte("x"), 4*mib+1)
	r := f.do(t, "PATCH", loc, bytes.NewReader(big), append([]string{"Content-Range", "0-" + strconv.Itoa(len(big)-1)}, asAlice...)...)
	checkError(t, r, 416, "REQUESTED_RANGE_NOT_SATISFIABLE", "the request body is too large and exceeds the maximum permissible limit of 4.00MiB")
	if r := f.do(t, "GET", loc, nil, asAlice...); r.Status != 204 || r.Header.Get("Range") != "0-0" {
		t.Errorf("session after the refused chunk: %d Range %q, want 204 0-0", r.Status, r.Header.Get("Range"))
	}
	var all []byte
	chunk := bytes.Repeat([]byte("y"), 4*mib)
	if r := f.do(t, "PATCH", loc, bytes.NewReader(chunk), append([]string{"Content-Range", "0-" + strconv.Itoa(4*mib-1)}, asAlice...)...); r.Status != 202 {
		t.Fatalf("ranged PATCH of exactly 4 MiB: %d %s", r.Status, r.Body)
	}
	all = append(all, chunk...)
	stream := bytes.Repeat([]byte("z"), 6*mib)
	// io.MultiReader hides the length: the client streams it chunked.
	if r := f.do(t, "PATCH", loc, io.MultiReader(bytes.NewReader(stream)), asAlice...); r.Status != 202 || r.Header.Get("Range") != "0-"+strconv.Itoa(10*mib-1) {
		t.Fatalf("streamed PATCH of 6 MiB: %d Range %q %s", r.Status, r.Header.Get("Range"), r.Body)
	}
	all = append(all, stream...)
	d := sha(all)
	if r := f.do(t, "PUT", loc+"?digest="+d, nil, asAlice...); r.Status != 201 {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	if r := f.do(t, "HEAD", "/v2/acme/api/blobs/"+d, nil, asAlice...); r.Status != 200 || r.Header.Get("Content-Length") != strconv.Itoa(10*mib) {
		t.Errorf("HEAD: %d Content-Length %s", r.Status, r.Header.Get("Content-Length"))
	}
}

func labelled(t *testing.T, source string) v1.Image {
	t.Helper()
	img, err := mutate.Config(randomImage(t), v1.Config{Labels: map[string]string{"org.opencontainers.image.source": source}})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestFirstPushLinks: how a first push links the package it creates
// [D1, Q5], and that a label on a later push changes nothing [T14].
func TestFirstPushLinks(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	if err := f.push(t, secretWorkflow, "acme/by-workflow:v1"); err != nil {
		t.Fatal(err)
	}
	f.mustPush(t, "acme/labelled:v1", labelled(t, "https://github.com/acme/web"))
	f.mustPush(t, "acme/plain:v1", randomImage(t))
	f.mustPush(t, "acme/foreign-label:v1", labelled(t, "https://github.com/strict/app"))
	f.mustPush(t, "acme/api:v2", labelled(t, "https://github.com/acme/api"))
	// A multi-arch image as buildx makes it: each image's config labelled.
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: labelled(t, "https://github.com/acme/web")},
		mutate.IndexAddendum{Add: labelled(t, "https://github.com/acme/web")})
	if err := remote.WriteIndex(f.ref(t, "acme/multi-arch:v1"), idx, remoteOpts(basic(secretAlice), newRecorder())...); err != nil {
		t.Fatal(err)
	}
	w := f.srv.World()
	for _, tc := range []struct {
		pkg, repo string
		id        int64
		inherit   bool
	}{
		{"acme/by-workflow", "acme/api", 101, true},
		{"acme/labelled", "acme/web", 102, true},
		{"acme/multi-arch", "acme/web", 102, true},
		{"acme/plain", "", 0, false},
		{"acme/foreign-label", "", 0, false},
		{"acme/api", "", 0, false}, // existed before: the label is read after the auth check
	} {
		pkg, ok := w.Package(tc.pkg)
		if !ok {
			t.Errorf("%s: no package", tc.pkg)
			continue
		}
		if pkg.Repository != tc.repo || pkg.RepositoryID != tc.id || pkg.InheritAccess != tc.inherit || pkg.Visibility != authz.Private {
			t.Errorf("%s: linked to %q (%d), inherit %v, %s; want %q (%d), inherit %v, private",
				tc.pkg, pkg.Repository, pkg.RepositoryID, pkg.InheritAccess, pkg.Visibility, tc.repo, tc.id, tc.inherit)
		}
	}
	if pkg, _ := w.Package("acme/by-workflow"); len(pkg.ActionsAccess) != 1 || pkg.ActionsAccess[0].Repository != "acme/api" {
		t.Errorf("acme/by-workflow Actions access %+v, want acme/api", pkg.ActionsAccess)
	}
	if pkg, _ := w.Package("acme/labelled"); pkg.Users["alice"] != authz.RoleAdmin {
		t.Errorf("acme/labelled users %v, want alice admin (the publisher)", pkg.Users)
	}
	if pkg, _ := w.Package("acme/api"); len(pkg.ActionsAccess) != 0 || len(pkg.Users) != 1 {
		t.Errorf("acme/api changed by a later push: %+v", pkg)
	}
}

// TestFirstPushIndexAnnotationLinks: manifests.go's sourceOf reads the
// label from "a manifest's annotations (an index's, for multi-arch
// images)". Every client pushes an index's images first, and the first of
// them creates the package, so the index's annotation is never read. This
// test states the intent of that comment; GHCR's own rule for index
// annotations is not documented (D1 documents the index annotation for
// the description only).
func TestFirstPushIndexAnnotationLinks(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	idx, err := random.Index(128, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	idx = mutate.Annotations(idx, map[string]string{"org.opencontainers.image.source": "https://github.com/acme/web"}).(v1.ImageIndex)
	if err := remote.WriteIndex(f.ref(t, "acme/annotated:v1"), idx, remoteOpts(basic(secretAlice), newRecorder())...); err != nil {
		t.Fatal(err)
	}
	if pkg, _ := f.srv.World().Package("acme/annotated"); pkg.Repository != "acme/web" {
		t.Errorf("acme/annotated linked to %q, want acme/web (from the index's annotation)", pkg.Repository)
	}
}

// TestManifestTooLarge: the store's limit (GHCR's 4 MiB per request) is
// the one checked; a manifest one byte over it is 413 with the limit in
// GHCR's words, and one at the limit reaches manifest validation.
func TestManifestTooLarge(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	headers := append([]string{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}, asAlice...)
	over := bytes.Repeat([]byte(" "), storage.DefaultMaxManifestSize+1)
	r := f.do(t, "PUT", "/v2/acme/api/manifests/v1", bytes.NewReader(over), headers...)
	checkError(t, r, 413, "MANIFEST_INVALID", "manifest exceeds the maximum permissible size of 4.00MiB")
	at := over[:storage.DefaultMaxManifestSize]
	r = f.do(t, "PUT", "/v2/acme/api/manifests/v1", bytes.NewReader(at), headers...)
	if r.Status != 400 || !strings.Contains(string(r.Body), "MANIFEST_INVALID") {
		t.Errorf("a manifest at the limit: %d %s, want 400 MANIFEST_INVALID (not JSON), not a size refusal", r.Status, r.Body)
	}
}

// TestChunkLimitMessage: the 416 names the configured chunk limit.
func TestChunkLimitMessage(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{ChunkLimit: 3 << 20})
	loc := f.do(t, "POST", "/v2/acme/api/blobs/uploads/", nil, asAlice...).Header.Get("Location")
	big := bytes.Repeat([]byte("x"), 3<<20+1)
	r := f.do(t, "PATCH", loc, bytes.NewReader(big), append([]string{"Content-Range", "0-" + strconv.Itoa(len(big)-1)}, asAlice...)...)
	checkError(t, r, 416, "REQUESTED_RANGE_NOT_SATISFIABLE", "the request body is too large and exceeds the maximum permissible limit of 3.00MiB")
}
