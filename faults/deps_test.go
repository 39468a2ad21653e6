package faults

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStandardLibraryOnly keeps faults free of other modules, so the
// scenario file format can embed its rules.
func TestStandardLibraryOnly(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg != "github.com/fakeghcr/fakeghcr/faults" {
			t.Errorf("faults depends on %s", pkg)
		}
	}
}
