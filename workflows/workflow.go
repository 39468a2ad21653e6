// Package workflows reads GitHub Actions workflow files into a small model
// with line numbers: triggers, permissions, env, jobs (with their
// containers, services, matrix and reusable-workflow calls) and steps.
//
// It reads what fakeghcr check needs to find GHCR interactions, not the
// whole workflow syntax: unknown keys are ignored, as GitHub ignores none
// of them, so a typo in a key fakeghcr does not read goes unnoticed. A
// file that is not a workflow (no "on" or no "jobs", a job that is not a
// mapping) is an *Error naming file, line and column.
package workflows

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Error is an unreadable or invalid workflow file.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Value is a scalar with its position.
type Value struct {
	Text      string
	Line, Col int
	// Block marks a block scalar (run: |): its first line is Line+1.
	Block bool
}

// LineOf returns the file line of the i-th line (from 0) of v's text.
func (v Value) LineOf(i int) int {
	if v.Block {
		return v.Line + 1 + i
	}
	return v.Line + i
}

// Workflow is one workflow file.
type Workflow struct {
	File string
	Name string
	On   []Trigger
	// Permissions is nil when the workflow sets none.
	Permissions *Permissions
	Env         []Var
	Jobs        []*Job
}

// Trigger is one event under "on".
type Trigger struct {
	Event string
	Line  int
	// Types lists "types:" of the event, if any.
	Types []string
	// Filters are its branch, tag and path filters (push,
	// pull_request, ...), as written.
	Filters RefFilters
}

// Permissions is a "permissions:" value.
type Permissions struct {
	Line int
	// Form is "read-all", "write-all", "{}" or "block".
	Form string
	// Packages is the packages scope it grants: read, write or none.
	Packages string
}

// Var is an env entry.
type Var struct {
	Name  string
	Value Value
}

// Job is one job.
type Job struct {
	ID          string
	Line        int
	Name        string
	If          Value
	Permissions *Permissions
	Env         []Var
	// Uses is a reusable workflow the job calls ("./.github/workflows/x.yml"
	// or "owner/repo/.github/workflows/x.yml@ref"); With and Secrets are
	// what it passes.
	Uses    Value
	With    []Var
	Secrets []Var
	// SecretsInherit is "secrets: inherit".
	SecretsInherit bool
	Container      *Image
	Services       []*Image
	// Matrix holds strategy.matrix's plain lists, by key.
	Matrix map[string][]Value
	// MatrixInclude holds strategy.matrix.include's entries (scalar
	// values only).
	MatrixInclude []map[string]Value
	Steps         []*Step
}

// Image is a job container or service container.
type Image struct {
	Name               string // the service name, empty for the job container
	Image              Value
	Username, Password Value
}

// Step is one step.
type Step struct {
	Index int
	Line  int
	ID    string
	Name  string
	If    Value
	Uses  Value
	With  []Var
	Run   Value
	Env   []Var
}

// Lookup returns the value of name in vars.
func Lookup(vars []Var, name string) (Value, bool) {
	for _, v := range vars {
		if v.Name == name {
			return v.Value, true
		}
	}
	return Value{}, false
}

// Read parses one workflow file's content within the default Limits.
func Read(file string, data []byte) (*Workflow, error) {
	return ReadLimited(file, data, Limits{})
}

// ReadLimited parses one workflow file's content, refusing a file over
// the limits before the YAML library reads it.
func ReadLimited(file string, data []byte, lim Limits) (wf *Workflow, err error) {
	root, err := parseLimited(file, data, lim)
	if err != nil {
		return nil, err
	}
	r := reader{file: file}
	wf = r.workflow(root)
	if r.err != nil {
		return nil, r.err
	}
	return wf, nil
}

// parse reads YAML into a Node tree within the default limits.
func parse(file string, data []byte) (*Node, error) { return parseLimited(file, data, Limits{}) }

func parseLimited(file string, data []byte, lim Limits) (root *Node, err error) {
	if err := lim.checkSize(file, int64(len(data))); err != nil {
		return nil, err
	}
	if err := lim.checkDepth(file, data); err != nil {
		return nil, err
	}
	defer func() {
		// The YAML library is third-party code: a panic on hostile input
		// becomes an error, never a crash.
		if r := recover(); r != nil {
			root, err = nil, &Error{File: file, Line: 1, Msg: fmt.Sprintf("unreadable YAML (%v)", r)}
		}
	}()
	return parseYAML(file, data, lim.depth())
}

// ReadFile reads one workflow file within the default Limits.
func ReadFile(path string) (*Workflow, error) { return ReadFileLimited(path, Limits{}) }

// ReadFileLimited reads one workflow file; a file over lim.Bytes is
// refused before it is read.
func ReadFileLimited(path string, lim Limits) (*Workflow, error) {
	data, err := readFileLimited(path, lim)
	if err != nil {
		return nil, err
	}
	return ReadLimited(path, data, lim)
}

// readFileLimited reads a file whose size is within lim, the size taken
// from the open file (one open, one stat, one read for a regular file).
func readFileLimited(path string, lim Limits) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: unwrapPathError(err)}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, &Error{File: path, Msg: unwrapPathError(err)}
	}
	if err := lim.checkSize(path, st.Size()); err != nil {
		return nil, err
	}
	// Read into a buffer sized from the stat; a file that grew since is
	// held to the limit too (at most one byte over it is read).
	var buf bytes.Buffer
	buf.Grow(int(min(st.Size(), lim.bytes())) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, lim.bytes()+1)); err != nil {
		return nil, &Error{File: path, Msg: unwrapPathError(err)}
	}
	if err := lim.checkSize(path, int64(buf.Len())); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Files lists the workflow files (*.yml, *.yaml) at paths: a file is taken
// as is, a directory is read one level deep (as GitHub reads
// .github/workflows), sorted.
func Files(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, &Error{File: p, Msg: unwrapPathError(err)}
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, &Error{File: p, Msg: unwrapPathError(err)}
		}
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if !e.IsDir() && (ext == ".yml" || ext == ".yaml") {
				files = append(files, filepath.Join(p, e.Name()))
			}
		}
	}
	sort.Strings(files)
	return slices.Compact(files), nil
}

func unwrapPathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
