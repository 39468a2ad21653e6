package check_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/check"
	"github.com/fakeghcr/fakeghcr/scenarios"
	"github.com/fakeghcr/fakeghcr/workflows"
)

// The workflow pushes the repository's own package and pulls a public one
// (the docker/login-action + build-push-action shape of GitHub's
// "Publishing Docker images" guide,
// https://docs.github.com/actions/publishing-packages/publishing-docker-images).
const unknownsWorkflow = `on: push
permissions:
  packages: write
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/login-action@v3
        with:
          registry: ghcr.io
          username: ${{ github.actor }}
          password: ${{ secrets.GITHUB_TOKEN }}
      - run: docker pull ghcr.io/acme/base:1
      - uses: docker/build-push-action@v6
        with:
          push: true
          tags: ghcr.io/acme/api:latest
`

func importedWorld(t *testing.T, pkgFields string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse("imported.yaml", []byte(`owners:
  - {login: acme, type: organization, members: unknown, owners: unknown, inherit_access_default: unknown}
repositories:
  - {name: acme/api, id: 5, visibility: private, workflow_permission: unknown, collaborators: unknown}
packages:
  - name: acme/api
    visibility: private
    repository: acme/api
`+pkgFields+`
  - {name: acme/base, visibility: public, inherit_access: unknown, actions_access: unknown}
`))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func findings(t *testing.T, sc *scenarios.Scenario) map[string]check.Finding {
	t.Helper()
	wf, err := workflows.Read("publish.yml", []byte(unknownsWorkflow))
	if err != nil {
		t.Fatal(err)
	}
	var us []check.UnknownField
	for _, u := range sc.Unknowns {
		us = append(us, check.UnknownField{Section: u.Section, Name: u.Name, Key: u.Key})
	}
	rep := check.Analyze([]*workflows.Workflow{wf}, check.Options{Repository: "acme/api", World: &sc.World, Unknowns: us})
	out := map[string]check.Finding{}
	for _, f := range rep.Findings {
		out[f.Action+" "+f.Image] = f
	}
	return out
}

// TestUnknownFieldsPredicted: a push to a package whose Manage Actions
// access and inheritance are unknown is UNKNOWN, with a state per
// plausible value; each state's answer is the answer check gives when the
// world states that value; the pull of a public package is ALLOW whatever
// the unknowns (visibility decides it).
func TestUnknownFieldsPredicted(t *testing.T) {
	t.Parallel()
	got := findings(t, importedWorld(t, "    inherit_access: unknown\n    actions_access: unknown"))
	push, pull := got["push ghcr.io/acme/api"], got["pull ghcr.io/acme/base"]
	if pull.Outcome != check.Allow {
		t.Errorf("pull of a public package: %s (%s)", pull.Outcome, pull.Explanation)
	}
	if push.Outcome != check.Unknown || len(push.States) < 2 {
		t.Fatalf("push: %s with states %+v", push.Outcome, push.States)
	}
	byOutcome := map[string]string{}
	for _, s := range push.States {
		byOutcome[s.Outcome] += s.State + " | "
	}
	if !strings.Contains(byOutcome[check.Allow], "granting acme/api write") || !strings.Contains(byOutcome[check.Allow], "inheriting access from acme/api") {
		t.Errorf("allowing states: %q", byOutcome[check.Allow])
	}
	if !strings.Contains(byOutcome[check.Deny], "with no Manage Actions access for acme/api; not inheriting access from acme/api") {
		t.Errorf("denying states: %q", byOutcome[check.Deny])
	}
	// Each stated value, written into the world, gives that state's answer.
	for _, c := range []struct{ fields, want string }{
		{"    inherit_access: false", check.Deny},
		{"    inherit_access: true", check.Allow},
		{"    actions_access: [{repository: acme/api, role: write}]", check.Allow},
		{"    actions_access: [{repository: acme/api, role: read}]", check.Deny},
	} {
		sc := importedWorld(t, c.fields)
		// The repository's default decides nothing here (permissions: packages: write).
		if f := findings(t, sc)["push ghcr.io/acme/api"]; f.Outcome != c.want {
			t.Errorf("%s: %s, want %s (%s)", strings.TrimSpace(c.fields), f.Outcome, c.want, f.Explanation)
		}
	}
}

// TestUnknownExistence: a package GitHub answered 404 for may not exist
// yet or be private and hidden from the token that looked it up.
func TestUnknownExistence(t *testing.T) {
	t.Parallel()
	sc := importedWorld(t, "    inherit_access: true")
	delete(sc.World.Packages, "acme/base")
	sc.Unknowns = append(sc.Unknowns, scenarios.Unknown{Section: "packages", Name: "acme/base", Key: check.KeyExists})
	pull := findings(t, sc)["pull ghcr.io/acme/base"]
	if pull.Outcome == check.Allow || len(pull.States) < 2 {
		t.Fatalf("pull of a package GitHub did not show: %s %+v", pull.Outcome, pull.States)
	}
	var states []string
	for _, s := range pull.States {
		states = append(states, s.Outcome+": "+s.State)
	}
	joined := strings.Join(states, "\n")
	if !strings.Contains(joined, "not published yet (GitHub answered 404)") || !strings.Contains(joined, "hidden from the token") {
		t.Errorf("states:\n%s", joined)
	}
}

// TestUnknownFieldsManyPackages: a job pulling six private packages whose
// Manage Actions access and inheritance are unknown (6 states each, 6^6
// combinations) plays every state of each: no field is cut to its
// strictest value, and each pull is the pull of that package alone.
func TestUnknownFieldsManyPackages(t *testing.T) {
	t.Parallel()
	var world, steps strings.Builder
	world.WriteString("owners:\n  - {login: acme, type: organization}\nrepositories:\n  - {name: acme/api, id: 5, visibility: private, workflow_permission: read}\n  - {name: acme/tools, id: 6, visibility: private}\npackages:\n")
	for i := range 6 {
		fmt.Fprintf(&world, "  - {name: acme/tool%d, visibility: private, repository: acme/tools, inherit_access: unknown, actions_access: unknown}\n", i)
		fmt.Fprintf(&steps, "      - run: docker pull ghcr.io/acme/tool%d:1\n", i)
	}
	sc, err := scenarios.Parse("imported.yaml", []byte(world.String()))
	if err != nil {
		t.Fatal(err)
	}
	var us []check.UnknownField
	for _, u := range sc.Unknowns {
		us = append(us, check.UnknownField{Section: u.Section, Name: u.Name, Key: u.Key})
	}
	// The login-then-pull steps of GitHub's "Publishing Docker images" guide
	// (https://docs.github.com/actions/publishing-packages/publishing-docker-images).
	src := "on:\n  push:\n    branches: [main]\npermissions:\n  packages: read\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n" +
		"      - uses: docker/login-action@v3\n        with:\n          registry: ghcr.io\n          username: ${{ github.actor }}\n          password: ${{ secrets.GITHUB_TOKEN }}\n" + steps.String()
	wf, err := workflows.Read("pull.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	rep := check.Analyze([]*workflows.Workflow{wf}, check.Options{Repository: "acme/api", World: &sc.World, Unknowns: us})
	pulls := 0
	for _, f := range rep.Findings {
		if f.Action != check.ActionPull {
			continue
		}
		pulls++
		var states []string
		for _, s := range f.States {
			states = append(states, s.Outcome+": "+s.State)
		}
		joined := strings.Join(states, "\n")
		pkg := strings.TrimPrefix(f.Image, "ghcr.io/")
		if f.Outcome != check.Unknown || strings.Contains(joined, "too many states") ||
			!strings.Contains(joined, "allow: package "+pkg+" granting acme/api read (Manage Actions access); not inheriting access from acme/tools") ||
			!strings.Contains(joined, "deny: package "+pkg+" with no Manage Actions access for acme/api; not inheriting access from acme/tools") {
			t.Errorf("%s: %s, states:\n%s", f.Image, f.Outcome, joined)
		}
	}
	if pulls != 6 {
		t.Errorf("%d pulls, want 6", pulls)
	}
}
