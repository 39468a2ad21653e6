package diagnose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead: any log reads without panic, and every failure is on a line
// of the log.
func FuzzRead(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/logs/*.log")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(string(data))
		}
	}
	d, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, log string) {
		res, err := d.Read(strings.NewReader(log))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Count(log, "\n") + 1
		for _, fl := range res.Failures {
			if fl.Line < 1 || fl.Line > lines {
				t.Fatalf("failure at line %d of a %d-line log", fl.Line, lines)
			}
		}
	})
}
