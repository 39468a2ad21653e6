package diagnose_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/answers"
	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/diagnose"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// library converts the built-in scenarios as the CLI does.
func library() []diagnose.Scenario {
	var out []diagnose.Scenario
	for _, s := range scenarios.Builtins() {
		d := diagnose.Scenario{Name: s.Name, World: s.World, AnonymousPrivateTokenStatus: s.Settings.AnonymousPrivateTokenStatus}
		for _, e := range s.Expect {
			d.Expect = append(d.Expect, diagnose.Expect{Credential: e.Credential, Action: e.Action, Package: e.Package})
		}
		out = append(out, d)
	}
	return out
}

type want struct {
	Line                   int
	Client, Stage, Image   string
	Status                 int
	Code, Message          string
	TopReason, TopScenario string
}

// TestLogCorpus: one log per client and stage, with the lines each client
// prints (docs/clients.md-style transcripts and public issue reports).
func TestLogCorpus(t *testing.T) {
	t.Parallel()
	const wp = "permission_denied: write_package"
	const read = "installation not allowed to Read organization package"
	tests := map[string][]want{
		"seed-buildkit-v0.10.log":              {{3, "buildx", "upload_post", "", 403, "", "", "actions_access_missing", "actions-access-missing"}},
		"buildx-upload-post.log":               {{2, "buildx", "upload_post", "ghcr.io/acme/api", 403, "DENIED", wp, "actions_access_missing", "actions-access-missing"}},
		"buildkit-v0.12-upload-post.log":       {{1, "buildx", "upload_post", "ghcr.io/acme/api", 403, "", "", "actions_access_missing", "actions-access-missing"}},
		"buildkit-v0.11-upload-post.log":       {{1, "buildx", "upload_post", "ghcr.io/acme/api", 403, "", "", "actions_access_missing", "actions-access-missing"}},
		"buildkit-v0.12-manifest-put.log":      {{1, "buildx", "manifest_put", "ghcr.io/acme/api", 403, "", "", "actions_access_missing", "actions-access-missing"}},
		"buildkit-head-blob.log":               {{1, "buildx", "head_blob", "ghcr.io/acme/api", 403, "", "", "actions_access_missing", "actions-access-missing"}},
		"buildx-token.log":                     {{1, "buildx", "token", "", 403, "DENIED", "denied", "bad_credential", "stale-credentials"}},
		"buildkit-anonymous-token.log":         {{1, "buildx", "token", "ghcr.io/acme/base", 401, "", "", "anonymous_private", "private-package-anonymous-pull"}},
		"crane-upload-post.log":                {{2, "crane", "upload_post", "ghcr.io/acme/api", 403, "DENIED", wp, "actions_access_missing", "actions-access-missing"}},
		"crane-head-blob.log":                  {{1, "crane", "head_blob", "ghcr.io/acme/api", 403, "", "", "actions_access_missing", "actions-access-missing"}},
		"crane-manifest-put.log":               {{1, "crane", "manifest_put", "ghcr.io/acme/api", 403, "DENIED", wp, "actions_access_missing", "actions-access-missing"}},
		"crane-token.log":                      {{1, "crane", "token", "ghcr.io/acme/api", 403, "DENIED", "denied", "bad_credential", "stale-credentials"}},
		"crane-manifest-get.log":               {{1, "crane", "manifest_get", "ghcr.io/acme/api", 403, "DENIED", read, "workflow_read_not_granted", "actions-access-missing"}},
		"crane-classic-pat-forbidden.log":      {{1, "crane", "upload_post", "ghcr.io/acme/api", 403, "DENIED", "permission_denied: acme forbids access via a personal access token (classic). Please use a GitHub App, OAuth App, or a personal access token with fine-grained permissions.", "classic_pat_forbidden", "org-forbids-classic-pat"}},
		"skopeo-upload-post.log":               {{1, "skopeo", "upload_post", "ghcr.io/acme/api", 403, "DENIED", wp, "actions_access_missing", "actions-access-missing"}},
		"skopeo-manifest-put.log":              {{1, "skopeo", "manifest_put", "ghcr.io/acme/api", 403, "DENIED", wp, "actions_access_missing", "actions-access-missing"}},
		"skopeo-token.log":                     {{1, "skopeo", "token", "", 403, "", "", "bad_credential", "stale-credentials"}},
		"skopeo-manifest-get.log":              {{1, "skopeo", "manifest_get", "ghcr.io/acme/api", 403, "DENIED", read, "workflow_read_not_granted", "actions-access-missing"}},
		"podman-upload-post.log":               {{3, "skopeo", "upload_post", "ghcr.io/acme/api", 403, "DENIED", "installation not allowed to Write organization package", "workflow_packages_read_only", "workflow-permissions-read-only"}},
		"oras-upload-post.log":                 {{2, "oras", "upload_post", "", 403, "DENIED", wp, "actions_access_missing", "actions-access-missing"}},
		"helm-upload-post.log":                 {{1, "helm", "upload_post", "ghcr.io/acme/charts/mychart", 403, "DENIED", wp, "actions_access_missing", "actions-access-missing"}},
		"containerd-upload-post.log":           {{1, "containerd", "upload_post", "ghcr.io/acme/api", 403, "DENIED", wp, "actions_access_missing", "actions-access-missing"}},
		"containerd-manifest-put.log":          {{1, "containerd", "manifest_put", "ghcr.io/acme/api", 403, "", "", "actions_access_missing", "actions-access-missing"}},
		"docker-upload-post.log":               {{4, "docker", "upload_post", "ghcr.io/acme/api", 403, "DENIED", wp, "actions_access_missing", "actions-access-missing"}},
		"docker-create.log":                    {{3, "docker", "upload_post", "ghcr.io/acme/new-service", 403, "DENIED", "installation not allowed to Create organization package", "workflow_packages_read_only_create", "workflow-first-publish-read-only"}},
		"docker-anonymous-push.log":            {{2, "docker", "upload_post", "ghcr.io/acme/api", 401, "UNAUTHORIZED", "unauthenticated: User cannot be authenticated with the token provided.", "bad_credential", "stale-credentials"}},
		"docker-manifest-get.log":              {{1, "docker", "manifest_get", "ghcr.io/acme/api", 403, "DENIED", read, "workflow_read_not_granted", "actions-access-missing"}},
		"docker-login.log":                     {{1, "docker", "login", "", 403, "DENIED", "denied", "bad_credential", "stale-credentials"}},
		"login-action-denied.log":              {{3, "docker", "login", "", 403, "DENIED", "denied", "bad_credential", "stale-credentials"}},
		"login-action-empty-password.log":      {{2, "login-action", "login", "", 0, "", "", "", ""}},
		"docker-lowercase.log":                 {{1, "docker", "reference", "", 0, "", "", "", ""}},
		"buildx-lowercase.log":                 {{1, "buildx", "reference", "ghcr.io/MyOrg/WebApp", 0, "", "", "", ""}},
		"toomanyrequests.log":                  {{1, "docker", "upload_post", "", 429, "TOOMANYREQUESTS", "retry-after: 163.43µs, allowed: 44000/minute", "rate_limited", ""}},
		"regctl-upload-post.log":               {{1, "regctl", "upload_post", "ghcr.io/acme/api", 403, "DENIED", wp, "actions_access_missing", "actions-access-missing"}},
		"github-actions-ansi.log":              {{2, "docker", "upload_post", "ghcr.io/acme/api", 403, "DENIED", "installation not allowed to Write organization package", "workflow_packages_read_only", "workflow-permissions-read-only"}},
		"docker-manifest-get-unauthorized.log": {{1, "docker", "manifest_get", "ghcr.io/acme/api", 401, "UNAUTHORIZED", "", "anonymous_private", "private-package-anonymous-pull"}},
		"docker-name-unknown.log":              {{2, "docker", "manifest_get", "ghcr.io/acme/old-name", 404, "NAME_UNKNOWN", "repository name not known to registry", "name_unknown", "missing-package-anonymous-pull"}},
		"podman-manifest-get.log":              {{2, "skopeo", "manifest_get", "ghcr.io/acme/api", 403, "DENIED", "", "bad_credential", "stale-credentials"}},
		"docker-push-no-login.log":             {{2, "docker", "token", "ghcr.io/acme/api", 403, "DENIED", "requested access to the resource is denied", "anonymous_push_scope", "anonymous-push"}},
		"clean.log":                            nil,
	}
	files, err := filepath.Glob("testdata/logs/*.log")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(tests) {
		t.Errorf("%d logs in testdata/logs, %d in the table: every log needs its expectation", len(files), len(tests))
	}
	d, err := diagnose.New(diagnose.Options{Scenarios: library()})
	if err != nil {
		t.Fatal(err)
	}
	for name, wants := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, err := os.Open(filepath.Join("testdata/logs", name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			res, err := d.Read(f)
			if err != nil {
				t.Fatal(err)
			}
			var got []want
			for _, x := range res.Failures {
				w := want{x.Line, x.Client, x.Stage, x.Image, x.Status, x.Code, x.Message, "", ""}
				if len(x.Causes) > 0 {
					w.TopReason, w.TopScenario = string(x.Causes[0].Reason), x.Causes[0].Scenario
				}
				if len(x.Causes) == 0 {
					t.Errorf("line %d: no cause at all", x.Line)
				}
				got = append(got, w)
			}
			if diff := cmp.Diff(wants, got); diff != "" {
				t.Errorf("diagnose %s (-want +got):\n%s", name, diff)
			}
		})
	}
}

// TestBuiltinQuotes: every client line quoted in a built-in scenario's
// description is diagnosed back to that scenario among its top three
// causes.
func TestBuiltinQuotes(t *testing.T) {
	t.Parallel()
	d, err := diagnose.New(diagnose.Options{Scenarios: library()})
	if err != nil {
		t.Fatal(err)
	}
	recognized := 0
	for _, sc := range scenarios.Builtins() {
		res, err := d.Read(strings.NewReader(sc.Description))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Failures {
			if f.Message != "" && len(answers.Reasons(0, f.Message)) == 0 && !strings.HasSuffix(f.Message, "...") && f.Status != 429 {
				// prose around the quotes, cut by a line break
				t.Logf("%s: not a client line: %q", sc.Name, f.Text)
				continue
			}
			recognized++
			var top []string
			for i, c := range f.Causes {
				if i == 3 {
					break
				}
				top = append(top, c.Scenarios...)
				top = append(top, c.Scenario)
			}
			if !slices.Contains(top, sc.Name) {
				t.Errorf("%s quotes %q: %s is not among the top three causes' scenarios %v", sc.Name, f.Text, sc.Name, top)
			}
		}
	}
	if recognized < 20 {
		t.Errorf("only %d quoted client lines recognized in the built-in descriptions", recognized)
	}
	t.Logf("%d quoted client lines diagnosed", recognized)
}

// TestWorkflowAddsAccountAndRepository: with the workflow's world and
// repository (as --workflow gives them), the fix names the user account's
// settings page and the repository; without them, both URLs and a
// placeholder.
func TestWorkflowAddsAccountAndRepository(t *testing.T) {
	t.Parallel()
	const log = "Error: POST https://ghcr.io/v2/octo-dev/tools/cli/blobs/uploads/: DENIED: permission_denied: write_package\n"
	w := authz.World{Owners: map[string]authz.Owner{"octo-dev": {Login: "octo-dev", Type: authz.User}}}
	for _, tc := range []struct {
		opts      diagnose.Options
		want, not string
	}{
		{diagnose.Options{Scenarios: library(), World: &w, Repository: "octo-dev/tools"}, "https://github.com/users/octo-dev/packages/container/tools%2Fcli/settings) -> Manage Actions access -> Add repository octo-dev/tools with role Write", "/orgs/"},
		{diagnose.Options{Scenarios: library()}, "https://github.com/orgs/octo-dev/packages/container/tools%2Fcli/settings, or https://github.com/users/octo-dev/packages/container/tools%2Fcli/settings if octo-dev is a user account", "acme"},
	} {
		res, err := diagnose.Read(strings.NewReader(log), tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Failures) != 1 || len(res.Failures[0].Causes) == 0 {
			t.Fatalf("failures: %+v", res.Failures)
		}
		fix := res.Failures[0].Causes[0].Fix
		if !strings.Contains(fix, tc.want) || strings.Contains(fix, tc.not) {
			t.Errorf("fix %q: want %q, not %q", fix, tc.want, tc.not)
		}
	}
}
