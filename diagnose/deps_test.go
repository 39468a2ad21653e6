package diagnose

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoHTTPDependency keeps the package free of net/http, directly or
// through its imports: it reads and decides, it never talks to a registry.
func TestNoHTTPDependency(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "net/http" || strings.HasPrefix(pkg, "net/http/") {
			t.Errorf("diagnose depends on %s", pkg)
		}
	}
}
