package check_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/check"
	"github.com/fakeghcr/fakeghcr/workflows"
)

// hostile workflows, the shapes issue 19 measured: the run: script is
// the part that grows.
func hostileWorkflow(script string) string {
	var b strings.Builder
	b.WriteString("on:\n  push:\n    branches: [main]\npermissions:\n  packages: write\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n")
	b.WriteString("      - uses: docker/login-action@v3\n        with:\n          registry: ghcr.io\n          username: x\n          password: ${{ secrets.GITHUB_TOKEN }}\n")
	b.WriteString("      - run: |\n")
	for _, l := range strings.Split(script, "\n") {
		b.WriteString("          " + l + "\n")
	}
	return b.String()
}

func continuationLines(n int) string {
	return "docker push \\\n" + strings.Repeat("  --quiet \\\n", n) + "  ghcr.io/acme/api:1"
}

func chainedPushes(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = "docker push ghcr.io/acme/api:1"
	}
	return strings.Join(parts, " && ")
}

func pushLines(n int) string {
	return strings.Repeat("docker push ghcr.io/acme/api:1\n", n)
}

func runSource(t testing.TB, src string, opts check.Options) (check.Report, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hostile.yml")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	opts.Paths = []string{p}
	opts.Repository = "acme/api"
	return check.Run(opts)
}

// TestHostileAnswered: 40,000 continuation lines (the most under the
// default size limit) and 9,000 pushes (chained
// with && or one per line) are answered, each repeated push grouped into
// one finding listing the other lines.
func TestHostileAnswered(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		script       string
		pushes, also int
	}{
		"continuation lines": {continuationLines(40000), 1, 0},
		"chained pushes":     {chainedPushes(9000), 2, 0},
		"push lines":         {pushLines(9000), 2, 50},
	}
	for name, tc := range cases {
		rep, err := runSource(t, hostileWorkflow(tc.script), check.Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var pushes []check.Finding
		for _, f := range rep.Findings {
			if f.Action == check.ActionPush {
				pushes = append(pushes, f)
			}
		}
		// The first push creates the package, every later one writes to it:
		// at most two findings, the last listing the other lines.
		if len(pushes) != tc.pushes || pushes[0].Reason != "create_package" || pushes[len(pushes)-1].Outcome != check.Allow || len(pushes[len(pushes)-1].AlsoAt) != tc.also {
			t.Errorf("%s: want %d grouped allowed pushes (%d other lines listed), got %d findings: %+v", name, tc.pushes, tc.also, len(pushes), pushes)
		}
	}
}

// TestHostileRefused: past the interaction limit a file is refused with
// file:line, the limit and the flag that raises it; the limit can be raised.
func TestHostileRefused(t *testing.T) {
	t.Parallel()
	for name, script := range map[string]string{"chained pushes": chainedPushes(30000), "push lines": pushLines(100000)} {
		_, err := runSource(t, hostileWorkflow(script), check.Options{Limits: workflows.Limits{Bytes: 8 << 20}})
		var we *workflows.Error
		if !errors.As(err, &we) || we.Line < 13 || !strings.Contains(err.Error(), fmt.Sprintf("job a has more than %d registry interactions, the limit (raise it with --max-interactions)", check.MaxInteractions)) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	if _, err := runSource(t, hostileWorkflow(pushLines(200)), check.Options{MaxInteractions: 100}); err == nil || !strings.Contains(err.Error(), "more than 100 registry interactions") {
		t.Errorf("lowered limit: got %v", err)
	}
	if _, err := runSource(t, hostileWorkflow(pushLines(200)), check.Options{MaxInteractions: 1000}); err != nil {
		t.Errorf("raised limit: %v", err)
	}
}

// TestManyPackages: a job pulling 2,000 packages the world does not
// describe plays each in its states (the work is their sum, not their
// product): every pull is UNKNOWN with the states of its own package,
// none is left unplayed, none is a denial.
func TestManyPackages(t *testing.T) {
	t.Parallel()
	rep, err := runSource(t, hostileWorkflow(manyPackages(2000)), check.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range rep.Findings {
		if f.Action != check.ActionPull {
			continue
		}
		n++
		pkg := strings.TrimPrefix(f.Image, "ghcr.io/")
		if f.Outcome != check.Unknown || len(f.States) != 3 || !strings.HasPrefix(f.States[0].State, "package "+pkg+" a private package of other-owner without access") {
			t.Fatalf("want UNKNOWN with the 3 states of %s, got %s: %+v", pkg, f.Outcome, f.States)
		}
	}
	if n != 2000 {
		t.Fatalf("%d pulls, want 2000", n)
	}
}

func manyPackages(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "docker pull ghcr.io/other-owner/p%d:1\n", i)
	}
	return b.String()
}

// BenchmarkHostile times the hostile shapes at two sizes each: linear
// work shows as time per op growing with the size, not its square.
func BenchmarkHostile(b *testing.B) {
	for _, tc := range []struct {
		name   string
		script func(int) string
		sizes  []int
	}{
		{"continuation", continuationLines, []int{20000, 40000}},
		{"chained", chainedPushes, []int{4500, 9000}},
		{"lines", pushLines, []int{4500, 9000}},
		{"packages", manyPackages, []int{2000, 4000}},
	} {
		for _, n := range tc.sizes {
			src := hostileWorkflow(tc.script(n))
			b.Run(fmt.Sprintf("%s-%d", tc.name, n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(src)))
				for b.Loop() {
					if _, err := runSource(b, src, check.Options{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
