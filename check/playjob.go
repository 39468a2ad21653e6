package check

import (
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/workflows"
)

// axis is one package of a job whose state the world leaves open, with
// its plausible states and the findings that push or pull it.
type axis struct {
	pkg      string
	states   []pkgState
	findings []int
}

// slot collects one finding's answer in each state it is played in.
type slot struct {
	f       Finding
	axis    *axis
	results []result
	labels  []string
}

// predictJob plays a job's interactions in every plausible state of what
// the world leaves open and groups the answers per interaction.
//
// An interaction's answer depends on the repository (its default workflow
// permission and unknown fields: the global variants), on the credential,
// and on the state of the one package it pushes or pulls, never on
// another package's: authz decides a package from its own settings, its
// owner's and the repository's. So the job is played once per global
// variant with every open package in its first state, and each further
// state of a package is played again for that package's interactions
// only (player.replay). The work is the sum of the packages' states, not
// their product, so a job naming many undescribed packages is played in
// full; each interaction gets the answers, and the states named, that
// playing every combination would give it, in the same order.
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
	globals := a.globalVariants(dependsOnDefault)
	var axes []*axis
	byPkg := map[string]*axis{}
	for _, pkg := range pkgs {
		if st := a.statesOf(pkg, pushed[pkg], len(globals)); len(st) > 0 {
			ax := &axis{pkg: pkg, states: st}
			axes = append(axes, ax)
			byPkg[pkg] = ax
		}
	}
	var slots []*slot
	for gi, g := range globals {
		world := g.world.Clone()
		ensureMaps(&world)
		for _, ax := range axes {
			ax.states[0].apply(&world)
		}
		var trace []traced
		p := &player{a: a, wf: wf, job: job, ev: ev, call: c, world: world, repoDefault: g.repoDefault, items: items, trace: &trace}
		fs, rs := p.play()
		if gi == 0 {
			for i := range fs {
				s := &slot{f: fs[i]}
				if rf, ok := parseRef(fs[i].Image); ok {
					if ax := byPkg[rf.repo]; ax != nil {
						s.axis = ax
						ax.findings = append(ax.findings, i)
					}
				}
				slots = append(slots, s)
			}
		}
		n := min(len(fs), len(slots))
		for i := range n {
			slots[i].add(rs[i], stateLabel(g, fs[i], slots[i].axis, 0))
		}
		if len(axes) == 0 {
			continue
		}
		// Each further state of each package, played for its findings.
		tracedAt := make(map[int]traced, len(trace))
		for _, t := range trace {
			tracedAt[t.finding] = t
		}
		pristine := g.world.Clone()
		ensureMaps(&pristine)
		for _, ax := range axes {
			var replayed []traced
			for _, i := range ax.findings {
				if t, ok := tracedAt[i]; ok && i < n {
					replayed = append(replayed, t)
				}
			}
			for st := 1; st < len(ax.states); st++ {
				undo := isolate(&pristine, ax.pkg)
				ax.states[st].apply(&pristine)
				rp := *p
				rp.world, rp.trace = pristine, nil
				res := rp.replay(replayed)
				undo()
				k := 0
				for _, i := range ax.findings {
					if i >= n {
						continue
					}
					r := rs[i] // an answer no package decides (an unevaluated registry)
					if _, ok := tracedAt[i]; ok {
						r, k = res[k], k+1
					}
					slots[i].add(r, stateLabel(g, fs[i], ax, st))
				}
			}
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
			if _, inJob := pushed[rf.repo]; inJob && !described {
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

func (s *slot) add(r result, label string) {
	s.results = append(s.results, r)
	s.labels = append(s.labels, label)
}

// stateLabel names the state a finding was played in: the repository's
// (for a GITHUB_TOKEN, the only credential it concerns) and its package's.
func stateLabel(g variant, f Finding, ax *axis, st int) string {
	var parts []string
	if l, ok := g.labels["repository"]; ok && strings.Contains(f.Credential, "GITHUB_TOKEN") {
		parts = append(parts, l)
	}
	if ax != nil && ax.states[st].label != "" {
		parts = append(parts, "package "+ax.pkg+" "+ax.states[st].label)
	}
	return strings.Join(parts, "; ")
}

func ensureMaps(w *authz.World) {
	if w.Packages == nil {
		w.Packages = map[string]authz.Package{}
	}
	if w.Owners == nil {
		w.Owners = map[string]authz.Owner{}
	}
}

// isolate saves what a package's state may change in w (the package and
// its owner) and returns the function that puts it back, so the states of
// one package are played one after another in one world instead of in a
// copy of the world each.
func isolate(w *authz.World, pkg string) (undo func()) {
	pkgKeys := append(keysOf(w.Packages, pkg), strings.ToLower(pkg))
	owner := ownerOf(pkg)
	ownerKeys := append(keysOf(w.Owners, owner), owner)
	pkgs := make(map[string]authz.Package, len(pkgKeys))
	for _, k := range pkgKeys {
		if v, ok := w.Packages[k]; ok {
			pkgs[k] = v
		}
	}
	owners := make(map[string]authz.Owner, len(ownerKeys))
	for _, k := range ownerKeys {
		if v, ok := w.Owners[k]; ok {
			owners[k] = v
		}
	}
	return func() {
		for _, k := range pkgKeys {
			if v, ok := pkgs[k]; ok {
				w.Packages[k] = v
			} else {
				delete(w.Packages, k)
			}
		}
		for _, k := range ownerKeys {
			if v, ok := owners[k]; ok {
				w.Owners[k] = v
			} else {
				delete(w.Owners, k)
			}
		}
	}
}
