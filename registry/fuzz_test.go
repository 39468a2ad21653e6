package registry

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// routePath rebuilds the path of a parsed route.
func routePath(r route) string {
	switch r.Kind {
	case kindBase:
		return "/v2/"
	case kindCatalog:
		return "/v2/_catalog"
	case kindBlob:
		return "/v2/" + r.Repo + "/blobs/" + r.Ref
	case kindUploads:
		return "/v2/" + r.Repo + "/blobs/uploads/"
	case kindUpload:
		return "/v2/" + r.Repo + "/blobs/uploads/" + r.Ref
	case kindManifest:
		return "/v2/" + r.Repo + "/manifests/" + r.Ref
	case kindTags:
		return "/v2/" + r.Repo + "/tags/list"
	case kindReferrers:
		return "/v2/" + r.Repo + "/referrers/" + r.Ref
	}
	return ""
}

func FuzzParseRoute(f *testing.F) {
	for _, p := range []string{"/v2", "/v2/", "/v2/_catalog", "/v2/acme/api/blobs/sha256:abc", "/v2/acme/api/blobs/uploads",
		"/v2/acme/api/blobs/uploads/", "/v2/acme/api/blobs/uploads/id", "/v2/acme/api/manifests/latest",
		"/v2/acme/api/tags/list", "/v2/acme/api/referrers/sha256:abc", "/v2/ACME/api/tags/list", "/v2/a/b/c/manifests/x",
		"/v2//acme/api/tags/list", "/v2/acme/blobs/uploads/manifests/x", "/v2/acme/api/manifests/"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, path string) {
		r, ok, badName := parseRoute(path)
		if !ok {
			if badName {
				t.Fatalf("%q: badName without ok", path)
			}
			return
		}
		if path != "/v2" && !strings.HasPrefix(path, "/v2/") {
			t.Fatalf("%q parsed as %+v: not a /v2/ path", path, r)
		}
		if badName {
			if validName(r.Repo) {
				t.Fatalf("%q: badName but %q is valid", path, r.Repo)
			}
			return
		}
		switch r.Kind {
		case kindBase, kindCatalog:
			if r.Repo != "" || r.Ref != "" {
				t.Fatalf("%q: %+v", path, r)
			}
		case kindBlob, kindUploads, kindUpload, kindManifest, kindTags, kindReferrers:
			if !validName(r.Repo) || r.Repo != strings.ToLower(r.Repo) || len(r.Repo) > maxNameLen {
				t.Fatalf("%q: invalid name %q accepted", path, r.Repo)
			}
			if strings.Contains(r.Ref, "/") {
				t.Fatalf("%q: reference %q contains '/'", path, r.Ref)
			}
			if (r.Ref == "") != (r.Kind == kindUploads || r.Kind == kindTags) {
				t.Fatalf("%q: kind %s with reference %q", path, r.Kind, r.Ref)
			}
		default:
			t.Fatalf("%q: unknown kind %q", path, r.Kind)
		}
		// Round trip: the canonical path of a route parses to that route.
		again, ok2, bad2 := parseRoute(routePath(r))
		if !ok2 || bad2 || again != r {
			t.Fatalf("%q -> %+v -> %q -> %+v (ok %v, badName %v)", path, r, routePath(r), again, ok2, bad2)
		}
	})
}

func FuzzParseScopes(f *testing.F) {
	for _, s := range []string{"repository:acme/api:pull", "repository:acme/api:pull,push", "repository:acme:pull",
		"repository::pull", "repository:ACME/x:pull", "garbage", "registry:catalog:*",
		"repository:acme/api:pull repository:acme/web:push", "repository:a/b:pull,,delete,*", "repository:a/b:c:pull"} {
		f.Add(s, "repository:acme/api:push")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		grants, bad := parseScopes([]string{a, b})
		if bad != nil {
			if bad.Status < 400 || bad.Status > 499 || bad.Code == "" || len(grants) != 0 {
				t.Fatalf("%q %q: error %+v with grants %v", a, b, bad, grants)
			}
			return
		}
		seen := map[string]bool{}
		for _, g := range grants {
			if g.Type != "repository" || !validName(g.Name) {
				t.Fatalf("%q %q: grant %+v", a, b, g)
			}
			if seen[g.Name] {
				t.Fatalf("%q %q: %s granted twice: %v", a, b, g.Name, grants)
			}
			seen[g.Name] = true
			if len(g.Actions) == 0 {
				t.Fatalf("%q %q: grant without actions: %+v", a, b, g)
			}
			acts := map[string]bool{}
			for _, act := range g.Actions {
				if !slices.Contains([]string{"pull", "push", "delete", "*"}, act) || acts[act] {
					t.Fatalf("%q %q: action %q in %+v", a, b, act, g)
				}
				acts[act] = true
			}
		}
	})
}

func FuzzParseRange(f *testing.F) {
	for _, h := range []string{"bytes=0-", "bytes=-1", "bytes=10-19", "bytes=5-2", "bytes=-0", "bytes=0-0,2-3",
		"bytes= 1-2", "bytes=+1-2", "bytes=1-+2", "bytes=99999999999999999999-", "items=0-1", "bytes=--1", "bytes=0-\u00a0"} {
		f.Add(h, int64(100))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 || size > 1<<20 {
			return
		}
		br, ok := parseRange(h, size)
		if !ok {
			return
		}
		if br.start < 0 || br.start > br.end || br.end >= size {
			t.Fatalf("parseRange(%q, %d) = %+v", h, size, br)
		}
		// The handler serves an accepted range with http.ServeContent, which
		// parses the header again: it must serve the same bytes.
		if strings.ContainsFunc(h, func(c rune) bool { return c < 0x20 && c != '\t' || c == 0x7f }) {
			return // net/http's server refuses control characters in headers
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Range", h)
		rec := httptest.NewRecorder()
		http.ServeContent(rec, req, "", time.Time{}, strings.NewReader(strings.Repeat("x", int(size))))
		want := fmt.Sprintf("bytes %d-%d/%d", br.start, br.end, size)
		if rec.Code != http.StatusPartialContent || rec.Header().Get("Content-Range") != want {
			t.Fatalf("parseRange(%q, %d) = %+v, but ServeContent answers %d %q", h, size, br, rec.Code, rec.Header().Get("Content-Range"))
		}
	})
}

func FuzzParseContentRange(f *testing.F) {
	for _, h := range []string{"0-9", "bytes 0-9/*", "bytes=0-9", "10-19/20", "9-0", "-1-2", "a-b", "0-", "-", " 1-2 "} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		start, end, ok := parseContentRange(h)
		if !ok {
			return
		}
		if start < 0 || end < start {
			t.Fatalf("parseContentRange(%q) = %d, %d", h, start, end)
		}
		canon := strconv.FormatInt(start, 10) + "-" + strconv.FormatInt(end, 10)
		if s2, e2, ok2 := parseContentRange(canon); !ok2 || s2 != start || e2 != end {
			t.Fatalf("%q -> %d-%d -> %q -> %d-%d (%v)", h, start, end, canon, s2, e2, ok2)
		}
	})
}

// FuzzAuthorizationHeader: whatever the Authorization header and path, a
// read of private package acme/secret is never a 2xx (no credential in
// the world may read it), and nothing is a 500.
func FuzzAuthorizationHeader(f *testing.F) {
	w := authz.World{
		Owners: map[string]authz.Owner{
			"acme":  {Login: "acme", Type: authz.Organization, Members: []authz.Member{{Login: "alice", Owner: true}, {Login: "bob"}}},
			"alice": {Login: "alice", Type: authz.User},
			"bob":   {Login: "bob", Type: authz.User},
		},
		Repositories: map[string]authz.Repository{"acme/app": {Name: "acme/app", ID: 1, WorkflowPermission: authz.RoleWrite}},
		Packages: map[string]authz.Package{
			"acme/secret": {Name: "acme/secret", Visibility: authz.Private, Users: map[string]authz.Role{"alice": authz.RoleAdmin}},
			"acme/public": {Name: "acme/public", Visibility: authz.Public},
		},
		Credentials: []authz.Credential{
			{Name: "bob", Secret: "ghp_bob", Kind: authz.ClassicPAT, User: "bob", Scopes: []string{"write:packages"}},
			{Name: "ci", Secret: "ghs_ci", Kind: authz.GitHubToken, Repository: "acme/app", Packages: authz.RoleWrite},
			{Name: "gone", Secret: "ghp_gone", Kind: authz.ClassicPAT, User: "alice", Scopes: []string{"write:packages"}, Revoked: true},
		},
	}
	srv, err := New(Options{Scenario: &scenarios.Scenario{Name: "fuzz", World: w,
		Tags: map[string][]string{"acme/secret": {"latest"}, "acme/public": {"latest"}}}})
	if err != nil {
		f.Fatal(err)
	}
	all := []grant{{Type: "repository", Name: "acme/secret", Actions: []string{"pull", "push", "*"}}}
	for _, cred := range []string{"bob", "ci", "gone", "alice", ""} {
		tok, err := srv.tokens.mint(cred, srv.snapshot().nonce(cred), all)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("Bearer "+tok, "manifests/latest", true)
	}
	b64 := base64.StdEncoding.EncodeToString
	for _, h := range []string{"", "Bearer", "Bearer ", "Bearer QQ==", "Basic " + b64([]byte("x:ghp_bob")),
		"Bearer " + b64([]byte("ghp_gone")), "Bearer " + b64([]byte("x:ghs_ci")), "Bearer " + b64([]byte("v1:acme/secret:1")),
		"bearer " + b64([]byte("ghp_bob\n")), "Bearer a.b.c", "Bearer eyJhbGciOiJub25lIn0.e30."} {
		f.Add(h, "tags/list", false)
	}
	f.Fuzz(func(t *testing.T, auth, suffix string, head bool) {
		method := "GET"
		if head {
			method = "HEAD"
		}
		req := httptest.NewRequest(method, "/", nil)
		req.URL.Path = "/v2/acme/secret/" + suffix
		req.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q with Authorization %q: %d %s", method, req.URL.Path, auth, rec.Code, rec.Body)
		}
		rt, ok, bad := parseRoute(req.URL.Path)
		if rec.Code/100 == 2 && ok && !bad && rt.Repo == "acme/secret" {
			t.Fatalf("%s %q with Authorization %q: %d: a read of a private package", method, req.URL.Path, auth, rec.Code)
		}
	})
}
