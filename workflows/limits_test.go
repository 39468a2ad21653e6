package workflows

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLimits: a file over a limit is refused with file:line, the limit and
// the flag that raises it, before the YAML library builds a tree (the
// nesting is found by the one-pass scan: a 40 kB file of nesting that took
// the library 5.6 s and 662 MB is refused at once).
func TestLimits(t *testing.T) {
	t.Parallel()
	block := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(strings.Repeat(" ", i) + "k:\n")
		}
		return b.String()
	}
	tests := map[string]struct {
		src  string
		lim  Limits
		want string
	}{
		"flow brackets":     {"on: " + strings.Repeat("[", 40000), Limits{}, "f.yml:1: nesting deeper than 200 levels (raise the limit with --max-depth)"},
		"flow across lines": {"on: push\njobs:\n" + strings.Repeat("  {\n", 300), Limits{}, "f.yml:201: nesting deeper than 200 levels (raise the limit with --max-depth)"},
		"dashes on a line":  {"on: push\njobs:\n  " + strings.Repeat("- ", 20000) + "x\n", Limits{}, "f.yml:3: nesting deeper than 200 levels (raise the limit with --max-depth)"},
		"block indentation": {block(300), Limits{}, "f.yml:201: nesting deeper than 200 levels (raise the limit with --max-depth)"},
		"depth raised":      {block(30), Limits{Depth: 20}, "f.yml:21: nesting deeper than 20 levels (raise the limit with --max-depth)"},
		"size":              {"on: push\n" + strings.Repeat("#", 2<<20), Limits{}, "f.yml:1: file is 2097161 bytes, over the limit of 1048576 bytes (raise it with --max-file-bytes)"},
		"size raised":       {strings.Repeat("#", 200), Limits{Bytes: 100}, "f.yml:1: file is 200 bytes, over the limit of 100 bytes (raise it with --max-file-bytes)"},
	}
	for name, tc := range tests {
		_, err := ReadLimited("f.yml", []byte(tc.src), tc.lim)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", name, err, tc.want)
		}
	}
}

// TestLimitsKeepRealFiles: block scalars (run: | scripts with their own
// indentation and brackets) and ordinary nesting stay under the limits.
func TestLimitsKeepRealFiles(t *testing.T) {
	t.Parallel()
	src := "on: push\njobs:\n  a:\n    steps:\n      - run: |\n" + strings.Repeat("          if [ -f x ]; then\n            echo \"[\" {\n", 400) + "      - run: echo [[[\n"
	if _, err := Read("f.yml", []byte(src)); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../check/testdata/*/*.yml")
	more, _ := filepath.Glob("../check/testdata/corpus/*/.github/workflows/*.yml")
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := (Limits{}).checkDepth(f, data); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestReadFileLimited refuses a file over the size limit before reading it.
func TestReadFileLimited(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "big.yml")
	if err := os.WriteFile(p, []byte(strings.Repeat("x", 4096)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFileLimited(p, Limits{Bytes: 1024})
	if err == nil || !strings.Contains(err.Error(), "over the limit of 1024 bytes (raise it with --max-file-bytes)") {
		t.Fatalf("got %v", err)
	}
}
