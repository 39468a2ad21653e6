package check_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/check"
	"github.com/fakeghcr/fakeghcr/scenarios"
	"github.com/fakeghcr/fakeghcr/workflows"
)

// TestBuiltinScenarios: for every built-in scenario, a workflow that
// performs each of its expect entries (with the entry's credential, event
// and permissions, pushing with docker push as the scenario's verify does)
// is predicted exactly the scenario's answer.
func TestBuiltinScenarios(t *testing.T) {
	t.Parallel()
	for _, sc := range scenarios.Builtins() {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			world := sc.World.Clone()
			for i, e := range sc.Expect {
				src, repo, event := workflowFor(t, sc, e)
				wf, err := workflows.Read(fmt.Sprintf("expect-%d.yml", i), []byte(src))
				if err != nil {
					t.Fatalf("expect %q: generated workflow: %v\n%s", e.Name, err, src)
				}
				w := world.Clone()
				rep := check.Analyze([]*workflows.Workflow{wf}, check.Options{Repository: repo, World: &w,
					AnonymousPrivateTokenStatus: sc.Settings.AnonymousPrivateTokenStatus})
				f, ok := findingFor(rep, e, event)
				if !ok {
					t.Errorf("expect %q: no %s finding for event %s in\n%s\nfindings: %+v", e.Name, e.Action, event, src, rep.Findings)
					continue
				}
				type answer struct {
					Status        int
					Code, Message string
					Reason        authz.Reason
				}
				want := answer{e.Status, e.Code, e.Message, e.Reason}
				got := answer{f.Status, f.Code, f.Message, f.Reason}
				if e.Reason == "" {
					got.Reason = ""
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("expect %q: check predicts (-scenario +check):\n%s\nworkflow:\n%s\nexplanation: %s", e.Name, diff, src, f.Explanation)
				}
				// A successful first push creates the package, as on the server.
				if e.Action == scenarios.ActionPush && e.Status < 400 {
					if _, exists := world.Package(e.Package); !exists {
						var p authz.Principal
						if c, ok := sc.Credential(e.Credential); ok {
							p.Credential = &c
						}
						world.Packages[strings.ToLower(e.Package)] = authz.NewPackage(world, p, e.Package, "")
					}
				}
			}
		})
	}
}

// workflowFor writes a workflow performing e, and returns it with the
// repository it runs in and the event whose finding answers e.
func workflowFor(t *testing.T, sc *scenarios.Scenario, e scenarios.Expect) (src, repo, event string) {
	t.Helper()
	var b strings.Builder
	repo, event = "scenario-test/ci", "push"
	on := "push"
	var login string
	if e.Credential != "" {
		c, ok := sc.Credential(e.Credential)
		if !ok {
			t.Fatalf("unknown credential %q", e.Credential)
		}
		password := "${{ secrets." + c.Name + " }}"
		if c.Kind == authz.GitHubToken {
			password = "${{ secrets.GITHUB_TOKEN }}"
			repo = c.Repository
			if c.Event != "" {
				on, event = c.Event, c.Event
			}
			switch {
			case c.Fork:
				on, event = "pull_request", "pull_request:fork"
			case c.Dependabot && (c.Event == "push" || c.Event == "create"):
				on, event = c.Event, c.Event+":dependabot"
			case c.Dependabot:
				on, event = "pull_request", "pull_request:dependabot"
			}
		}
		login = "      - uses: docker/login-action@v3\n        with:\n          registry: ghcr.io\n          username: ${{ github.actor }}\n          password: " + password + "\n"
		if c.Kind == authz.GitHubToken {
			switch c.Packages {
			case authz.RoleRead, authz.RoleWrite:
				fmt.Fprintf(&b, "permissions:\n  packages: %s\n", c.Packages)
			case authz.PackagesNone:
				b.WriteString("permissions:\n  contents: read\n")
			}
		}
	}
	fmt.Fprintf(&b, "on: %s\njobs:\n  job:\n    runs-on: ubuntu-latest\n    steps:\n%s", on, login)
	switch e.Action {
	case scenarios.ActionPush:
		fmt.Fprintf(&b, "      - run: docker push ghcr.io/%s:%s\n", e.Package, e.Tag)
	case scenarios.ActionPull:
		fmt.Fprintf(&b, "      - run: docker pull ghcr.io/%s:%s\n", e.Package, e.Tag)
	}
	if login == "" && e.Action == scenarios.ActionLogin {
		t.Fatalf("a login without a credential")
	}
	return b.String(), repo, event
}

func findingFor(rep check.Report, e scenarios.Expect, event string) (check.Finding, bool) {
	for _, f := range rep.Findings {
		if f.Event != event || f.Action != e.Action {
			continue
		}
		if e.Action != scenarios.ActionLogin && f.Image != "ghcr.io/"+e.Package {
			continue
		}
		return f, true
	}
	return check.Finding{}, false
}
