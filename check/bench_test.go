package check_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/fakeghcr/fakeghcr/check"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// BenchmarkCheck50Files reads and checks 50 workflow files (the corpus,
// repeated) against a world, as `fakeghcr check --scenario` does.
func BenchmarkCheck50Files(b *testing.B) {
	dir := b.TempDir()
	corpus, _ := filepath.Glob("testdata/workflows/*.yml")
	for i := 0; i < 50; i++ {
		data, err := os.ReadFile(corpus[i%len(corpus)])
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("wf%02d.yml", i)), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	sc, err := scenarios.Builtin("actions-access-missing")
	if err != nil {
		b.Fatal(err)
	}
	for _, world := range []bool{true, false} {
		name := "world"
		if !world {
			name = "no-world(every-state)"
		}
		b.Run(name, func(b *testing.B) {
			opts := check.Options{Paths: []string{dir}, Repository: "acme/api"}
			if world {
				opts.World = &sc.World
			}
			b.ReportAllocs()
			for b.Loop() {
				rep, err := check.Run(opts)
				if err != nil || len(rep.Files) != 50 {
					b.Fatalf("%v, %d files", err, len(rep.Files))
				}
			}
		})
	}
}
