package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fakeghcr/fakeghcr/answers"
	"github.com/fakeghcr/fakeghcr/authz"
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

// maxVariants bounds the states played per job: the states of further
// undescribed packages are not played, and those packages are UNKNOWN
// (never truncated silently).
const maxVariants = 64

// variants builds the states to play a job in: the world as given, times
// the repository's default workflow permission when the world does not
// say it and the token depends on it, times each plausible state of every
// package the world does not describe.
func (a *analyzer) variants(pkgs []string, pushed, skip map[string]bool, dependsOnDefault bool) []variant {
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
	vs = a.unknownStates(vs, pkgs) // the world's unknown fields (unknowns.go)
	if a.opts.World != nil {
		return vs
	}
	for _, pkg := range pkgs {
		if _, ok := a.world.Package(pkg); ok || skip[pkg] {
			continue
		}
		var next []variant
		for _, v := range vs {
			for _, st := range a.packageStates(v.world, pkg, pushed[pkg]) {
				if len(next) >= maxVariants {
					break
				}
				labels := map[string]string{}
				for k, l := range v.labels {
					labels[k] = l
				}
				labels[pkg] = st.label
				next = append(next, variant{world: st.world, labels: labels, repoDefault: v.repoDefault})
			}
		}
		vs = next
	}
	return vs
}

type pkgState struct {
	label string
	world authz.World
}

// packageStates lists the plausible states of a package the world does
// not describe. This is where the states of a package come from: a world
// that marks a field unknown adds its states here.
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
func (a *analyzer) packageStates(w authz.World, pkg string, pushed bool) []pkgState {
	owner, name, _ := strings.Cut(pkg, "/")
	var states []pkgState
	add := func(label string, w authz.World, p authz.Principal, edit func(*authz.Package)) {
		w = w.Clone()
		np := authz.NewPackage(w, p, pkg, "")
		if edit != nil {
			edit(&np)
		}
		w.Packages[pkg] = np
		states = append(states, pkgState{label: label, world: w})
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
		states = append(states, pkgState{label: "not published yet (this push creates it and links it to this repository)", world: w})
		add("published before by this repository's workflow (linked to it)", w, tok, nil)
	case sameOwner && ownName:
		add("published before by this repository's workflow (linked to it)", w, tok, nil)
	case sameOwner:
		add("published before by this repository's workflow (linked to it)", w, tok, nil)
		add(fmt.Sprintf("published by another repository of %s, private, without access for this repository", owner), w, other, nil)
		add(fmt.Sprintf("published by another repository of %s and public", owner), w, other, public)
	default:
		add(fmt.Sprintf("a public package of %s", owner), w, other, public)
		add(fmt.Sprintf("a private package of %s without access for this repository", owner), w, other, nil)
		role := authz.RoleRead
		if pushed {
			role = authz.RoleWrite
		}
		add(fmt.Sprintf("a private package of %s that grants this repository %s access (Manage Actions access)", owner, role), w, other, grant(role))
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

// predictJob plays a job's interactions in every variant and groups the
// answers per interaction.
func (a *analyzer) predictJob(wf *workflows.Workflow, job *workflows.Job, ev event, c *call, items []found, jobAssume []string) []Finding {
	var pkgs []string
	pushed := map[string]bool{}
	for _, it := range items {
		for _, r := range it.in.refs {
			if rf, ok := parseRef(r); ok && isGHCR(rf.host) && resolved(rf.repo) && rf.repo == strings.ToLower(rf.repo) {
				if _, seen := pushed[rf.repo]; !seen {
					// A package the job reads before it pushes exists already.
					pushed[rf.repo] = it.in.action == ActionPush
					pkgs = append(pkgs, rf.repo)
				}
			}
		}
	}
	own, _ := perms(wf, job)
	dependsOnDefault := own == ""
	if c != nil {
		caller, _ := perms(c.wf, c.job)
		dependsOnDefault = caller == ""
	}
	// Each undescribed package multiplies the states; past
	// maxEnumerated of them a package is not predicted (unknown).
	skip := map[string]bool{}
	if a.opts.World == nil {
		product := 2 // the repository default's two states
		for _, pkg := range pkgs {
			if _, ok := a.world.Package(pkg); !ok {
				n := len(a.packageStates(a.world, pkg, pushed[pkg]))
				if product*n > maxVariants {
					skip[pkg] = true
					continue
				}
				product *= n
			}
		}
	}
	vs := a.variants(pkgs, pushed, skip, dependsOnDefault)
	// per finding key, the result in each variant
	type slot struct {
		f       Finding
		results []result
		labels  []string
	}
	var slots []*slot
	for vi, v := range vs {
		p := &player{a: a, wf: wf, job: job, ev: ev, call: c, world: v.world.Clone(), repoDefault: v.repoDefault, items: items, skip: skip}
		fs, rs := p.play()
		for i := range fs {
			if vi == 0 {
				slots = append(slots, &slot{f: fs[i]})
			}
			if i >= len(slots) {
				continue
			}
			var parts []string
			if l, ok := v.labels["repository"]; ok && fs[i].Credential != "" && strings.Contains(fs[i].Credential, "GITHUB_TOKEN") {
				parts = append(parts, l)
			}
			if rf, ok := parseRef(strings.TrimPrefix(fs[i].Image, "")); ok {
				if l, ok := v.labels[rf.repo]; ok {
					parts = append(parts, "package "+rf.repo+" "+l)
				}
			}
			slots[i].results = append(slots[i].results, rs[i])
			slots[i].labels = append(slots[i].labels, strings.Join(parts, "; "))
		}
	}
	var out []Finding
	defaults := map[string][]string{}
	for _, s := range slots {
		f := s.f
		f.Assumptions = append(append([]string{}, jobAssume...), f.Assumptions...)
		merge(&f, s.results, s.labels)
		if rf, ok := parseRef(f.Image); ok && f.Action != ActionLogin && a.opts.World == nil {
			_, described := a.world.Package(rf.repo)
			if _, inJob := pushed[rf.repo]; inJob && !described && !skip[rf.repo] {
				d, ok := defaults[rf.repo]
				if !ok {
					d = a.defaultsAssumed(rf.repo, pushed[rf.repo])
					defaults[rf.repo] = d
				}
				f.Assumptions = append(f.Assumptions, d...)
			}
		}
		out = append(out, f)
	}
	return out
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
func prints(client answers.Client, prefix string, stage answers.Stage, repo, tag string, r result) string {
	if r.Outcome != Deny || stage == "" {
		return ""
	}
	line, ok := answers.Render(client, stage, answers.Vars{Repo: repo, Tag: tag, Answer: answers.Answer{Status: r.Status, Code: r.Code, Message: r.Message}})
	if !ok {
		return ""
	}
	return prefix + line
}
