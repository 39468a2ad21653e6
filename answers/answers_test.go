package answers

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/authz"
)

// TestTableMatchesRegistryGolden: registry writes its answers from this
// table; its golden file records the bytes for every reason and acme/api,
// so a change to the table shows here as well as there.
func TestTableMatchesRegistryGolden(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../registry/testdata/ghcr_answers.golden")
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		want = append(want, line)
	}
	for _, r := range authz.DenyReasons() {
		a, ok := For(r, "acme/api")
		if !ok {
			t.Errorf("reason %s has no answer", r)
		}
		got = append(got, fmt.Sprintf(`%s %d {"errors":[{"code":"%s","message":"%s"}]}`, r, a.Status, a.Code, a.Message))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers differ from registry/testdata/ghcr_answers.golden (-registry +answers):\n%s", diff)
	}
}

// TestTableOnlyDenyReasons: the table answers decisions' denials only.
func TestTableOnlyDenyReasons(t *testing.T) {
	t.Parallel()
	for r := range table {
		if !slices.Contains(authz.DenyReasons(), r) {
			t.Errorf("table has %s, which is not in authz.DenyReasons", r)
		}
	}
}

func TestReasons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status  int
		message string
		want    []authz.Reason
	}{
		{403, "permission_denied: write_package", []authz.Reason{authz.DenyWritePackage, authz.DenyActionsAccess}},
		{403, "permission_denied: acme forbids access via a personal access token (classic). Please use a GitHub App, OAuth App, or a personal access token with fine-grained permissions.", []authz.Reason{authz.DenyClassicPATForbidden}},
		{403, "installation not allowed to Create organization package", []authz.Reason{authz.DenyWorkflowCreate}},
		{404, "", []authz.Reason{authz.DenyNameUnknown}},
		{403, "nothing GHCR says", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Reasons(tt.status, tt.message)); diff != "" {
			t.Errorf("Reasons(%d, %q) (-want +got):\n%s", tt.status, tt.message, diff)
		}
	}
}
