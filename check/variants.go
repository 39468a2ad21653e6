package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fakeghcr/fakeghcr/answers"
	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/clientlines"
	"github.com/fakeghcr/fakeghcr/workflows"
)

// variant is one plausible state of what the world does not describe.
type variant struct {
	world authz.World
	// labels by dimension: "repository" or a package name.
	labels map[string]string
	// repoDefault is the repository's default packages permission in this
	// variant (read or write).
	repoDefault authz.Role
}

// maxVariants bounds the states one finding is played in: the
// repository's states times those of the one package the finding reads or
// writes. Without a world a package has at most 3 states and the
// repository 2, so it binds only the unknown fields of an imported world
// (unknowns.go), whose further fields are then played in their strictest
// value, and say so.
const maxVariants = 64

// globalVariants builds the states every finding of a job depends on: the
// world as given, times the repository's default workflow permission when
// the world does not say it and the token depends on it, times the
// repository's unknown fields.
func (a *analyzer) globalVariants(dependsOnDefault bool) []variant {
	base := variant{world: a.world, labels: map[string]string{}, repoDefault: authz.RoleRead}
	repo, repoKnown := a.world.Repository(a.repo)
	if repoKnown && repo.WorkflowPermission.AtLeast(authz.RoleWrite) {
		base.repoDefault = authz.RoleWrite
	}
	vs := []variant{base}
	if dependsOnDefault && !repoKnown && a.repo != "" {
		vs = nil
		for _, d := range []authz.Role{authz.RoleRead, authz.RoleWrite} {
			w := base.world.Clone()
			w.Repositories[strings.ToLower(a.repo)] = authz.Repository{Name: strings.ToLower(a.repo), WorkflowPermission: d}
			label := "repository default workflow permission read (restricted, GitHub's default since 2023)"
			if d == authz.RoleWrite {
				label = "repository default workflow permission write (permissive)"
			}
			vs = append(vs, variant{world: w, labels: map[string]string{"repository": label}, repoDefault: d})
		}
	}
	return a.unknownStates(vs) // the repository's unknown fields (unknowns.go)
}

// statesOf lists the plausible states of one package of the job: those
// of its unknown fields when a world is given, each plausible state of it
// when no world is given; nil when the world settles it. played is the
// number of global variants each state is played in.
func (a *analyzer) statesOf(pkg string, pushed bool, played int) []pkgState {
	if a.opts.World != nil {
		return a.unknownPackageStates(pkg, played)
	}
	if _, ok := a.world.Package(pkg); ok {
		return nil
	}
	return a.packageStates(pkg, pushed)
}

// pkgState is one plausible state of one package: apply sets it in a
// world (and may set the package's owner's unknown fields).
type pkgState struct {
	label string
	apply func(w *authz.World)
}

// packageStates lists the plausible states of a package the world does
// not describe (statesOf picks them, or an imported world's unknown
// fields).
//
// What GitHub's defaults settle is not a state of its own but an
// assumption named beside the verdict (defaultsAssumed):
//   - a package of this repository's owner that the job pushes is new, or
//     was first published by this repository's workflow, which links it to
//     the repository [GitHub docs: "Connecting a repository to a package":
//     a workflow's first publish with GITHUB_TOKEN links the package];
//   - an organization's new packages inherit access from their source
//     repository [GitHub docs: "Configuring a package's access control and
//     visibility"].
//
// What neither settles stays open: a package of this owner that the job
// only pulls, under another name than the repository's, may come from
// another repository (granted or not) or be public; a package of another
// owner may be public, private, or granted to this repository.
func (a *analyzer) packageStates(pkg string, pushed bool) []pkgState {
	owner, name, _ := strings.Cut(pkg, "/")
	var states []pkgState
	add := func(label string, p authz.Principal, edit func(*authz.Package)) {
		states = append(states, pkgState{label: label, apply: func(w *authz.World) {
			np := authz.NewPackage(*w, p, pkg, "")
			if edit != nil {
				edit(&np)
			}
			w.Packages[pkg] = np
		}})
	}
	tok := authz.Principal{Credential: &authz.Credential{Name: "GITHUB_TOKEN", Kind: authz.GitHubToken, Repository: strings.ToLower(a.repo), Packages: authz.RoleWrite}}
	other := authz.Principal{Credential: &authz.Credential{Name: "GITHUB_TOKEN", Kind: authz.GitHubToken, Repository: owner + "/another-repository", Packages: authz.RoleWrite}}
	public := func(p *authz.Package) { p.Visibility = authz.Public }
	grant := func(role authz.Role) func(*authz.Package) {
		return func(p *authz.Package) {
			p.ActionsAccess = append(p.ActionsAccess, authz.RepoGrant{Repository: strings.ToLower(a.repo), Role: role})
		}
	}
	sameOwner := a.repo != "" && strings.EqualFold(ownerOf(a.repo), owner)
	_, repoName, _ := strings.Cut(strings.ToLower(a.repo), "/")
	ownName := name == repoName || strings.HasPrefix(name, repoName+"/")
	switch {
	case sameOwner && pushed:
		states = append(states, pkgState{label: "not published yet (this push creates it and links it to this repository)", apply: func(*authz.World) {}})
		add("published before by this repository's workflow (linked to it)", tok, nil)
		// A linked package's visibility is its own setting: an anonymous
		// read (a pull request that does not log in) depends on it.
		add("published before by this repository's workflow (linked to it) and public", tok, public)
	case sameOwner && ownName:
		add("published before by this repository's workflow (linked to it)", tok, nil)
		add("published before by this repository's workflow (linked to it) and public", tok, public)
	case sameOwner:
		add("published before by this repository's workflow (linked to it)", tok, nil)
		add(fmt.Sprintf("published by another repository of %s, private, without access for this repository", owner), other, nil)
		add(fmt.Sprintf("published by another repository of %s and public", owner), other, public)
	default:
		add(fmt.Sprintf("a public package of %s", owner), other, public)
		add(fmt.Sprintf("a private package of %s without access for this repository", owner), other, nil)
		role := authz.RoleRead
		if pushed {
			role = authz.RoleWrite
		}
		add(fmt.Sprintf("a private package of %s that grants this repository %s access (Manage Actions access)", owner, role), other, grant(role))
	}
	return states
}

// defaultsAssumed names the GitHub defaults a prediction for an
// undescribed package of this repository's owner rests on.
func (a *analyzer) defaultsAssumed(pkg string, pushed bool) []string {
	owner, _, _ := strings.Cut(pkg, "/")
	if a.repo == "" || !strings.EqualFold(ownerOf(a.repo), owner) {
		return nil
	}
	var out []string
	if pushed {
		out = append(out, fmt.Sprintf("GitHub default assumed: ghcr.io/%s is new or was first published by this repository's workflow, which linked it to %s; if it was first published with a personal access token or by another repository, this push is refused until the package grants %s write access (Package settings → Manage Actions access)", pkg, a.repo, a.repo))
	}
	if _, described := a.world.Owner(owner); !described {
		out = append(out, fmt.Sprintf("GitHub default assumed: if %s is an organization, its new packages inherit access from their source repository (if the organization turned \"Inherit access from source repository\" off, the package needs an explicit grant)", owner))
	}
	return out
}

func ownerOf(repo string) string {
	o, _, _ := strings.Cut(strings.ToLower(repo), "/")
	return o
}

// tokenPackages is the job's GITHUB_TOKEN packages permission: the job's
// permissions, else the workflow's; for a called workflow, never more
// than the caller grants. "" means the repository's default.
func tokenPackages(wf *workflows.Workflow, job *workflows.Job, c *call, repoDefault authz.Role) (authz.Role, string) {
	own, ownWhere := perms(wf, job)
	if c == nil {
		return own, ownWhere
	}
	caller, callerWhere := perms(c.wf, c.job)
	if caller == "" && own == "" {
		return "", "the caller's repository default"
	}
	if own == "" {
		return caller, callerWhere + " (the caller's)"
	}
	eff := caller
	if caller == "" {
		eff = repoDefault
	}
	if rank(own) < rank(eff) {
		return own, ownWhere + ", within what the caller grants"
	}
	return eff, callerWhere + " (the caller's; a called workflow cannot raise it)"
}

func perms(wf *workflows.Workflow, job *workflows.Job) (authz.Role, string) {
	p, where := job.Permissions, fmt.Sprintf("job %s permissions", job.ID)
	if p == nil {
		p, where = wf.Permissions, "workflow permissions"
	}
	if p == nil {
		return "", ""
	}
	where = fmt.Sprintf("%s (%s:%d, %s)", where, wf.File, p.Line, p.Form)
	switch p.Packages {
	case "read":
		return authz.RoleRead, where
	case "write":
		return authz.RoleWrite, where
	}
	return authz.PackagesNone, where
}

func rank(r authz.Role) int {
	switch r {
	case authz.RoleWrite:
		return 2
	case authz.RoleRead:
		return 1
	}
	return 0
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// merge sets f's answer from its results across variants: one answer when
// all agree, otherwise outcome unknown (or deny when every state denies)
// with the answer of each state listed.
func merge(f *Finding, rs []result, labels []string) {
	type group struct {
		r      result
		labels []string
	}
	var groups []*group
	for i, r := range rs {
		var g *group
		for _, x := range groups {
			if sameAnswer(x.r, r) {
				g = x
			}
		}
		if g == nil {
			g = &group{r: r}
			groups = append(groups, g)
		}
		if labels[i] != "" && !contains(g.labels, labels[i]) {
			g.labels = append(g.labels, labels[i])
		}
	}
	if len(groups) == 0 {
		return
	}
	if len(groups) == 1 {
		setResult(f, groups[0].r)
		if len(groups[0].labels) > 1 {
			f.Assumptions = append(f.Assumptions, "the same answer in every plausible state: "+strings.Join(groups[0].labels, " | "))
		} else if len(groups[0].labels) == 1 {
			f.Assumptions = append(f.Assumptions, "assumed: "+groups[0].labels[0])
		}
		return
	}
	allAllow := true
	for _, g := range groups {
		allAllow = allAllow && g.r.Outcome == Allow
	}
	if allAllow {
		// Allowed in every state, for different reasons: one answer.
		setResult(f, groups[0].r)
		var labels []string
		for _, g := range groups {
			labels = append(labels, g.labels...)
		}
		f.Assumptions = append(f.Assumptions, "allowed in every plausible state: "+strings.Join(labels, " | "))
		return
	}
	allDeny := true
	var firstDeny *result
	for _, g := range groups {
		if g.r.Outcome != Deny {
			allDeny = false
		} else if firstDeny == nil {
			firstDeny = &g.r
		}
		f.States = append(f.States, State{State: strings.Join(g.labels, " | "), Outcome: g.r.Outcome, Status: g.r.Status, Code: g.r.Code,
			Message: g.r.Message, Stage: string(g.r.Stage), Prints: g.r.prints, Reason: g.r.Reason, Explanation: g.r.Explanation, Fix: g.r.Fix})
	}
	sort.SliceStable(f.States, func(i, j int) bool { return f.States[i].Outcome == Deny && f.States[j].Outcome != Deny })
	if allDeny {
		setResult(f, groups[0].r)
		f.Explanation = "Refused in every plausible state (see states). " + f.Explanation
		return
	}
	f.Outcome = Unknown
	f.Explanation = "The answer depends on what the world does not describe (see states); run with --scenario to decide."
	if firstDeny != nil {
		f.Fix = firstDeny.Fix
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func sameAnswer(a, b result) bool {
	return a.Outcome == b.Outcome && a.Status == b.Status && a.Code == b.Code && a.Message == b.Message && a.Reason == b.Reason && a.Stage == b.Stage
}

func setResult(f *Finding, r result) {
	f.Outcome, f.Status, f.Code, f.Message = r.Outcome, r.Status, r.Code, r.Message
	f.Stage, f.Reason, f.Explanation, f.Fix = string(r.Stage), r.Reason, r.Explanation, r.Fix
	f.Prints = r.prints
}

// prints renders what the client prints for a denial.
func prints(client clientlines.Name, prefix string, stage clientlines.Stage, repo, tag string, r result) string {
	if r.Outcome != Deny || stage == "" {
		return ""
	}
	line, ok := clientlines.Print(client, stage, clientlines.PrintVars{Repo: repo, Tag: tag, Answer: answers.Answer{Status: r.Status, Code: r.Code, Message: r.Message}})
	if !ok {
		return ""
	}
	return prefix + line
}
