package workflows

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead: any input gives a workflow or an *Error with a position
// inside the file, never a panic.
func FuzzRead(f *testing.F) {
	seeds, _ := filepath.Glob("../check/testdata/workflows/*.yml")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	more, _ := filepath.Glob("../check/testdata/corpus/*.yml")
	for _, s := range more {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{"", "on: push\njobs: {}\n", "a: &x [*x]\n", "a: &a {b: 1}\nc:\n  <<: [*a, *a]\n", "x: " + strings.Repeat("[", 300) + "\n", "on: 1.20\n", "on: [push\n", "on: push\njobs:\n  a:\n    steps:\n      - run: |\n          x\n", "<<: *a\n", "- - - -\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		wf, err := Read("f.yml", data)
		if err == nil {
			if wf == nil {
				t.Fatal("nil workflow without error")
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v is not a *workflows.Error", err)
		}
		if e.File != "f.yml" || e.Line < 0 {
			t.Fatalf("bad position in %v", err)
		}
	})
}
