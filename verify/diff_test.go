package verify

import (
	"strings"
	"testing"
)

// TestAnswerDiff: the diff names each differing field with the expected
// and the actual value, and is empty when the answers agree.
func TestAnswerDiff(t *testing.T) {
	want := answer{Status: 403, Code: "DENIED", Message: "permission_denied: write_package", Reason: "actions_access_missing"}
	if d := want.diff(want); d != "" {
		t.Errorf("equal answers: diff %q", d)
	}
	got := answer{Status: 201, Code: "DENIED", Message: "", Reason: "create_package"}
	d := want.diff(got)
	for _, line := range []string{"  Status: -403 +201\n", "  Message: -\"permission_denied: write_package\" +\"\"\n", "  Reason: -\"actions_access_missing\" +\"create_package\"\n"} {
		if !strings.Contains(d, line) {
			t.Errorf("diff %q lacks %q", d, line)
		}
	}
	if strings.Contains(d, "Code") {
		t.Errorf("diff %q names Code, which agrees", d)
	}
}
