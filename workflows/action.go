package workflows

import (
	"os"
	"path/filepath"
)

// Action is a local action's metadata file (action.yml): its inputs'
// defaults and, for a composite action, its steps.
type Action struct {
	File string
	// Composite reports runs.using: composite; other actions (node,
	// docker) have no steps fakeghcr can read.
	Composite bool
	Inputs    []Var
	Steps     []*Step
}

// ReadAction reads the action at dir (a directory holding action.yml or
// action.yaml). A missing file is os.ErrNotExist.
func ReadAction(dir string) (*Action, error) {
	var data []byte
	var file string
	var err error
	for _, name := range []string{"action.yml", "action.yaml"} {
		file = filepath.Join(dir, name)
		if data, err = readCapped(file); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	root, err := parse(file, data)
	if err != nil {
		return nil, err
	}
	r := reader{file: file}
	a := &Action{File: file}
	if root.Kind != Map {
		return nil, &Error{File: file, Line: root.Line, Col: root.Col, Msg: "not an action: the file must be a mapping with runs"}
	}
	if in := root.Get("inputs"); in != nil && in.Kind == Map {
		for i, k := range in.Keys {
			a.Inputs = append(a.Inputs, Var{Name: k.Value, Value: value(in.Values[i].Get("default"))})
		}
	}
	runs := root.Get("runs")
	a.Composite = runs.Get("using").Str() == "composite"
	if steps := runs.Get("steps"); a.Composite && steps != nil && steps.Kind == Seq {
		for i, s := range steps.Values {
			a.Steps = append(a.Steps, r.step("(composite action)", i, s))
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return a, nil
}

// readCapped reads a file within the default byte limit.
func readCapped(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := (Limits{}).checkSize(path, st.Size()); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}
