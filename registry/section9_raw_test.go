package registry_test

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
)

// rawRow is a §9/§10 row about the Authorization header itself, sent with
// net/http and no token exchange.
type rawRow struct {
	row, name    string
	method, path string
	auth         string // the Authorization header; "" sends none
	status       int
	code, msg    string // empty for a success
	reason       authz.Reason
	// challengeRepo names the repository the WWW-Authenticate must name;
	// empty means the header must be absent.
	challengeRepo string
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func rawRows() []rawRow {
	const manifest = "/v2/acme/api/manifests/latest" // private, alice admin
	const public = "/v2/acme/public/manifests/latest"
	return []rawRow{
		{row: "§9 row 1", name: "probe without credentials", method: "GET", path: "/v2/",
			status: 401, code: "UNAUTHORIZED", msg: msgAuthRequired, challengeRepo: "user/image"},
		{row: "§1.1", name: "catalog without credentials names the placeholder", method: "GET", path: "/v2/_catalog",
			status: 401, code: "UNAUTHORIZED", msg: msgAuthRequired, challengeRepo: "user/image"},
		{row: "§1.1", name: "manifest GET without credentials", method: "GET", path: manifest,
			status: 401, code: "UNAUTHORIZED", msg: msgAuthRequired, challengeRepo: "acme/api"},
		{row: "§1.1", name: "public manifest GET without credentials still challenges", method: "GET", path: public,
			status: 401, code: "UNAUTHORIZED", msg: msgAuthRequired, challengeRepo: "acme/public"},
		{row: "§10 Q4", name: "upload POST without credentials challenges for pull", method: "POST", path: "/v2/acme/api/blobs/uploads/",
			status: 401, code: "UNAUTHORIZED", msg: msgAuthRequired, challengeRepo: "acme/api"},
		{row: "§9 row 22", name: "Bearer base64(PAT)", method: "GET", path: manifest, auth: "Bearer " + b64(secretAlice), status: 200},
		{row: "§9 row 22", name: "Bearer base64(PAT newline), as echo | base64 makes it", method: "GET", path: manifest,
			auth: "Bearer " + b64(secretAlice+"\n"), status: 200},
		{row: "§9 row 22", name: "Bearer base64(user:PAT)", method: "GET", path: manifest, auth: "Bearer " + b64("alice:"+secretAlice), status: 200},
		{row: "§9 row 23", name: "Bearer base64(unknown PAT)", method: "GET", path: manifest, auth: "Bearer " + b64("ghp_unknown"),
			status: 401, code: "UNAUTHORIZED", msg: msgUnauthenticated, reason: authz.DenyAnonymousRead, challengeRepo: "acme/api"},
		{row: "§9 row 23", name: "Bearer base64(revoked PAT)", method: "GET", path: manifest, auth: "Bearer " + b64(secretStale),
			status: 401, code: "UNAUTHORIZED", msg: msgUnauthenticated, reason: authz.DenyAnonymousRead, challengeRepo: "acme/api"},
		{row: "§1.3", name: "raw PAT as Bearer", method: "GET", path: manifest, auth: "Bearer " + secretAlice,
			status: 401, code: "UNAUTHORIZED", msg: msgUnauthenticated, reason: authz.DenyAnonymousRead, challengeRepo: "acme/api"},
		{row: "§9 row 24", name: "Basic straight to a manifest", method: "GET", path: manifest, auth: basicHeader("alice", secretAlice),
			status: 403, code: "DENIED", msg: "invalid token", reason: "basic_auth_on_registry"},
		{row: "§9 row 24", name: "Basic straight to /v2/", method: "GET", path: "/v2/", auth: basicHeader("alice", secretAlice),
			status: 403, code: "DENIED", msg: "invalid token", reason: "basic_auth_on_registry"},
		{row: "§1.1", name: "empty Bearer", method: "GET", path: manifest, auth: "Bearer ",
			status: 401, code: "UNAUTHORIZED", msg: "authentication token not provided", reason: "empty_bearer", challengeRepo: "acme/api"},
		{row: "§1.1", name: "Bearer with no value at all", method: "GET", path: public, auth: "Bearer",
			status: 401, code: "UNAUTHORIZED", msg: "authentication token not provided", reason: "empty_bearer", challengeRepo: "acme/public"},
		{row: "§1.3", name: "Bearer junk on public content (QQ==)", method: "GET", path: public, auth: "Bearer QQ==", status: 200},
		{row: "§1.3", name: "Bearer base64(:) on public content, as wud sends", method: "GET", path: public, auth: "Bearer Og==", status: 200},
		{row: "§1.3", name: "Bearer junk on /v2/", method: "GET", path: "/v2/", auth: "Bearer QQ==", status: 200},
		{row: "§1.2", name: "Bearer sent to /token", method: "GET", path: "/token?service=ghcr.io&scope=repository:acme/api:pull",
			auth: "Bearer " + secretAlice, status: 401, code: "UNAUTHORIZED", msg: msgAuthRequired, challengeRepo: "user/image"},
		{row: "§10 Q3", name: "POST /token", method: "POST", path: "/token", status: 405, code: "UNSUPPORTED", msg: "The operation is unsupported."},
		{row: "§10 Q3", name: "POST /token with credentials", method: "POST", path: "/token", auth: basicHeader("alice", secretAlice),
			status: 405, code: "UNSUPPORTED", msg: "The operation is unsupported."},
		{row: "§10 Q2", name: "anonymous token for pull,push of a public package", method: "GET",
			path:   "/token?service=ghcr.io&scope=repository:acme/public:pull,push",
			status: 403, code: "DENIED", msg: msgResourceDenied, reason: authz.DenyAnonymousPushScope},
		{row: "§1.2", name: "anonymous token for the probe's placeholder", method: "GET",
			path:   "/token?service=ghcr.io&scope=repository:user/image:pull",
			status: 403, code: "DENIED", msg: msgResourceDenied, reason: authz.DenyAnonymousMissing},
		{row: "§1.2", name: "valid PAT gets a token for a package it cannot read", method: "GET",
			path: "/token?service=ghcr.io&scope=repository:strict/app:pull", auth: basicHeader("x", secretBob), status: 200},
	}
}

func TestSection9Raw(t *testing.T) {
	t.Parallel()
	for _, tc := range rawRows() {
		t.Run(tc.row+" "+tc.name, func(t *testing.T) {
			t.Parallel()
			f := start(t, testWorld(), registry.Options{})
			var hdr []string
			if tc.auth != "" {
				hdr = []string{"Authorization", tc.auth}
			}
			r := f.do(t, tc.method, tc.path, nil, hdr...)
			if tc.code == "" {
				if r.Status != tc.status {
					t.Fatalf("status %d, want %d (body %s)", r.Status, tc.status, r.Body)
				}
				return
			}
			checkError(t, r, tc.status, tc.code, tc.msg)
			if got := r.Header.Get("X-Fakeghcr-Reason"); got != string(tc.reason) {
				t.Errorf("X-Fakeghcr-Reason %q, want %q", got, tc.reason)
			}
			want := ""
			if tc.challengeRepo != "" {
				want = f.challenge(tc.challengeRepo)
			}
			if got := r.Header.Get("WWW-Authenticate"); got != want {
				t.Errorf("WWW-Authenticate %q, want %q", got, want)
			}
			if cl := r.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(r.Body)) {
				t.Errorf("Content-Length %s for a %d-byte body", cl, len(r.Body))
			}
		})
	}
}

// TestProbeBodyIs73Bytes: the 401 of spec §1.1 is 72 bytes of JSON and a
// newline, with Content-Length 73 [T2].
func TestProbeBodyIs73Bytes(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	r := f.do(t, "GET", "/v2/", nil)
	const want = `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}` + "\n"
	if string(r.Body) != want || len(r.Body) != 73 || r.Header.Get("Content-Length") != "73" {
		t.Errorf("body %q (%d bytes, Content-Length %s), want %q (73 bytes)", r.Body, len(r.Body), r.Header.Get("Content-Length"), want)
	}
}

// TestTokenPostBodyIs78Bytes: spec §10 Q3's transcript, byte for byte.
func TestTokenPostBodyIs78Bytes(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	r := f.do(t, http.MethodPost, "/token", strings.NewReader("grant_type=password&service=ghcr.io"),
		"Content-Type", "application/x-www-form-urlencoded")
	const want = `{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}` + "\n"
	if r.Status != 405 || string(r.Body) != want || len(r.Body) != 78 || r.Header.Get("Content-Length") != "78" {
		t.Errorf("%d %q (%d bytes, Content-Length %s), want 405 %q (78 bytes)", r.Status, r.Body, len(r.Body), r.Header.Get("Content-Length"), want)
	}
	if got := r.Header.Get("Docker-Distribution-API-Version"); got != "registry/2.0" {
		t.Errorf("Docker-Distribution-API-Version %q", got)
	}
}
