package check_test

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/check"
	"github.com/fakeghcr/fakeghcr/scenarios"
	"github.com/fakeghcr/fakeghcr/workflows"
)

var update = flag.Bool("update", false, "rewrite testdata/workflows/*.want from check's output")

// TestCorpus checks every workflow of testdata/workflows against its .want
// file: one line per finding (line, event, action, image, outcome, status,
// reason, and each state's outcome and reason). The first line of a
// workflow says how to check it: "# fakeghcr-check: repository=OWNER/NAME
// [scenario=NAME | world=FILE] [also=OTHER.yml]".
func TestCorpus(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/workflows/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			opts, paths := corpusOptions(t, file)
			opts.Paths = paths
			rep, err := check.Run(opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rep.Findings {
				switch {
				case f.File == file:
					got = append(got, compact(f))
				case strings.HasPrefix(f.Via, file+":"):
					got = append(got, "via "+f.Via+": "+filepath.Base(f.File)+":"+compact(f))
				}
			}
			wantFile := strings.TrimSuffix(file, ".yml") + ".want"
			if *update {
				if err := os.WriteFile(wantFile, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			data, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatalf("%v (run go test -run TestCorpus -update, then review the file)", err)
			}
			want := strings.Split(strings.TrimSpace(string(data)), "\n")
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("check %s (-want +got):\n%s", file, diff)
			}
		})
	}
}

func compact(f check.Finding) string {
	s := fmt.Sprintf("%d %s %s %s %s %d %s", f.Line, f.Event, f.Action, f.Image, f.Outcome, f.Status, orDash(string(f.Reason)))
	if f.Stage != "" && f.Outcome == check.Deny {
		s += " at=" + f.Stage
	}
	var states []string
	for _, st := range f.States {
		states = append(states, st.Outcome+":"+orDash(string(st.Reason)))
	}
	sort.Strings(states)
	if len(states) > 0 {
		s += " states=" + strings.Join(states, ",")
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func corpusOptions(t *testing.T, file string) (check.Options, []string) {
	t.Helper()
	fh, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Scan()
	header, ok := strings.CutPrefix(sc.Text(), "# fakeghcr-check:")
	if !ok {
		t.Fatalf("%s: first line must be # fakeghcr-check: ...", file)
	}
	var opts check.Options
	paths := []string{file}
	for _, kv := range strings.Fields(header) {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "repository":
			opts.Repository = v
		case "scenario":
			s, err := scenarios.Builtin(v)
			if err != nil {
				t.Fatal(err)
			}
			opts.World, opts.AnonymousPrivateTokenStatus = &s.World, s.Settings.AnonymousPrivateTokenStatus
		case "world":
			s, err := scenarios.Load(filepath.Join("testdata", v))
			if err != nil {
				t.Fatal(err)
			}
			opts.World = &s.World
		case "also":
			paths = append(paths, filepath.Join(filepath.Dir(file), v))
		default:
			t.Fatalf("%s: unknown header key %q", file, k)
		}
	}
	return opts, paths
}

// TestNotAWorkflow: YAML that is not a workflow gets file and line.
func TestNotAWorkflow(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"name: x\nfoo: bar\n":                      "f.yml:1:1: not a workflow: no \"on\" and no \"jobs\" (is this a GitHub Actions workflow?)",
		"on: push\n":                               "f.yml:1:1: not a workflow: no \"jobs\"",
		"on: push\njobs:\n  a: 3\n":                "f.yml:3:6: job \"a\" must be a mapping (with runs-on and steps, or uses)",
		"on: push\njobs:\n  a:\n    steps: [1]\n":  "f.yml:4:13: step 1 of job \"a\" must be a mapping (with uses or run)",
		"on: [push\n":                              "f.yml:1: invalid YAML: did not find expected ',' or ']'",
		"on: push\npermissions: admin\njobs: {}\n": "f.yml:2:14: permissions must be read-all, write-all or a mapping of scopes, not \"admin\"",
		"on: push\njobs:\n  a:\n    runs-on: x\n":  "f.yml:3:3: job \"a\" has neither steps nor uses",
		"- just\n- a list\n":                       "f.yml:1:1: not a workflow: the file must be a mapping with \"on\" and \"jobs\"",
		"":                                         "f.yml:1: empty file: a workflow needs \"on\" and \"jobs\"",
		"on: push\njobs:\n  a:\n    steps:\n      - {}\n": "f.yml:5:9: step 1 of job \"a\" has neither uses nor run",
	}
	for src, want := range tests {
		_, err := workflows.Read("f.yml", []byte(src))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("Read(%q):\n got %s\nwant %s", src, got, want)
		}
	}
}
