package registry

import (
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/authz"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenPackage is the package every golden answer is rendered for, so
// %OWNER% shows up as a real owner.
const goldenPackage = "acme/api"

// renderAnswers renders the one table, in authz.DenyReasons order, one line
// per reason: "reason status body" (the body's own "\n" ends the line).
func renderAnswers(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, r := range authz.DenyReasons() {
		a, ok := ghcrAnswer(r, goldenPackage)
		if !ok {
			t.Errorf("reason %s has no entry in answers' table", r)
			continue
		}
		fmt.Fprintf(&b, "%s %d %s", r, a.Status, a.body())
	}
	return b.Bytes()
}

// TestGHCRAnswersGolden walks answers' table (through ghcrAnswer) and compares every rendered
// answer with testdata/ghcr_answers.golden. Run with -update after a
// deliberate change and review the diff: each line is wire bytes.
func TestGHCRAnswersGolden(t *testing.T) {
	t.Parallel()
	got := renderAnswers(t)
	path := filepath.Join("testdata", "ghcr_answers.golden")
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGHCRAnswersGolden -update to create it)", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n")); diff != "" {
		t.Errorf("GHCR answers differ from %s (-golden +now):\n%s", path, diff)
	}
}

// TestGHCRAnswersTable checks the table's shape: exactly the deny reasons,
// 401s and only 401s challenge, codes match statuses, no details, and no
// placeholder left unreplaced.
func TestGHCRAnswersTable(t *testing.T) {
	t.Parallel()
	reasons := map[authz.Reason]bool{}
	for _, r := range authz.DenyReasons() {
		if reasons[r] {
			t.Errorf("authz.DenyReasons lists %s twice", r)
		}
		reasons[r] = true
	}
	for _, r := range authz.DenyReasons() {
		t.Run(string(r), func(t *testing.T) {
			t.Parallel()
			a, ok := ghcrAnswer(r, goldenPackage)
			if !ok {
				t.Fatalf("no entry")
			}
			wantCode := map[int]string{http.StatusUnauthorized: "UNAUTHORIZED", http.StatusForbidden: "DENIED", http.StatusNotFound: "NAME_UNKNOWN"}[a.Status]
			if wantCode == "" || a.Code != wantCode {
				t.Errorf("status %d code %q: GHCR's authorization answers are 401 UNAUTHORIZED, 403 DENIED or 404 NAME_UNKNOWN", a.Status, a.Code)
			}
			if a.Challenge != (a.Status == http.StatusUnauthorized) {
				t.Errorf("status %d with Challenge=%v: GHCR challenges on its 401s only", a.Status, a.Challenge)
			}
			if len(a.Details) != 0 {
				t.Errorf("details %v: GHCR's authorization errors carry no detail", a.Details)
			}
			if strings.TrimSpace(a.Message) == "" {
				t.Errorf("empty message")
			}
			rendered, _ := ghcrAnswer(r, "strict/app")
			if strings.Contains(rendered.Message, "%") {
				t.Errorf("message %q keeps a placeholder", rendered.Message)
			}
			body := rendered.body()
			if !bytes.HasSuffix(body, []byte("}]}\n")) || bytes.Contains(body, []byte("detail")) {
				t.Errorf("body %q: want compact JSON, no detail, one trailing newline", body)
			}
		})
	}
}

func TestGHCRAnswerOwnerPlaceholder(t *testing.T) {
	t.Parallel()
	a, ok := ghcrAnswer(authz.DenyClassicPATForbidden, "strict/app/sub")
	const want = "permission_denied: strict forbids access via a personal access token (classic). Please use a GitHub App, OAuth App, or a personal access token with fine-grained permissions."
	if !ok || a.Message != want {
		t.Errorf("got %q, want %q", a.Message, want)
	}
	// The table itself is not modified by rendering.
	if b, _ := ghcrAnswer(authz.DenyClassicPATForbidden, "other/app"); !strings.HasPrefix(b.Message, "permission_denied: other forbids") {
		t.Errorf("ghcrAnswer modified the table: %q", b.Message)
	}
}

// TestGHCRAnswerUnknownReason: an unknown reason is never an allowance.
func TestGHCRAnswerUnknownReason(t *testing.T) {
	t.Parallel()
	a, ok := ghcrAnswer(authz.Reason("no_such_reason"), goldenPackage)
	if ok || a.Status != http.StatusForbidden || a.Code != "DENIED" {
		t.Errorf("got %+v, %v; want a generic 403 DENIED and ok=false", a, ok)
	}
}

// TestAuthRequiredIs73Bytes: spec §1.1 [T2], content-length 73.
func TestAuthRequiredIs73Bytes(t *testing.T) {
	t.Parallel()
	const want = `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}` + "\n"
	anonymousPrivate, _ := ghcrAnswer(authz.DenyAnonymousPrivate, goldenPackage)
	for name, e := range map[string]*regError{
		"errAuthRequired": errAuthRequired, "anonymous_private": anonymousPrivate,
	} {
		if got := e.body(); string(got) != want || len(got) != 73 {
			t.Errorf("%s body %q (%d bytes), want %q (73 bytes)", name, got, len(got), want)
		}
	}
}

// TestTokenPostIs78Bytes: spec §10 Q3 [helm 5595c0d], content-length 78.
func TestTokenPostIs78Bytes(t *testing.T) {
	t.Parallel()
	const want = `{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}` + "\n"
	if got := errUnsupported.body(); string(got) != want || len(got) != 78 || errUnsupported.Status != http.StatusMethodNotAllowed {
		t.Errorf("%d %q (%d bytes), want 405 %q (78 bytes)", errUnsupported.Status, got, len(got), want)
	}
}
