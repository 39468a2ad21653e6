package check

import (
	"fmt"
	"maps"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/clientlines"
	"github.com/fakeghcr/fakeghcr/workflows"
)

// Run reads the workflow files at opts.Paths and analyzes them. An
// unreadable or invalid file is a *workflows.Error (file:line:col).
func Run(opts Options) (Report, error) {
	files, err := workflows.Files(opts.Paths)
	if err != nil {
		return Report{}, err
	}
	wfs := make([]*workflows.Workflow, len(files))
	errs := make([]error, len(files))
	parallel(len(files), func(i int) {
		wfs[i], errs[i] = workflows.ReadFileLimited(files[i], opts.Limits)
	})
	for _, err := range errs {
		if err != nil {
			return Report{}, err // the first file's error, in file order
		}
	}
	a := &analyzer{opts: opts, wfs: wfs}
	rep := a.analyze()
	if a.err != nil {
		return Report{}, a.err
	}
	return rep, nil
}

// parallel runs f(0..n-1) on as many goroutines as there are CPUs.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}

// Analyze predicts the answers for already-read workflows. A job over
// the interaction limit is cut at the limit, with a warning.
func Analyze(wfs []*workflows.Workflow, opts Options) Report {
	a := &analyzer{opts: opts, wfs: wfs}
	rep := a.analyze()
	if a.err != nil {
		rep.Warnings = append(rep.Warnings, a.err.Error())
	}
	return rep
}

func (a *analyzer) analyze() Report {
	opts := a.opts
	wfs := a.wfs
	a.repo = opts.Repository
	if opts.World != nil {
		a.world = opts.World.Clone()
	} else {
		a.world = authz.World{Owners: map[string]authz.Owner{}, Repositories: map[string]authz.Repository{}, Packages: map[string]authz.Package{}}
	}
	rep := Report{Findings: []Finding{}}
	called := a.calledLocally()
	// Workflows are analyzed side by side (each reads the world, none
	// writes it) and their findings joined in file order.
	// Repeats are grouped per workflow, side by side too: findings that
	// say the same share their file and caller (Via), so they all come
	// from the analysis of one workflow.
	perFile := make([][]Finding, len(wfs))
	parallel(len(wfs), func(i int) { perFile[i] = groupRepeated(a.analyzeWorkflow(wfs[i], called)) })
	n := 0
	for _, fs := range perFile {
		n += len(fs)
	}
	rep.Files = make([]string, 0, len(wfs))
	rep.Findings = make([]Finding, 0, n)
	for i, wf := range wfs {
		rep.Files = append(rep.Files, wf.File)
		rep.Findings = append(rep.Findings, perFile[i]...)
	}
	rep.Warnings = a.warnings(rep.Findings)
	for i := range rep.Findings {
		// JSON readers get lists, never null.
		if rep.Findings[i].Tags == nil {
			rep.Findings[i].Tags = []string{}
		}
		if rep.Findings[i].Assumptions == nil {
			rep.Findings[i].Assumptions = []string{}
		}
	}
	return rep
}

// analyzeWorkflow predicts every job of one workflow for each event.
func (a *analyzer) analyzeWorkflow(wf *workflows.Workflow, called map[string]bool) []Finding {
	var out []Finding
	for _, ev := range eventsOf(wf.On) {
		if ev.base == "workflow_call" && called[wf.File] {
			continue // analyzed with each caller's events and token
		}
		for _, job := range wf.Jobs {
			if job.Uses.Text == "" {
				out = append(out, a.runJob(wf, job, ev, nil)...)
				continue
			}
			if callee := a.local(job.Uses.Text); callee != nil {
				for _, cj := range callee.Jobs {
					if cj.Uses.Text == "" {
						out = append(out, a.runJob(callee, cj, ev, &call{wf: wf, job: job})...)
					}
				}
				continue
			}
			if ok, known := a.scope(wf, job, ev, nil, nil).condition(job.If.Text); known && !ok {
				continue // the calling job does not run for this event
			}
			out = append(out, a.unreadCall(wf, job, ev))
		}
	}
	return out
}

type analyzer struct {
	// mu guards err: workflows are analyzed side by side.
	mu sync.Mutex
	// err is the first limit exceeded: Run returns it.
	err   error
	opts  Options
	wfs   []*workflows.Workflow
	repo  string
	world authz.World
}

// MaxInteractions is the default bound on registry interactions read in
// one job: beyond it the file is refused (a hostile file of repeated
// pushes), not analyzed.
const MaxInteractions = 10000

func (a *analyzer) maxInteractions() int {
	if a.opts.MaxInteractions > 0 {
		return a.opts.MaxInteractions
	}
	return MaxInteractions
}

func (a *analyzer) fail(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err == nil {
		a.err = err
	}
}

// call is a job of another workflow calling a reusable workflow.
type call struct {
	wf  *workflows.Workflow
	job *workflows.Job
}

// local finds a reusable workflow called as ./.github/workflows/x.yml
// among the files read.
func (a *analyzer) local(uses string) *workflows.Workflow {
	if !strings.HasPrefix(uses, "./") {
		return nil
	}
	want := path.Clean(strings.TrimPrefix(uses, "./"))
	for _, wf := range a.wfs {
		f := path.Clean(strings.ReplaceAll(wf.File, "\\", "/"))
		if f == want || strings.HasSuffix(f, "/"+want) || path.Base(f) == path.Base(want) && !strings.Contains(f, "/.github/") {
			return wf
		}
	}
	return nil
}

func (a *analyzer) calledLocally() map[string]bool {
	out := map[string]bool{}
	for _, wf := range a.wfs {
		for _, j := range wf.Jobs {
			if c := a.local(j.Uses.Text); c != nil {
				out[c.File] = true
			}
		}
	}
	return out
}

// step is one interaction found in a step, with what is assumed about it.
type found struct {
	in          interaction
	step        *workflows.Step
	stepName    string
	assumptions []string
}

// runJob predicts every interaction of one job for one event.
func (a *analyzer) runJob(wf *workflows.Workflow, job *workflows.Job, ev event, c *call) []Finding {
	var out []Finding
	for _, combo := range matrixCombos(job.Matrix, job.MatrixInclude) {
		sc := a.scope(wf, job, ev, c, combo)
		var jobAssume []string
		if c != nil {
			jobAssume = append(jobAssume, fmt.Sprintf("called from job %q of %s: the caller's repository and GITHUB_TOKEN", c.job.ID, c.wf.File))
		} else if ev.base == "workflow_call" {
			jobAssume = append(jobAssume, "called from a workflow of the same repository; a caller in another repository runs it with its own repository's GITHUB_TOKEN")
		}
		if c != nil {
			// The calling job's if: decides whether the called workflow runs.
			if ok, known := a.scope(c.wf, c.job, ev, nil, nil).condition(c.job.If.Text); known && !ok {
				return nil
			} else if !known {
				jobAssume = append(jobAssume, fmt.Sprintf("the calling job runs only if %q (not evaluated)", c.job.If.Text))
			}
		}
		if ok, known := sc.condition(job.If.Text); known && !ok {
			continue
		} else if !known {
			jobAssume = append(jobAssume, fmt.Sprintf("the job runs only if %q (not evaluated)", job.If.Text))
		}
		if len(combo) > 0 {
			jobAssume = append(jobAssume, "matrix "+comboString(combo))
		}
		if ev.dependabot {
			jobAssume = append(jobAssume, dependabotAssumption(ev))
		}
		jobAssume = append(jobAssume, sc.assumed...)
		items := a.interactions(wf, job, sc)
		out = append(out, a.predictJob(wf, job, ev, c, items, jobAssume)...)
	}
	return out
}

// closable reports whether a workflow's pull_request trigger runs for
// closed pull requests (types: includes closed); the default types are
// opened, synchronize and reopened [GitHub docs: "Events that trigger
// workflows", pull_request].
func closable(on []workflows.Trigger) bool {
	for _, t := range on {
		if t.Event == "pull_request" && slices.Contains(t.Types, "closed") {
			return true
		}
	}
	return false
}

// scope builds what expressions can see in a job for an event.
func (a *analyzer) scope(wf *workflows.Workflow, job *workflows.Job, ev event, c *call, combo map[string]string) *scope {
	sc := &scope{ctx: map[string]string{}}
	set := func(k, v string) { sc.ctx[strings.ToLower(k)] = v }
	set("github.event_name", ev.base)
	set("github.server_url", "https://github.com")
	sc.typed = map[string]val{}
	if a.repo != "" {
		owner, name, _ := strings.Cut(a.repo, "/")
		set("github.repository", a.repo)
		set("github.repository_owner", owner)
		set("github.event.repository.name", name)
		set("github.event.repository.full_name", a.repo)
		set("github.event.repository.owner.login", owner)
		head := a.repo
		if ev.fork {
			head = "a-fork-owner/" + name
		}
		if ev.base == "pull_request" || ev.base == "pull_request_target" {
			set("github.event.pull_request.head.repo.full_name", head)
			sc.typed["github.event.pull_request.head.repo.fork"] = val{kind: 'b', b: ev.fork}
		}
	}
	// github.ref per event: a pull request runs on its merge ref, so a
	// condition on a branch or tag ref is false there [GitHub docs:
	// "Events that trigger workflows", GITHUB_REF per event].
	if ev.base == "pull_request" {
		set("github.ref", "refs/pull/N/merge")
		set("github.ref_type", "branch")
		if !closable(wf.On) {
			// Only a closed pull request can be merged; with types:
			// [closed] merged is open (true for merges).
			sc.typed["github.event.pull_request.merged"] = val{kind: 'b'}
		}
	}
	if ev.base != "pull_request" && ev.base != "pull_request_target" {
		sc.null = append(sc.null, "github.event.pull_request", "github.head_ref", "github.base_ref")
	}
	if ev.base != "workflow_dispatch" && ev.base != "workflow_call" {
		// inputs is empty outside workflow_dispatch and workflow_call.
		if c == nil {
			sc.null = append(sc.null, "inputs", "github.event.inputs")
		}
	}
	if ev.dependabot {
		set("github.actor", "dependabot[bot]")
		set("github.triggering_actor", "dependabot[bot]")
		if ev.branch != "" {
			// The branch's full name is Dependabot's choice; github.ref
			// is enough for conditions on the branch (a tag, main). Its
			// ref_name stays unknown: an image tag built from it is not
			// evaluated as one of these names.
			set("github.ref", "refs/heads/"+ev.branch)
			set("github.ref_type", "branch")
		}
	}
	for k, v := range combo {
		set("matrix."+k, v)
	}
	if c != nil {
		for _, w := range c.job.With {
			set("inputs."+w.Name, a.callerValue(c, ev, w.Value.Text))
		}
	}
	for _, v := range wf.Env {
		set("env."+v.Name, sc.interpolate(v.Value.Text))
	}
	for _, v := range job.Env {
		set("env."+v.Name, sc.interpolate(v.Value.Text))
	}
	return sc
}

// callerValue evaluates a with: value in the caller's scope.
func (a *analyzer) callerValue(c *call, ev event, text string) string {
	return a.scope(c.wf, c.job, ev, nil, nil).interpolate(text)
}

// matrixCombos lists a job's matrix combinations (at most maxCombos):
// the product of its lists, then each include entry added to the
// combinations it fits (it overwrites none of their list values) or, when
// it fits none, as a combination of its own, as GitHub expands them
// [GitHub docs: "Expanding or adding matrix configurations"].
func matrixCombos(m map[string][]workflows.Value, include []map[string]workflows.Value) []map[string]string {
	combos := []map[string]string{{}}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	const maxCombos = 16
	for _, k := range keys {
		var next []map[string]string
		for _, c := range combos {
			for _, v := range m[k] {
				if len(next) == maxCombos {
					break
				}
				n := maps.Clone(c)
				n[k] = v.Text
				next = append(next, n)
			}
		}
		if len(next) > 0 {
			combos = next
		}
	}
	if len(m) == 0 && len(include) > 0 {
		combos = nil
	}
	base := len(combos)
	for _, inc := range include {
		fitted := false
		for _, c := range combos[:base] {
			fits := true
			for k, v := range inc {
				if _, isList := m[k]; isList && c[k] != v.Text {
					fits = false
				}
			}
			if fits && len(m) > 0 {
				fitted = true
				for k, v := range inc {
					if _, isList := m[k]; !isList {
						c[k] = v.Text
					}
				}
			}
		}
		if !fitted && len(combos) < maxCombos {
			n := map[string]string{}
			for k, v := range inc {
				n[k] = v.Text
			}
			combos = append(combos, n)
		}
	}
	if len(combos) == 0 {
		combos = []map[string]string{{}}
	}
	return combos
}

func comboString(c map[string]string) string {
	var parts []string
	for k, v := range c {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// interactions finds, in order, the registry interactions of a job.
func (a *analyzer) interactions(wf *workflows.Workflow, job *workflows.Job, sc *scope) []found {
	var out []found
	images := []*workflows.Image{}
	if job.Container != nil {
		images = append(images, job.Container)
	}
	images = append(images, job.Services...)
	for _, img := range images {
		in := interaction{action: ActionPull, client: clientlines.Docker, tool: "job container", refs: []string{sc.interpolate(img.Image.Text)}, line: img.Image.Line}
		if img.Name != "" {
			in.tool = "service " + img.Name
		}
		if img.Password.Text != "" {
			in.inline = "x:" + sc.interpolate(img.Password.Text)
		}
		out = append(out, found{in: in, stepName: in.tool})
	}
	for _, st := range job.Steps {
		for _, v := range st.Env {
			sc.ctx["env."+strings.ToLower(v.Name)] = sc.interpolate(v.Value.Text)
		}
		name := stepName(st)
		var assume []string
		if ok, known := sc.condition(st.If.Text); known && !ok {
			a.clearStepEnv(sc, st, wf, job)
			continue
		} else if !known {
			assume = append(assume, fmt.Sprintf("the step runs only if %q (not evaluated)", st.If.Text))
		}
		before := len(sc.assumed)
		ins := a.stepInteractions(st, sc, 0)
		assume = append(assume, sc.assumed[before:]...)
		for _, in := range ins {
			if len(out) >= a.maxInteractions() {
				a.fail(&workflows.Error{File: wf.File, Line: in.line, Msg: fmt.Sprintf("job %s has more than %d registry interactions, the limit (raise it with --max-interactions)", job.ID, a.maxInteractions())})
				return out
			}
			out = append(out, found{in: in, step: st, stepName: name, assumptions: assume})
		}
		a.clearStepEnv(sc, st, wf, job)
	}
	return out
}

// clearStepEnv restores env after a step's own env: entries.
func (a *analyzer) clearStepEnv(sc *scope, st *workflows.Step, wf *workflows.Workflow, job *workflows.Job) {
	for _, v := range st.Env {
		k := "env." + strings.ToLower(v.Name)
		delete(sc.ctx, k)
		if jv, ok := workflows.Lookup(job.Env, v.Name); ok {
			sc.ctx[k] = sc.interpolate(jv.Text)
		} else if wv, ok := workflows.Lookup(wf.Env, v.Name); ok {
			sc.ctx[k] = sc.interpolate(wv.Text)
		}
	}
}

// unreadCall reports a reusable workflow check could not read: what it
// does with ghcr.io is unknown, never assumed harmless.
func (a *analyzer) unreadCall(wf *workflows.Workflow, job *workflows.Job, ev event) Finding {
	pk, where := tokenPackages(wf, job, nil, "")
	perm := "the repository's default"
	if pk != "" {
		perm = string(pk) + " (" + where + ")"
	}
	return Finding{File: wf.File, Line: job.Uses.Line, Job: job.ID, Step: job.Uses.Text, Event: ev.name, Action: ActionCall,
		Tool: "reusable workflow", Tags: []string{}, Outcome: Unknown, Credential: "GITHUB_TOKEN of the caller, packages: " + perm,
		Explanation: fmt.Sprintf("Job %s calls %s, which check did not read: what it pushes or pulls is unknown. It runs with this repository's GITHUB_TOKEN, whose packages permission it cannot raise.", job.ID, job.Uses.Text),
		Fix:         "Check that workflow too: pass its file (for a local one) or run check in its repository with --repository set to this one",
		Assumptions: []string{}}
}

// warnings name what a given world does not describe: the repository,
// its owner, and each ghcr.io package of the findings. Without a world
// every state is played, and nothing is silently assumed.
func (a *analyzer) warnings(fs []Finding) []string {
	out := []string{}
	if a.opts.World == nil {
		return out
	}
	if a.repo == "" {
		return append(out, "the repository is unknown (pass --repository OWNER/NAME): the world cannot be matched to it")
	}
	if _, ok := a.world.Repository(a.repo); !ok {
		out = append(out, fmt.Sprintf("the world does not describe repository %s: its default workflow permission is predicted in both states (read and write)", a.repo))
	}
	if _, ok := a.world.Owner(ownerOf(a.repo)); !ok {
		out = append(out, fmt.Sprintf("the world does not describe owner %s: it is treated as a user account with GitHub's defaults (add it under owners: with its type to predict an organization)", ownerOf(a.repo)))
	}
	seen := map[string]bool{}
	for _, f := range fs {
		rf, ok := parseRef(f.Image)
		if !ok || f.Action == ActionLogin || !isGHCR(rf.host) || !resolved(rf.repo) || seen[rf.repo] {
			continue
		}
		seen[rf.repo] = true
		if _, ok := a.world.Package(strings.ToLower(rf.repo)); !ok {
			out = append(out, fmt.Sprintf("the world does not describe package ghcr.io/%s: it is predicted as not published yet", rf.repo))
		}
	}
	return out
}
