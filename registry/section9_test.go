package registry_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
)

// ghcrRow is one row of spec §9 (or one of §10's newer answers), driven
// through go-containerregistry's remote client and its token dance.
type ghcrRow struct {
	row    string // "§9 row N" or "§10 QN"
	name   string
	world  func(*authz.World) // changes to testWorld; nil for none
	action string             // pull, head, push, delete, login
	secret string             // docker login password; "" is anonymous
	// registryToken, when set, is sent as the bearer with no token
	// exchange (a client holding a token that authenticates nobody).
	registryToken string
	ref           string
	want          ghcrWant
}

type ghcrWant struct {
	ok      bool
	status  int
	code    string
	message string
	reason  authz.Reason
	// method and path suffix of the request the client fails on.
	method, path string
	// challengeRepo, when set, is the repository the failing response's
	// WWW-Authenticate names; empty means the header must be absent.
	challengeRepo string
	// noBody: the failing request is a HEAD, so the client sees no body.
	noBody bool
}

// publicAPI makes acme/api public, as in fakeghcr's default world, so that
// a push client's blob HEADs succeed and the refusal comes at the upload
// POST with its body, as GHCR's seed reports show.
func publicAPI(w *authz.World) {
	setPkg(w, "acme/api", func(p *authz.Package) { p.Visibility = authz.Public })
}

func setPkg(w *authz.World, name string, f func(*authz.Package)) {
	p := w.Packages[name]
	f(&p)
	w.Packages[name] = p
}

const uploadsPath = "/blobs/uploads/"

func ghcrRows() []ghcrRow {
	denied := func(status int, code, msg string, reason authz.Reason, method, path string) ghcrWant {
		return ghcrWant{status: status, code: code, message: msg, reason: reason, method: method, path: path}
	}
	return []ghcrRow{
		// Row 1 (probe) is raw HTTP: see TestSection9Raw.
		{row: "§9 row 2", name: "pull public anonymously", action: "pull", ref: "acme/public:latest", want: ghcrWant{ok: true}},
		{row: "§9 row 3", name: "pull private anonymously", action: "pull", ref: "acme/api:latest",
			want: ghcrWant{status: 401, code: "UNAUTHORIZED", message: msgAuthRequired, reason: authz.DenyAnonymousPrivate,
				method: "GET", path: "/token", challengeRepo: "acme/api"}},
		{row: "§9 row 4", name: "pull missing anonymously", action: "pull", ref: "acme/missing:latest",
			want: denied(403, "DENIED", msgResourceDenied, authz.DenyAnonymousMissing, "GET", "/token")},
		{row: "§9 row 5", name: "pull public with stale credentials", action: "pull", secret: secretStale, ref: "acme/public:latest",
			want: denied(403, "DENIED", "denied", authz.DenyBadCredential, "GET", "/token")},
		{row: "§9 row 6", name: "login with a wrong password", action: "login", secret: "ghp_wrong_password",
			want: denied(403, "DENIED", "denied", authz.DenyBadCredential, "GET", "/token")},
		{row: "§9 row 6", name: "login with a good password", action: "login", secret: secretBob, want: ghcrWant{ok: true}},
		{row: "§9 row 7", name: "pull private, PAT user has no role", action: "pull", secret: secretBob, ref: "acme/api:latest",
			want: denied(403, "DENIED", "permission_denied: read_package", authz.DenyReadPackage, "GET", "/manifests/latest")},
		{row: "§9 row 8", name: "pull private, PAT lacks read:packages", action: "pull", secret: secretCarol, ref: "acme/api:latest",
			world: func(w *authz.World) {
				setPkg(w, "acme/api", func(p *authz.Package) { p.Users["carol"] = authz.RoleRead })
			},
			want: denied(403, "DENIED", msgScopes, authz.DenyScopes, "GET", "/manifests/latest")},
		{row: "§9 row 9", name: "Actions pull of a package not granted to the repository", action: "pull", secret: secretWeb, ref: "acme/api:latest",
			want: denied(403, "DENIED", "installation not allowed to Read organization package", authz.DenyWorkflowNoRead, "GET", "/manifests/latest")},
		{row: "§9 row 10", name: "push with a token that authenticates nobody", action: "push", registryToken: "QQ==", ref: "acme/public:v2",
			want: ghcrWant{status: 401, code: "UNAUTHORIZED", message: msgUnauthenticated, reason: authz.DenyAnonymousWrite,
				method: "POST", path: uploadsPath, challengeRepo: "acme/public"}},
		{row: "§10 Q2", name: "anonymous push to a public package is refused at /token", action: "push", ref: "acme/public:v2",
			want: denied(403, "DENIED", msgResourceDenied, authz.DenyAnonymousPushScope, "GET", "/token")},
		{row: "§10 Q2", name: "anonymous push of a new package is refused at /token", action: "push", ref: "acme/new-tool:v1",
			want: denied(403, "DENIED", msgResourceDenied, authz.DenyAnonymousMissing, "GET", "/token")},
		{row: "§9 row 11", name: "push, PAT lacks write:packages", action: "push", secret: secretBob, ref: "acme/api:v2",
			world: func(w *authz.World) {
				setPkg(w, "acme/api", func(p *authz.Package) { p.Users["bob"] = authz.RoleWrite })
			},
			want: denied(403, "DENIED", msgScopes, authz.DenyScopes, "POST", uploadsPath)},
		// GHCR's reports show the scopes message; fakeghcr also refuses the
		// fine-grained PAT's blob HEAD (INFERRED in authz), so a HEAD-first
		// client like go-containerregistry stops there without a body.
		{row: "§9 row 12", name: "push, fine-grained PAT", action: "push", secret: secretFine, ref: "acme/public:v2",
			want: ghcrWant{status: 403, reason: authz.DenyFineGrainedPAT, method: "HEAD", path: "/blobs/", noBody: true}},
		{row: "§9 row 13", name: "push, user has only Read on the package", action: "push", secret: secretDave, ref: "acme/api:v2",
			world: func(w *authz.World) {
				setPkg(w, "acme/api", func(p *authz.Package) { p.Users["dave"] = authz.RoleRead })
			},
			want: denied(403, "DENIED", "permission_denied: write_package", authz.DenyWritePackage, "POST", uploadsPath)},
		{row: "§10 Q8", name: "push of a new package into another user's namespace", action: "push", secret: secretDave, ref: "alice/tool:v1",
			want: denied(403, "DENIED", "permission_denied: create_package", authz.DenyCreatePackage, "POST", uploadsPath)},
		{row: "§9 row 14", name: "Actions push, token packages: read", action: "push", secret: secretWorkflowRO, ref: "acme/api:v2",
			world: func(w *authz.World) {
				setPkg(w, "acme/api", func(p *authz.Package) {
					p.ActionsAccess = []authz.RepoGrant{{Repository: "acme/api", Role: authz.RoleRead}}
				})
			},
			want: denied(403, "DENIED", "installation not allowed to Write organization package", authz.DenyWorkflowReadOnly, "POST", uploadsPath)},
		{row: "§9 row 15", name: "Actions first publish, token packages: read", action: "push", secret: secretWorkflowRO, ref: "acme/new-tool:v1",
			want: denied(403, "DENIED", "installation not allowed to Create organization package", authz.DenyWorkflowCreate, "POST", uploadsPath)},
		{row: "§9 row 16", name: "Actions first publish, token packages: write", action: "push", secret: secretWorkflow, ref: "acme/new-tool:v1",
			want: ghcrWant{ok: true}},
		{row: "§9 row 17", name: "seed case: package pushed with a PAT, repository not in Actions access", action: "push", secret: secretWorkflow,
			ref: "acme/api:v2", world: publicAPI,
			want: denied(403, "DENIED", "permission_denied: write_package", authz.DenyActionsAccess, "POST", uploadsPath)},
		{row: "§9 row 17", name: "seed case: private package, repository has only Read", action: "push", secret: secretWorkflow, ref: "acme/api:v2",
			world: func(w *authz.World) {
				setPkg(w, "acme/api", func(p *authz.Package) {
					p.ActionsAccess = []authz.RepoGrant{{Repository: "acme/api", RepositoryID: 101, Role: authz.RoleRead}}
				})
			},
			want: denied(403, "DENIED", "permission_denied: write_package", authz.DenyActionsAccess, "POST", uploadsPath)},
		// GHCR answers a HEAD it refuses with a body-less 403 [T13 #981].
		{row: "§9 row 17", name: "seed case: private package the repository cannot read fails at the blob HEAD", action: "push",
			secret: secretWorkflow, ref: "acme/api:v2",
			want: ghcrWant{status: 403, reason: authz.DenyWorkflowNoRead, method: "HEAD", path: "/blobs/", noBody: true}},
		{row: "§9 row 18", name: "seed case fixed: repository has Write in Actions access", action: "push", secret: secretWorkflow, ref: "acme/api:v2",
			world: func(w *authz.World) {
				setPkg(w, "acme/api", func(p *authz.Package) {
					p.ActionsAccess = []authz.RepoGrant{{Repository: "acme/api", RepositoryID: 101, Role: authz.RoleWrite}}
				})
			},
			want: ghcrWant{ok: true}},
		{row: "§9 row 19", name: "Actions push to a foreign namespace", action: "push", secret: secretWorkflow, ref: "other/tool:v1",
			want: denied(403, "DENIED", "permission_denied: The requested installation does not exist.", authz.DenyInstallationMissing, "POST", uploadsPath)},
		// crane is go-containerregistry, and GHCR's crane report [T18]
		// names the upload POST: the blob HEAD before it was not refused.
		{row: "§9 row 20", name: "App token push of a new package", action: "push", secret: secretApp, ref: "acme/new-tool:v1",
			want: denied(403, "DENIED", "permission_denied: installation not allowed to Create organization package", authz.DenyAppCreate, "POST", uploadsPath)},
		{row: "§9 row 20", name: "App token push to an existing package", action: "push", secret: secretApp, ref: "acme/public:v2",
			want: denied(403, "DENIED", "permission_denied: installation not allowed to Write organization package", authz.DenyAppWrite, "POST", uploadsPath)},
		{row: "§9 row 21", name: "organization forbids classic PATs", action: "pull", secret: secretErin, ref: "strict/app:latest",
			want: denied(403, "DENIED", "permission_denied: strict forbids access via a personal access token (classic). Please use a GitHub App, OAuth App, or a personal access token with fine-grained permissions.",
				authz.DenyClassicPATForbidden, "GET", "/manifests/latest")},
		{row: "§9 row 26", name: "registry delete", action: "delete", secret: secretAlice, ref: "acme/api:latest",
			want: ghcrWant{status: 405, code: "UNSUPPORTED", message: "The operation is unsupported.", method: "DELETE", path: "/manifests/latest"}},
		{row: "§10 Q1", name: "authenticated pull of a package that does not exist", action: "pull", secret: secretAlice, ref: "acme/nothing:latest",
			want: denied(404, "NAME_UNKNOWN", "repository name not known to registry", authz.DenyNameUnknown, "GET", "/manifests/latest")},
		{row: "§9 row 7", name: "HEAD of a private manifest, PAT user has no role", action: "head", secret: secretBob, ref: "acme/api:latest",
			want: ghcrWant{status: 403, reason: authz.DenyReadPackage, method: "HEAD", path: "/manifests/latest", noBody: true}},
		// Row 27 (429 rate limiting) is not implemented by fakeghcr.
	}
}

func TestSection9(t *testing.T) {
	t.Parallel()
	for _, tc := range ghcrRows() {
		t.Run(tc.row+" "+tc.name, func(t *testing.T) {
			t.Parallel()
			w := testWorld()
			if tc.world != nil {
				tc.world(&w)
			}
			f := start(t, w, registry.Options{})
			rec := newRecorder()
			err := tc.run(t, f, rec)
			if tc.want.ok {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want %d %s, got success", tc.want.status, tc.want.code)
			}
			checkRefusal(t, f, rec, err, tc.want)
		})
	}
}

func (tc ghcrRow) run(t *testing.T, f *fixture, rec *recorder) error {
	auth := basic(tc.secret)
	if tc.registryToken != "" {
		auth = authn.FromConfig(authn.AuthConfig{RegistryToken: tc.registryToken})
	}
	opts := remoteOpts(auth, rec)
	switch tc.action {
	case "pull":
		_, err := remote.Get(f.ref(t, tc.ref), opts...)
		return err
	case "head":
		_, err := remote.Head(f.ref(t, tc.ref), opts...)
		return err
	case "push":
		return remote.Write(f.ref(t, tc.ref), randomImage(t), opts...)
	case "delete":
		return remote.Delete(f.ref(t, tc.ref), opts...)
	case "login":
		return login(t, f, auth, rec)
	}
	t.Fatalf("unknown action %q", tc.action)
	return nil
}

// login is docker login as go-containerregistry does it: probe /v2/,
// follow the challenge to /token with no scope, then GET /v2/ with the
// token.
func login(t *testing.T, f *fixture, auth authn.Authenticator, rec *recorder) error {
	reg := f.ref(t, "acme/public:latest").Context().Registry
	rt, err := transport.NewWithContext(context.Background(), reg, auth, rec, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: rt}).Get(f.ts.URL + "/v2/")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return transport.CheckError(resp, http.StatusOK)
}

func checkRefusal(t *testing.T, f *fixture, rec *recorder, err error, want ghcrWant) {
	t.Helper()
	terr := asTransportError(t, err)
	if terr.StatusCode != want.status {
		t.Errorf("status %d, want %d (%v)", terr.StatusCode, want.status, err)
	}
	if terr.Request == nil {
		t.Errorf("client error %v names no request", err)
	} else if terr.Request.Method != want.method || !strings.Contains(terr.Request.URL.Path, want.path) {
		t.Errorf("failing request %s %s, want %s ...%s...", terr.Request.Method, terr.Request.URL.Path, want.method, want.path)
	}
	ex, ok := rec.failed(terr)
	if !ok {
		t.Fatalf("no recorded response for %v", err)
	}
	if !want.noBody {
		if len(terr.Errors) != 1 || string(terr.Errors[0].Code) != want.code || terr.Errors[0].Message != want.message {
			t.Errorf("client saw %+v, want %s %q", terr.Errors, want.code, want.message)
		}
		if got, wantBody := string(ex.Body), ghcrBody(want.code, want.message); got != wantBody {
			t.Errorf("body\n got %q\nwant %q", got, wantBody)
		}
		if ct := ex.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q, want application/json", ct)
		}
	}
	if got := ex.Header.Get("X-Fakeghcr-Reason"); got != string(want.reason) {
		t.Errorf("X-Fakeghcr-Reason %q, want %q", got, want.reason)
	}
	if want.reason != "" && ex.Header.Get("X-Fakeghcr-Explanation") == "" {
		t.Errorf("denial without X-Fakeghcr-Explanation")
	}
	wantChallenge := ""
	if want.challengeRepo != "" {
		wantChallenge = f.challenge(want.challengeRepo)
	}
	if got := ex.Header.Get("WWW-Authenticate"); got != wantChallenge {
		t.Errorf("WWW-Authenticate %q, want %q", got, wantChallenge)
	}
	if got := ex.Header.Get("Docker-Distribution-API-Version"); got != "registry/2.0" {
		t.Errorf("Docker-Distribution-API-Version %q", got)
	}
}

// TestSection9AnonymousToken: row 2's token is GHCR's anonymous token,
// base64 "v1:<repo>:<ns>", alone in the body.
func TestSection9AnonymousToken(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	rec := newRecorder()
	if _, err := remote.Get(f.ref(t, "acme/public:latest"), remoteOpts(authn.Anonymous, rec)...); err != nil {
		t.Fatal(err)
	}
	for _, ex := range rec.exchanges() {
		if ex.Path != "/token" {
			continue
		}
		var body map[string]string
		if err := json.Unmarshal(ex.Body, &body); err != nil || len(body) != 1 {
			t.Fatalf("token body %s: want only {\"token\":...}", ex.Body)
		}
		raw, err := base64.StdEncoding.DecodeString(body["token"])
		if err != nil || !strings.HasPrefix(string(raw), "v1:acme/public:") {
			t.Errorf("anonymous token %q decodes to %q, want v1:acme/public:<ns>", body["token"], raw)
		}
		return
	}
	t.Fatal("no /token request recorded")
}

// TestSection9FirstPublishLinks: row 16's package is linked to the
// workflow's repository, private, inheriting access [D1, Q5].
func TestSection9FirstPublishLinks(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	if err := f.push(t, secretWorkflow, "acme/new-tool:v1"); err != nil {
		t.Fatal(err)
	}
	pkg, ok := f.srv.World().Package("acme/new-tool")
	if !ok {
		t.Fatal("the first push created no package")
	}
	if pkg.Repository != "acme/api" || pkg.RepositoryID != 101 || !pkg.InheritAccess || pkg.Visibility != authz.Private {
		t.Errorf("package %+v: want private, linked to acme/api (101), inheriting access", pkg)
	}
}

// TestSection9SeedFixedByApply: the seed case, then the fix applied to the
// running server, then the push works (rows 17 and 18).
func TestSection9SeedFixedByApply(t *testing.T) {
	t.Parallel()
	w := testWorld()
	publicAPI(&w)
	f := start(t, w, registry.Options{})
	rec := newRecorder()
	err := remote.Write(f.ref(t, "acme/api:v2"), randomImage(t), remoteOpts(basic(secretWorkflow), rec)...)
	if err == nil {
		t.Fatal("seed case push succeeded")
	}
	checkRefusal(t, f, rec, err, ghcrWant{status: 403, code: "DENIED", message: "permission_denied: write_package",
		reason: authz.DenyActionsAccess, method: "POST", path: uploadsPath})
	if err := f.srv.Apply(registry.Change{Op: registry.OpSetActionsAccess, Package: "acme/api", Repository: "acme/api", Role: "write"}); err != nil {
		t.Fatal(err)
	}
	if err := f.push(t, secretWorkflow, "acme/api:v2"); err != nil {
		t.Fatalf("push after the fix: %v", err)
	}
}

// TestSection9IndexAccept is row 25 through the client: the index pulls
// with go-containerregistry's Accept (which lists OCI indexes); the raw
// refusal is in TestIndexAccept.
func TestSection9IndexAccept(t *testing.T) {
	t.Parallel()
	f := start(t, testWorld(), registry.Options{})
	pushIndex(t, f, "acme/api:multi")
	if _, err := remote.Get(f.ref(t, "acme/api:multi"), remoteOpts(basic(secretAlice), newRecorder())...); err != nil {
		t.Fatalf("pull of an index with an OCI Accept: %v", err)
	}
	r := f.do(t, "GET", "/v2/acme/api/manifests/multi", nil,
		"Authorization", bearer(f.token(t, secretAlice, "repository:acme/api:pull")),
		"Accept", "application/vnd.docker.distribution.manifest.v2+json")
	checkError(t, r, 404, "MANIFEST_UNKNOWN", "OCI index found, but Accept header does not support OCI indexes")
}
