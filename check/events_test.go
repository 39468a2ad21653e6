package check_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/check"
)

// dependabotJob pushes with the job's GITHUB_TOKEN; perms is its
// permissions block, if any.
func dependabotJob(on, perms string) string {
	return on + perms + `jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/login-action@v3
        with: {registry: ghcr.io, username: x, password: "${{ secrets.GITHUB_TOKEN }}"}
      - run: docker push ghcr.io/acme/api:edge
`
}

// TestDependabotEvents: push and create are also played as Dependabot's
// when the trigger lets its dependabot/... branches through; a Dependabot
// run's push is refused without a permissions block and allowed when the
// block asks for packages: write (GitHub docs, "Troubleshooting Dependabot
// on GitHub Actions").
func TestDependabotEvents(t *testing.T) {
	t.Parallel()
	const write = "permissions:\n  packages: write\n"
	for _, tc := range []struct {
		name, on, perms string
		// want maps each Dependabot event to its push's outcome; the
		// events not listed must not be played.
		want map[string]string
	}{
		{"push without a filter", "on: push\n", "", map[string]string{"push:dependabot": check.Deny}},
		{"push without a filter, packages: write", "on: push\n", write, map[string]string{"push:dependabot": check.Allow}},
		{"push to main only", "on:\n  push:\n    branches: [main]\n", "", nil},
		{"push ignoring dependabot/**", "on:\n  push:\n    branches-ignore: ['dependabot/**']\n", "", nil},
		{"push of tags only", "on:\n  push:\n    tags: ['v*']\n", "", nil},
		{"push of dependabot/** only", "on:\n  push:\n    branches: ['dependabot/**']\n", "", map[string]string{"push:dependabot": check.Deny}},
		{"create", "on: create\n", "", map[string]string{"create:dependabot": check.Deny}},
		{"create, packages: write", "on: create\n", write, map[string]string{"create:dependabot": check.Allow}},
		{"pull_request, packages: write", "on: pull_request\n", write, map[string]string{"pull_request:dependabot": check.Allow}},
		{"pull_request", "on: pull_request\n", "", map[string]string{"pull_request:dependabot": check.Deny}},
		{"schedule", "on: schedule\n", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := analyzeSource(t, dependabotJob(tc.on, tc.perms))
			got := map[string]string{}
			for _, f := range rep.Findings {
				if !strings.HasSuffix(f.Event, ":dependabot") {
					continue
				}
				if f.Action == check.ActionPush {
					got[f.Event] = f.Outcome
				}
				if !slices.ContainsFunc(f.Assumptions, func(a string) bool {
					return strings.HasPrefix(a, "a Dependabot run: ") && strings.Contains(a, "a state the world leaves open")
				}) {
					t.Errorf("%s %s: the open Dependabot state is not named: %q", f.Event, f.Action, f.Assumptions)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("Dependabot events %v, want %v", got, tc.want)
			}
			for ev, want := range tc.want {
				if got[ev] != want {
					t.Errorf("%s: push %q, want %q", ev, got[ev], want)
				}
			}
		})
	}
}

// TestDependabotRef: a Dependabot push runs on its own branch, so a job
// guarded by github.ref == 'refs/heads/main' is skipped there, and one
// guarded by github.actor != 'dependabot[bot]' too.
func TestDependabotRef(t *testing.T) {
	t.Parallel()
	for _, guard := range []string{"github.ref == 'refs/heads/main'", "github.actor != 'dependabot[bot]'", "${{ !startsWith(github.ref, 'refs/heads/dependabot/') }}"} {
		src := strings.Replace(dependabotJob("on: push\n", ""), "    runs-on:", "    if: "+guard+"\n    runs-on:", 1)
		for _, f := range analyzeSource(t, src).Findings {
			if f.Event == "push:dependabot" {
				t.Errorf("guard %s: the Dependabot push still runs: %s %s", guard, f.Action, f.Outcome)
			}
		}
	}
}
