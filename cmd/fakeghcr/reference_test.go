package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra/doc"
)

var update = flag.Bool("update", false, "rewrite docs/cli from the command tree")

// referenceDir holds the generated command reference.
const referenceDir = "../../docs/cli"

// TestCLIReference fails when docs/cli is not what the command tree
// generates; `go generate ./cmd/fakeghcr` (go test -run TestCLIReference
// -update) rewrites it.
func TestCLIReference(t *testing.T) {
	t.Parallel()
	root := newRootCmd(&cliEnv{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard})
	root.DisableAutoGenTag = true
	dir := t.TempDir()
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		t.Fatal(err)
	}
	want := readDir(t, dir)
	if *update {
		if err := os.RemoveAll(referenceDir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(referenceDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, body := range want {
			if err := os.WriteFile(filepath.Join(referenceDir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	if diff := cmp.Diff(want, readDir(t, referenceDir)); diff != "" {
		t.Errorf("docs/cli is stale; run go generate ./cmd/fakeghcr (-generated +committed):\n%s", diff)
	}
}

func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	return files
}
