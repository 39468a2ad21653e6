package workflows

import (
	"fmt"
	"strings"
)

// reader builds a Workflow from a Node tree, keeping the first error.
type reader struct {
	file string
	err  error
}

func (r *reader) fail(n *Node, format string, args ...any) {
	if r.err != nil {
		return
	}
	e := &Error{File: r.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Col
	}
	r.err = e
}

func (r *reader) workflow(root *Node) *Workflow {
	wf := &Workflow{File: r.file}
	if root.Kind != Map {
		r.fail(root, "not a workflow: the file must be a mapping with \"on\" and \"jobs\"")
		return wf
	}
	on := root.Get("on")
	if on == nil {
		// YAML 1.1 readers turn an unquoted on into true.
		on = root.Get("true")
	}
	jobs := root.Get("jobs")
	switch {
	case on == nil && jobs == nil:
		r.fail(root, "not a workflow: no \"on\" and no \"jobs\" (is this a GitHub Actions workflow?)")
		return wf
	case on == nil:
		r.fail(root, "not a workflow: no \"on\" (which events trigger it?)")
		return wf
	case jobs == nil:
		r.fail(root, "not a workflow: no \"jobs\"")
		return wf
	}
	wf.Name = root.Get("name").Str()
	wf.On = r.triggers(on)
	wf.Permissions = r.permissions(root.Get("permissions"))
	wf.Env = r.vars(root.Get("env"), "env")
	if jobs.Kind != Map {
		r.fail(jobs, "\"jobs\" must be a mapping of job ids to jobs")
		return wf
	}
	for i, k := range jobs.Keys {
		wf.Jobs = append(wf.Jobs, r.job(k, jobs.Values[i]))
	}
	return wf
}

func (r *reader) triggers(on *Node) []Trigger {
	var out []Trigger
	switch on.Kind {
	case Scalar:
		out = append(out, Trigger{Event: on.Value, Line: on.Line})
	case Seq:
		for _, v := range on.Values {
			if v.Kind != Scalar {
				r.fail(v, "\"on\" lists event names")
				continue
			}
			out = append(out, Trigger{Event: v.Value, Line: v.Line})
		}
	case Map:
		for i, k := range on.Keys {
			t := Trigger{Event: k.Value, Line: k.Line}
			if types := on.Values[i].Get("types"); types != nil {
				for _, ty := range scalars(types) {
					t.Types = append(t.Types, ty.Text)
				}
			}
			t.Filters = filters(on.Values[i])
			out = append(out, t)
		}
	default:
		r.fail(on, "\"on\" must name at least one event")
	}
	return out
}

// permissions reads a permissions value [GitHub docs: "Assigning
// permissions to jobs"]: read-all, write-all, {} or a block, where a scope
// left out of a block is none.
func (r *reader) permissions(n *Node) *Permissions {
	if n == nil {
		return nil
	}
	p := &Permissions{Line: n.Line}
	switch n.Kind {
	case Scalar:
		switch n.Value {
		case "read-all":
			p.Form, p.Packages = "read-all", "read"
		case "write-all":
			p.Form, p.Packages = "write-all", "write"
		default:
			r.fail(n, "permissions must be read-all, write-all or a mapping of scopes, not %q", n.Value)
		}
	case Map:
		p.Form, p.Packages = "block", "none"
		if len(n.Keys) == 0 {
			p.Form = "{}"
		}
		if v := n.Get("packages"); v != nil {
			switch v.Str() {
			case "read", "write", "none":
				p.Packages = v.Str()
			default:
				r.fail(v, "packages permission must be read, write or none, not %q", v.Str())
			}
		}
	case Null:
		r.fail(n, "permissions is empty (write {} for no permissions)")
	default:
		r.fail(n, "permissions must be read-all, write-all or a mapping of scopes")
	}
	return p
}

func (r *reader) vars(n *Node, what string) []Var {
	if n == nil || n.Kind == Null {
		return nil
	}
	if n.Kind == Scalar && strings.Contains(n.Value, "${{") {
		// env: ${{ fromJSON(...) }}: nothing fakeghcr can read.
		return nil
	}
	if n.Kind != Map {
		r.fail(n, "%s must be a mapping of names to values", what)
		return nil
	}
	var out []Var
	for i, k := range n.Keys {
		v := n.Values[i]
		out = append(out, Var{Name: k.Value, Value: value(v)})
		if v.Kind != Scalar {
			out[len(out)-1].Value.Line, out[len(out)-1].Value.Col = v.Line, v.Col
		}
	}
	return out
}

func (r *reader) job(key, n *Node) *Job {
	j := &Job{ID: key.Value, Line: key.Line}
	if n.Kind != Map {
		r.fail(n, "job %q must be a mapping (with runs-on and steps, or uses)", key.Value)
		return j
	}
	j.Name = n.Get("name").Str()
	j.If = value(n.Get("if"))
	j.Permissions = r.permissions(n.Get("permissions"))
	j.Env = r.vars(n.Get("env"), "env")
	j.Uses = value(n.Get("uses"))
	j.With = r.vars(n.Get("with"), "with")
	if s := n.Get("secrets"); s != nil {
		if s.Kind == Scalar && s.Value == "inherit" {
			j.SecretsInherit = true
		} else {
			j.Secrets = r.vars(s, "secrets")
		}
	}
	if c := n.Get("container"); c != nil {
		j.Container = r.image("", c)
	}
	if svcs := n.Get("services"); svcs != nil && svcs.Kind == Map {
		for i, k := range svcs.Keys {
			j.Services = append(j.Services, r.image(k.Value, svcs.Values[i]))
		}
	}
	if m := n.Get("strategy").Get("matrix"); m != nil && m.Kind == Map {
		j.Matrix = map[string][]Value{}
		for i, k := range m.Keys {
			switch {
			case k.Value == "include" && m.Values[i].Kind == Seq:
				for _, entry := range m.Values[i].Values {
					if entry.Kind != Map {
						continue
					}
					inc := map[string]Value{}
					for ei, ek := range entry.Keys {
						if entry.Values[ei].Kind == Scalar {
							inc[ek.Value] = value(entry.Values[ei])
						}
					}
					j.MatrixInclude = append(j.MatrixInclude, inc)
				}
			case k.Value == "exclude":
			case m.Values[i].Kind == Seq:
				j.Matrix[k.Value] = scalars(m.Values[i])
			}
		}
	}
	steps := n.Get("steps")
	switch {
	case steps == nil && j.Uses.Text == "":
		r.fail(key, "job %q has neither steps nor uses", key.Value)
	case steps != nil && steps.Kind != Seq:
		r.fail(steps, "steps of job %q must be a list", key.Value)
	case steps != nil:
		for i, s := range steps.Values {
			j.Steps = append(j.Steps, r.step(j.ID, i, s))
		}
	}
	return j
}

func (r *reader) image(name string, n *Node) *Image {
	img := &Image{Name: name}
	switch n.Kind {
	case Scalar:
		img.Image = value(n)
	case Map:
		img.Image = value(n.Get("image"))
		if c := n.Get("credentials"); c != nil {
			img.Username = value(c.Get("username"))
			img.Password = value(c.Get("password"))
		}
	}
	return img
}

func (r *reader) step(job string, i int, n *Node) *Step {
	s := &Step{Index: i, Line: n.Line}
	if n.Kind != Map {
		r.fail(n, "step %d of job %q must be a mapping (with uses or run)", i+1, job)
		return s
	}
	s.ID = n.Get("id").Str()
	s.Name = n.Get("name").Str()
	s.If = value(n.Get("if"))
	s.Uses = value(n.Get("uses"))
	s.With = r.vars(n.Get("with"), "with")
	s.Run = value(n.Get("run"))
	s.Env = r.vars(n.Get("env"), "env")
	if s.Uses.Text == "" && s.Run.Text == "" && n.Get("uses") == nil && n.Get("run") == nil {
		r.fail(n, "step %d of job %q has neither uses nor run", i+1, job)
	}
	return s
}

func value(n *Node) Value {
	if n == nil || n.Kind != Scalar {
		return Value{}
	}
	return Value{Text: n.Value, Line: n.Line, Col: n.Col, Block: n.Block}
}

// filters reads a trigger's branch, tag and path filters; a filter given
// but empty is kept as an empty list (it matches nothing).
func filters(n *Node) RefFilters {
	list := func(key string) []string {
		v := n.Get(key)
		if v == nil {
			return nil
		}
		out := []string{}
		for _, s := range scalars(v) {
			out = append(out, s.Text)
		}
		return out
	}
	return RefFilters{Branches: list("branches"), BranchesIgnore: list("branches-ignore"),
		Tags: list("tags"), TagsIgnore: list("tags-ignore"),
		Paths: list("paths"), PathsIgnore: list("paths-ignore")}
}

func scalars(n *Node) []Value {
	switch n.Kind {
	case Scalar:
		return []Value{value(n)}
	case Seq:
		var out []Value
		for _, v := range n.Values {
			if v.Kind == Scalar {
				out = append(out, value(v))
			}
		}
		return out
	}
	return nil
}
