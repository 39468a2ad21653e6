package registry_test

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
)

// TestDenialLog: each authz decision is one record with the fixed keys
// repo, action, principal, decision and reason, and no secret a client
// sent (credentials, Basic and raw-bearer encodings, minted registry
// tokens, the admin token) appears anywhere in the log.
func TestDenialLog(t *testing.T) {
	t.Parallel()
	const (
		adminToken  = "admin-token-0123456789"
		wrongSecret = "ghp_wrong_password_0123456789"
		addedSecret = "ghp_added_by_admin_0123456789"
	)
	w := testWorld()
	publicAPI(&w)
	f := start(t, w, registry.Options{AdminToken: adminToken})
	rec := newRecorder()
	opts := func(secret string) []remote.Option { return remoteOpts(basic(secret), rec) }

	if err := remote.Write(f.ref(t, "acme/api:v2"), randomImage(t), opts(secretWorkflow)...); err == nil {
		t.Error("the seed case push succeeded")
	}
	if err := remote.Write(f.ref(t, "acme/api:v3"), randomImage(t), opts(secretAlice)...); err != nil {
		t.Errorf("alice's push: %v", err)
	}
	if _, err := remote.Get(f.ref(t, "strict/app:latest"), opts(secretErin)...); err == nil {
		t.Error("erin's pull in strict succeeded")
	}
	for _, secret := range []string{wrongSecret, secretStale} {
		if _, err := remote.Get(f.ref(t, "acme/public:latest"), opts(secret)...); err == nil {
			t.Errorf("pull with a bad password succeeded")
		}
	}
	f.do(t, "GET", "/v2/acme/api/tags/list", nil, "Authorization", "Bearer "+b64(secretBob))
	f.do(t, "GET", "/v2/acme/api/tags/list", nil, "Authorization", "Bearer "+b64("carol:"+secretCarol))
	f.do(t, "GET", "/v2/", nil, "Authorization", basicHeader("dave", secretDave))
	f.do(t, "GET", "/v2/strict/app/manifests/latest", nil, "Authorization", "Bearer "+secretFine)
	change := `{"op":"add_credential","credential":{"name":"added","secret":"` + addedSecret + `","type":"classic_pat","user":"bob","scopes":["read:packages"]}}`
	r := f.do(t, "POST", registry.AdminPrefix+"/changes", strings.NewReader(change), "Authorization", "Bearer "+adminToken)
	if r.Status != 200 || strings.Contains(string(r.Body), addedSecret) {
		t.Errorf("add_credential: %d %s (the secret must not be echoed)", r.Status, r.Body)
	}
	f.do(t, "GET", "/v2/acme/api/tags/list", nil, "Authorization", "Bearer "+b64(addedSecret))

	log := f.logs.String()
	secrets := append(allSecrets(), wrongSecret, addedSecret, adminToken)
	for _, ex := range rec.exchanges() {
		var tok struct{ Token string }
		if ex.Path == "/token" && ex.Status == 200 && json.Unmarshal(ex.Body, &tok) == nil && tok.Token != "" {
			secrets = append(secrets, tok.Token)
		}
	}
	for _, s := range secrets {
		for _, form := range []string{s, b64(s), b64("someone:" + s), b64("carol:" + s), strings.TrimSuffix(basicHeader("dave", s), "=")} {
			if strings.Contains(log, form) {
				t.Errorf("the log contains a secret (%.12s...)", form)
			}
		}
	}

	var deny, allow int
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if rec["msg"] != "authz decision" {
			continue
		}
		for _, k := range []string{"repo", "action", "principal", "decision", "reason"} {
			if _, ok := rec[k].(string); !ok {
				t.Errorf("decision record without %s: %s", k, sc.Text())
			}
		}
		switch rec["decision"] {
		case "deny":
			deny++
		case "allow":
			allow++
		default:
			t.Errorf("decision %v: want allow or deny", rec["decision"])
		}
		if rec["reason"] == string(authz.DenyActionsAccess) {
			want := map[string]any{"repo": "acme/api", "action": "write", "principal": "github_token:workflow", "decision": "deny"}
			for k, v := range want {
				if rec[k] != v {
					t.Errorf("seed case record: %s = %v, want %v", k, rec[k], v)
				}
			}
			if e, _ := rec["explanation"].(string); e == "" {
				t.Errorf("seed case record without explanation: %s", sc.Text())
			}
		}
	}
	if deny < 4 || allow == 0 {
		t.Errorf("%d deny and %d allow records; want the denials and the allowances logged", deny, allow)
	}
	if !strings.Contains(log, `"reason":"`+string(authz.DenyActionsAccess)+`"`) || !strings.Contains(log, `"reason":"`+string(authz.DenyBadCredential)+`"`) {
		t.Errorf("missing the seed case's or the bad password's decision in the log:\n%s", log)
	}
}

// TestExplanationHeaders: a denial carries X-Fakeghcr-Reason,
// -Explanation and -Fix as printable one-line ASCII, and the body stays
// GHCR's bytes.
func TestExplanationHeaders(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	tests := []struct {
		method, path, auth string
		status             int
		code, msg          string
		reason             authz.Reason
	}{
		{"POST", "/v2/acme/api/blobs/uploads/", "Bearer " + b64(secretWorkflow), 403, "DENIED", "permission_denied: write_package", authz.DenyActionsAccess},
		{"GET", "/v2/acme/api/manifests/latest", "Bearer " + b64(secretBob), 403, "DENIED", "permission_denied: read_package", authz.DenyReadPackage},
		{"GET", "/v2/acme/api/manifests/latest", "Bearer " + b64(secretCarol), 403, "DENIED", msgScopes, authz.DenyScopes},
		{"GET", "/v2/acme/api/manifests/latest", "Bearer QQ==", 401, "UNAUTHORIZED", msgUnauthenticated, authz.DenyAnonymousRead},
		{"GET", "/token?service=ghcr.io&scope=repository:acme/api:pull", basicHeader("x", "ghp_nope"), 403, "DENIED", "denied", authz.DenyBadCredential},
		{"GET", "/token?service=ghcr.io&scope=repository:acme/api:pull", "", 401, "UNAUTHORIZED", msgAuthRequired, authz.DenyAnonymousPrivate},
		{"GET", "/token?service=ghcr.io&scope=repository:acme/api:pull", basicHeader("x", secretStale), 403, "DENIED", "denied", authz.DenyBadCredential},
		{"GET", "/v2/strict/app/manifests/latest", "Bearer " + b64(secretErin), 403, "DENIED",
			"permission_denied: strict forbids access via a personal access token (classic). Please use a GitHub App, OAuth App, or a personal access token with fine-grained permissions.",
			authz.DenyClassicPATForbidden},
	}
	for _, tc := range tests {
		var hdr []string
		if tc.auth != "" {
			hdr = []string{"Authorization", tc.auth}
		}
		r := f.do(t, tc.method, tc.path, nil, hdr...)
		checkError(t, r, tc.status, tc.code, tc.msg)
		if got := r.Header.Get("X-Fakeghcr-Reason"); got != string(tc.reason) {
			t.Errorf("%s %s: X-Fakeghcr-Reason %q, want %q", tc.method, tc.path, got, tc.reason)
		}
		for _, h := range []string{"X-Fakeghcr-Explanation", "X-Fakeghcr-Fix"} {
			v := r.Header.Get(h)
			if v == "" || strings.ContainsFunc(v, func(c rune) bool { return c < 0x20 || c > 0x7e }) {
				t.Errorf("%s %s: %s %q, want printable one-line ASCII", tc.method, tc.path, h, v)
			}
			if strings.Contains(string(r.Body), v) {
				t.Errorf("%s %s: the body contains the %s", tc.method, tc.path, h)
			}
		}
	}
}
