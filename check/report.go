// Package check predicts, before a workflow runs, every answer GitHub
// Container Registry will give it: it reads .github/workflows (package
// workflows), finds each login, push and pull against ghcr.io, and plays
// each one, for each event that triggers the workflow, through the same
// authz decisions the fakeghcr server makes, in the order the step's
// client sends its requests.
//
// Where it knowingly differs from a real run: shell scripts are read, not
// run (only plain commands, VAR=value assignments, $VAR expansion and the
// usual lower-casing idioms are followed), and an expression or variable it
// cannot evaluate is reported as unresolved rather than guessed. When no
// world is given, or a package is not in it, each plausible state of the
// package is predicted separately.
package check

import (
	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/workflows"
)

// Options configure Run.
type Options struct {
	// Paths are workflow files or directories (read one level deep).
	Paths []string
	// Repository is the workflow's repository, OWNER/NAME, spelled as on
	// GitHub (case matters for ${{ github.repository }}). Empty means
	// unknown: what depends on it is reported unresolved.
	Repository string
	// World describes owners, repositories, packages and credentials. Nil
	// means none: every package is predicted in each plausible state. A
	// world is authoritative for packages: one it does not list does not
	// exist yet.
	World *authz.World
	// Limits bound the workflow files read (size, nesting).
	Limits workflows.Limits
	// MaxInteractions bounds the registry interactions read in one job
	// (default MaxInteractions).
	MaxInteractions int
	// RepoRoot is the repository's checkout, where local actions
	// (uses: ./path) are read from; empty means not available, and what a
	// local action does is reported unknown.
	RepoRoot string
	// AnonymousPrivateTokenStatus is the world's status for an anonymous
	// /token request of an existing non-public package: 401 (zero) or 403.
	AnonymousPrivateTokenStatus int
	// Unknowns are World's fields marked unknown (unknowns.go).
	Unknowns []UnknownField
}

// Report is what check found.
type Report struct {
	Files []string `json:"files"`
	// Warnings name what the world given does not describe (the
	// repository, its owner, a package): what depends on it is predicted
	// from GitHub's defaults, never silently allowed.
	Warnings []string  `json:"warnings"`
	Findings []Finding `json:"findings"`
}

// Finding is one predicted answer: one interaction of one step, for one
// event.
type Finding struct {
	File string `json:"file"`
	Line int    `json:"line"`
	// AlsoAt lists the other lines with exactly the same finding (the
	// same push repeated): grouped, not repeated.
	AlsoAt []int  `json:"also_at,omitempty"`
	Job    string `json:"job"`
	// Via names the calling job when the finding is in a reusable
	// workflow: "FILE:LINE job ID".
	Via   string `json:"via,omitempty"`
	Step  string `json:"step"`
	Event string `json:"event"`
	// Action is push, pull, login, or call (a reusable workflow check
	// could not read).
	Action string `json:"action"`
	// Image is ghcr.io/OWNER/NAME, without a tag, as written (after
	// evaluation); for a login, the registry.
	Image      string   `json:"image"`
	Tags       []string `json:"tags"`
	Client     string   `json:"client"`
	Tool       string   `json:"tool"`
	Credential string   `json:"credential"`
	Outcome    string   `json:"outcome"`
	// Status, Code and Message are GHCR's answer to the first refused
	// request (Status 0 for a failure in the client that GHCR never sees),
	// or the success status.
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Stage is the request refused: token, login, head_blob, upload_post,
	// manifest_get, or reference for a client-side failure.
	Stage string `json:"stage,omitempty"`
	// Prints is what the step's client prints for it, when known.
	Prints      string       `json:"prints,omitempty"`
	Reason      authz.Reason `json:"reason"`
	Explanation string       `json:"explanation"`
	Fix         string       `json:"fix"`
	Assumptions []string     `json:"assumptions"`
	// States lists the answer in each plausible state of what the world
	// does not describe, when they differ.
	States []State `json:"states,omitempty"`
}

// State is the answer in one plausible state.
type State struct {
	State       string       `json:"state"`
	Outcome     string       `json:"outcome"`
	Status      int          `json:"status"`
	Code        string       `json:"code,omitempty"`
	Message     string       `json:"message,omitempty"`
	Stage       string       `json:"stage,omitempty"`
	Prints      string       `json:"prints,omitempty"`
	Reason      authz.Reason `json:"reason,omitempty"`
	Explanation string       `json:"explanation,omitempty"`
	Fix         string       `json:"fix,omitempty"`
}

// Denied reports whether a finding is denied in every state the world
// leaves open: check's exit status 1. A denial only in Dependabot's own
// branch runs (push:dependabot, create:dependabot) depends on whether
// Dependabot updates are enabled for the repository, which neither the
// workflow nor the world says; it is reported, naming that condition, and
// does not count here.
func (r Report) Denied() bool {
	for _, f := range r.Findings {
		if f.Outcome == Deny && !dependabotBranchRun(f.Event) {
			return true
		}
	}
	return false
}

// dependabotBranchRun reports whether event is the run of a branch
// Dependabot pushed or created, which happens only when Dependabot updates
// are enabled.
func dependabotBranchRun(event string) bool {
	return event == "push:dependabot" || event == "create:dependabot"
}
