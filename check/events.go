package check

import (
	"fmt"

	"github.com/fakeghcr/fakeghcr/workflows"
)

// event is one way a workflow runs.
type event struct {
	name, base       string
	fork, dependabot bool
	// branch is the branch a Dependabot push or create runs for.
	branch string
	// paths: the push trigger also has a path filter.
	paths bool
}

// dependabotBranches are branch names Dependabot gives its updates
// (dependabot/<ecosystem>/[<directory>/]<dependency>-<version>, with the
// default "/" separator), tried in order against a push trigger's filters.
var dependabotBranches = []string{
	"dependabot/npm_and_yarn/lodash-4.17.21",
	"dependabot/github_actions/actions/checkout-4.1.7",
	"dependabot/docker/alpine-3.20.0",
	"dependabot/go_modules/golang.org/x/net-0.25.0",
	"dependabot/pip/requirements/requests-2.32.3",
}

// dependabotBranch returns the first of Dependabot's branch names a push
// trigger runs for, or "" when its filters keep them out (a branches
// filter without dependabot/..., branches-ignore: dependabot/**, tags
// only).
func dependabotBranch(f workflows.RefFilters) string {
	for _, b := range dependabotBranches {
		if f.RunsForBranch(b) {
			return b
		}
	}
	return ""
}

// eventsOf lists the events a workflow runs for. A pull_request runs three
// ways: from a branch of the repository, from a fork, and from Dependabot.
// A push also runs as Dependabot's when the trigger's filters let its
// dependabot/... branches through, and a create as Dependabot's creating
// them: GitHub treats those runs as Dependabot's (github.actor ==
// 'dependabot[bot]') [GitHub docs: "Troubleshooting Dependabot on GitHub
// Actions", which lists pull_request, pull_request_review,
// pull_request_review_comment, push, create, deployment and
// deployment_status].
func eventsOf(on []workflows.Trigger) []event {
	var out []event
	seen := map[string]bool{}
	add := func(e event) {
		if !seen[e.name] {
			seen[e.name] = true
			out = append(out, e)
		}
	}
	for _, t := range on {
		switch t.Event {
		case "pull_request":
			add(event{name: "pull_request", base: "pull_request"})
			add(event{name: "pull_request:fork", base: "pull_request", fork: true})
			add(event{name: "pull_request:dependabot", base: "pull_request", dependabot: true})
			continue
		case "push":
			add(event{name: "push", base: "push"})
			if b := dependabotBranch(t.Filters); b != "" {
				add(event{name: "push:dependabot", base: "push", dependabot: true, branch: b, paths: t.Filters.HasPaths()})
			}
			continue
		case "create":
			add(event{name: "create", base: "create"})
			add(event{name: "create:dependabot", base: "create", dependabot: true, branch: dependabotBranches[0]})
			continue
		}
		add(event{name: t.Event, base: t.Event})
	}
	return out
}

// dependabotAssumption names what a Dependabot run rests on: that
// Dependabot updates this repository at all, which the world leaves open.
// The run still counts for the exit status like a fork's pull request: it
// happens whenever Dependabot opens or updates a pull request.
func dependabotAssumption(ev event) string {
	const open = "it happens only if Dependabot version or security updates are enabled for this repository, a state the world leaves open"
	switch ev.base {
	case "push", "create":
		what := "push"
		if ev.base == "create" {
			what = "create"
		}
		s := fmt.Sprintf("a Dependabot run: this %s trigger runs for Dependabot's branches (such as %s); %s", what, ev.branch, open)
		if ev.paths {
			s += ", and only when the update changes a file the trigger's paths filter selects"
		}
		return s
	}
	return "a Dependabot run: " + open
}
