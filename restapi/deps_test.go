package restapi

import (
	"os/exec"
	"strings"
	"testing"
)

// TestFloors keeps restapi beside the registry, not inside or above it: it
// may use authz and storage of fakeghcr, and no router: it is one handler.
func TestFloors(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	allowed := map[string]bool{
		"github.com/fakeghcr/fakeghcr/restapi": true,
		"github.com/fakeghcr/fakeghcr/authz":   true,
		"github.com/fakeghcr/fakeghcr/storage": true,
	}
	for _, pkg := range strings.Fields(string(out)) {
		own := strings.HasPrefix(pkg, "github.com/fakeghcr/fakeghcr/")
		if own && !allowed[pkg] || strings.HasPrefix(pkg, "github.com/go-chi/") {
			t.Errorf("restapi depends on %s", pkg)
		}
	}
}
