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

// maxVariants bounds the states played per job.
const maxVariants = 256

// variants builds the states to play a job in: the world as given, times
// the repository's default workflow permission when the world does not
// say it and the token depends on it, times each plausible state of every
// package the world does not describe.
func (a *analyzer) variants(pkgs []string, dependsOnDefault bool) []variant {
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
		if _, ok := a.world.Package(pkg); ok {
			continue
		}
		var next []variant
		for _, v := range vs {
			for _, st := range a.packageStates(v.world, pkg) {
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
// not describe: not yet published, or published before by this
// repository's workflow (with the organization's inheritance default on or
// off), with a personal access token, or by another repository's workflow.
// Each earlier publish is made by authz.NewPackage, as the server makes it.
func (a *analyzer) packageStates(w authz.World, pkg string) []pkgState {
	owner, _, _ := strings.Cut(pkg, "/")
	states := []pkgState{{label: "not published yet (this push creates it)", world: w}}
	publish := func(label string, w authz.World, p authz.Principal) {
		w = w.Clone()
		w.Packages[pkg] = authz.NewPackage(w, p, pkg, "")
		states = append(states, pkgState{label: label, world: w})
	}
	if a.repo != "" && strings.EqualFold(ownerOf(a.repo), owner) {
		tok := authz.Principal{Credential: &authz.Credential{Name: "GITHUB_TOKEN", Kind: authz.GitHubToken, Repository: a.repo, Packages: authz.RoleWrite}}
		publish("published before by this repository's workflow", w, tok)
		if _, described := w.Owner(owner); !described {
			off := false
			wo := w.Clone()
			wo.Owners[owner] = authz.Owner{Login: owner, Type: authz.Organization, InheritAccessDefault: &off}
			publish("published before by this repository's workflow, in an organization whose default \"Inherit access from source repository\" is off", wo, tok)
		}
	}
	publish("published before with a personal access token (not linked to this repository)", w,
		authz.Principal{Credential: &authz.Credential{Name: "a-maintainer-pat", Kind: authz.ClassicPAT, User: "a-maintainer", Scopes: []string{"write:packages", "read:packages"}}})
	publish(fmt.Sprintf("published before by the workflow of another repository (%s/another-repository)", owner), w,
		authz.Principal{Credential: &authz.Credential{Name: "GITHUB_TOKEN", Kind: authz.GitHubToken, Repository: owner + "/another-repository", Packages: authz.RoleWrite}})
	return states
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
	for _, it := range items {
		for _, r := range it.in.refs {
			if rf, ok := parseRef(r); ok && isGHCR(rf.host) && resolved(rf.repo) && rf.repo == strings.ToLower(rf.repo) {
				pkgs = appendUnique(pkgs, rf.repo)
			}
		}
	}
	own, _ := perms(wf, job)
	dependsOnDefault := own == ""
	if c != nil {
		caller, _ := perms(c.wf, c.job)
		dependsOnDefault = caller == ""
	}
	vs := a.variants(pkgs, dependsOnDefault)
	// per finding key, the result in each variant
	type slot struct {
		f       Finding
		results []result
		labels  []string
	}
	var slots []*slot
	for vi, v := range vs {
		p := &player{a: a, wf: wf, job: job, ev: ev, call: c, world: v.world.Clone(), repoDefault: v.repoDefault, items: items}
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
	for _, s := range slots {
		f := s.f
		f.Assumptions = append(append([]string{}, jobAssume...), f.Assumptions...)
		merge(&f, s.results, s.labels)
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
			f.Assumptions = append(f.Assumptions, "the same answer in every plausible state the world does not describe")
		} else if len(groups[0].labels) == 1 {
			f.Assumptions = append(f.Assumptions, "assumed: "+groups[0].labels[0])
		}
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
