package verify_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
	"github.com/fakeghcr/fakeghcr/verify"
)

// TestBuiltins verifies every built-in scenario against an in-process
// server, one server per scenario, entries in order.
func TestBuiltins(t *testing.T) {
	t.Parallel()
	all := scenarios.Builtins()
	if len(all) != len(scenarios.Names()) {
		t.Fatalf("Builtins() returned %d scenarios, Names() %d: a built-in does not parse", len(all), len(scenarios.Names()))
	}
	for _, sc := range all {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			results, err := verify.Run(ctx, sc, verify.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(results) != len(sc.Expect) {
				t.Fatalf("%d results for %d expectations", len(results), len(sc.Expect))
			}
			for _, r := range results {
				if !r.Pass {
					t.Errorf("%s\n  (-want +got):\n%s  client error: %v", r, r.Diff, r.Err)
				} else if r.Note != "" {
					t.Logf("%s (%s)", r, r.Note)
				}
			}
		})
	}
}

// TestRunAgainstServer plays a scenario against an already running server,
// with and without the admin token.
func TestRunAgainstServer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		adminToken string
		wantNote   bool
	}{
		{"with admin token", "T", false},
		{"without admin token", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, err := registry.New(registry.Options{Scenario: scenarios.Default(), AdminToken: "T"})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(srv)
			t.Cleanup(ts.Close)
			results, err := verify.Run(t.Context(), scenarios.Default(), verify.Options{BaseURL: ts.URL, AdminToken: tc.adminToken})
			if err != nil {
				t.Fatal(err)
			}
			notes := 0
			for _, r := range results {
				if !r.Pass {
					t.Errorf("%s\n%s", r, r.Diff)
				}
				if r.Note != "" {
					notes++
				}
			}
			if (notes > 0) != tc.wantNote {
				t.Errorf("%d results with a note, want notes: %v", notes, tc.wantNote)
			}
		})
	}
}

// TestRunReportsMismatch checks that a wrong expectation fails with a diff
// naming both answers.
func TestRunReportsMismatch(t *testing.T) {
	t.Parallel()
	sc := scenarios.Default()
	sc.Expect = []scenarios.Expect{
		{Name: "wrong status", Credential: "workflow", Action: scenarios.ActionPush, Package: "acme/api", Status: 201},
		{Name: "wrong reason", Credential: "workflow", Action: scenarios.ActionPush, Package: "acme/api",
			Status: 403, Code: "DENIED", Message: "permission_denied: write_package", Reason: "write_package"},
		{Name: "wrong allowed reason", Credential: "alice", Action: scenarios.ActionPush, Package: "acme/api", Tag: "x",
			Status: 201, Reason: "public_read"},
	}
	results, err := verify.Run(t.Context(), sc, verify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, wantInDiff := range []string{"403", "actions_access_missing", "public_read"} {
		r := results[i]
		if r.Pass {
			t.Errorf("%s passed, want a failure", r)
		}
		if !strings.Contains(r.Diff, wantInDiff) {
			t.Errorf("%s: diff %q does not mention %q", r, r.Diff, wantInDiff)
		}
	}
}

func TestRunUnreachable(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.NotFoundHandler())
	ts.Close()
	if _, err := verify.Run(t.Context(), scenarios.Default(), verify.Options{BaseURL: ts.URL}); err == nil {
		t.Error("Run against a closed server: no error")
	}
}

func ExampleRun() {
	sc, err := scenarios.Parse("seed.yaml", []byte(`name: seed
owners:
  - {login: acme, type: organization, members: [alice], owners: [alice]}
  - {login: alice, type: user}
repositories:
  - {name: acme/api}
packages:
  - {name: acme/api, visibility: public, tags: [latest]}
credentials:
  - {name: workflow, secret: ghs_w, type: github_token, repository: acme/api, packages: write}
  - {name: alice, secret: ghp_a, type: classic_pat, user: alice, scopes: ["write:packages"]}
expect:
  - {name: the workflow is refused, credential: workflow, action: push, package: acme/api, status: 403,
     code: DENIED, message: "permission_denied: write_package", reason: actions_access_missing}
  - {name: alice pushes, credential: alice, action: push, package: acme/api, tag: v2, status: 201}
  - {name: anyone pulls it, action: pull, package: acme/api, tag: v2, status: 200, reason: public_read}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	results, err := verify.Run(context.Background(), sc, verify.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range results {
		fmt.Println(r)
	}
	// Output:
	// PASS seed/the workflow is refused: 403 DENIED permission_denied: write_package
	// PASS seed/alice pushes: 201
	// PASS seed/anyone pulls it: 200
}

// TestHeadFirst: a credential that may not read a private package is
// refused at crane's blob HEAD (403, no body), and at the upload POST with
// GHCR's body when the layer is streamed (the default).
func TestHeadFirst(t *testing.T) {
	t.Parallel()
	const world = `name: private-seed
owners:
  - {login: acme, type: organization, members: [alice], owners: [alice]}
  - {login: alice, type: user}
repositories:
  - {name: acme/api}
packages:
  - {name: acme/api, visibility: private}
credentials:
  - {name: workflow, secret: ghs_w, type: github_token, repository: acme/api, packages: write}
expect:
  - name: refused
    credential: workflow
    action: push
    package: acme/api
    status: 403
    code: DENIED
    message: "permission_denied: write_package"
    reason: actions_access_missing
`
	for _, tc := range []struct {
		name        string
		headFirst   bool
		wantPass    bool
		wantRequest string
		wantReason  string
	}{
		{"streamed", false, true, "POST /v2/acme/api/blobs/uploads/", "actions_access_missing"},
		{"head first", true, false, "HEAD /v2/acme/api/blobs/sha256:", "workflow_read_not_granted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc, err := scenarios.Parse("private-seed.yaml", []byte(world))
			if err != nil {
				t.Fatal(err)
			}
			results, err := verify.Run(t.Context(), sc, verify.Options{HeadFirst: tc.headFirst})
			if err != nil {
				t.Fatal(err)
			}
			r := results[0]
			if r.Pass != tc.wantPass || !strings.HasPrefix(r.Request, tc.wantRequest) || r.Reason != tc.wantReason || r.Status != 403 {
				t.Errorf("got %s (request %q, reason %q), want pass=%v request %q reason %q",
					r, r.Request, r.Reason, tc.wantPass, tc.wantRequest, tc.wantReason)
			}
		})
	}
}

// TestRunNothingToVerify: a scenario without expect entries is an error
// naming the scenario, not "0 passed, 0 failed".
func TestRunNothingToVerify(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Parse("empty-expect.yaml", []byte("owners:\n  - login: acme\n    type: organization\n"))
	if err != nil {
		t.Fatal(err)
	}
	results, err := verify.Run(context.Background(), sc, verify.Options{})
	if !errors.Is(err, verify.ErrNothingToVerify) || len(results) != 0 {
		t.Fatalf("Run = %v, %v; want no results and ErrNothingToVerify", results, err)
	}
	if want := `scenario "empty-expect" has no expect entries`; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

// TestRunRefusesWhatIsNotFakeghcr: a server that answers its admin health
// check with anything but 200 is named as not a fakeghcr, and an address
// nothing listens on as unreachable, before any expect is played.
func TestRunRefusesWhatIsNotFakeghcr(t *testing.T) {
	t.Parallel()
	other := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(other.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name, url, want string
	}{
		{"not fakeghcr", other.URL, "is not a fakeghcr: GET /_fakeghcr/healthz answered 404 Not Found"},
		{"unreachable", closed.URL, "verify: cannot reach fakeghcr at " + closed.URL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := verify.Run(t.Context(), scenarios.Default(), verify.Options{BaseURL: tc.url, Timeout: 5 * time.Second})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run against %s: %v, want an error containing %q", tc.url, err, tc.want)
			}
		})
	}
}
