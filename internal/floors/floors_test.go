package floors

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/fakeghcr/fakeghcr/"

// rule says what one package may not depend on, directly or through its
// imports.
type rule struct {
	pkg string
	// noHTTP: net/http and below are forbidden.
	noHTTP bool
	// stdlibOnly: nothing outside the standard library but the package itself.
	stdlibOnly bool
	// own lists the only packages of this module it may use (nil: any).
	own []string
	// forbidden lists module path prefixes it may not use.
	forbidden []string
}

var rules = []rule{
	{pkg: "storage", noHTTP: true},
	// answers is GHCR's answers only: what clients print for them is
	// clientlines' (which sits above it and reads its answers).
	{pkg: "answers", noHTTP: true, own: []string{"authz"}},
	{pkg: "clientlines", noHTTP: true, own: []string{"authz", "answers"}},
	{pkg: "workflows", noHTTP: true},
	{pkg: "check", noHTTP: true},
	{pkg: "diagnose", noHTTP: true},
	{pkg: "faults", stdlibOnly: true},
	{pkg: "restapi", own: []string{"authz", "storage"}, forbidden: []string{"github.com/go-chi/"}},
	// webui changes the world through registry.Server.Apply only: never
	// through the admin API's client or the CLI.
	{pkg: "webui", forbidden: []string{module + "adminclient", module + "cmd", module + "verify", module + "ghcrtest", module + "sandbox"}},
	// githubrest is a client: it writes worlds and never serves one.
	{pkg: "githubrest", own: []string{"authz", "scenarios", "faults", "internal/levenshtein"}},
}

// TestFloors checks every rule with go list -deps.
func TestFloors(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("no go tool on PATH: the floors cannot be checked")
	}
	for _, r := range rules {
		t.Run(r.pkg, func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command(goTool, "list", "-deps", "-f", "{{.Standard}} {{.ImportPath}}", module+r.pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", r.pkg, err)
			}
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				standard, dep, _ := strings.Cut(line, " ")
				if bad := r.refuses(standard == "true", dep); bad != "" {
					t.Errorf("%s depends on %s (%s)", r.pkg, dep, bad)
				}
			}
		})
	}
}

// refuses says why r forbids dep, or "".
func (r rule) refuses(standard bool, dep string) string {
	if dep == module+r.pkg {
		return ""
	}
	if r.noHTTP && (dep == "net/http" || strings.HasPrefix(dep, "net/http/")) {
		return "it reads and decides, it never speaks HTTP"
	}
	if r.stdlibOnly && !standard {
		return "standard library only, so scenario files can embed it"
	}
	if own, ok := strings.CutPrefix(dep, module); ok && r.own != nil && !contains(r.own, own) {
		return "only " + strings.Join(r.own, " and ") + " of this module"
	}
	for _, f := range r.forbidden {
		if strings.HasPrefix(dep, f) {
			return "forbidden here"
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestRulesCanFail makes sure each kind of rule refuses what it should.
func TestRulesCanFail(t *testing.T) {
	t.Parallel()
	cases := []struct {
		r        rule
		standard bool
		dep      string
	}{
		{rule{pkg: "check", noHTTP: true}, true, "net/http"},
		{rule{pkg: "check", noHTTP: true}, true, "net/http/httptest"},
		{rule{pkg: "faults", stdlibOnly: true}, false, "github.com/goccy/go-yaml"},
		{rule{pkg: "restapi", own: []string{"authz"}}, false, module + "registry"},
		{rule{pkg: "restapi", forbidden: []string{"github.com/go-chi/"}}, false, "github.com/go-chi/chi/v5"},
	}
	for _, c := range cases {
		if c.r.refuses(c.standard, c.dep) == "" {
			t.Errorf("%s: %s was allowed", c.r.pkg, c.dep)
		}
	}
	if why := (rule{pkg: "faults", stdlibOnly: true}).refuses(false, module+"faults"); why != "" {
		t.Errorf("a package was refused itself: %s", why)
	}
}
