package check_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/check"
	"github.com/fakeghcr/fakeghcr/workflows"
)

// eightPackages are the registry steps of a job touching eight packages
// no world describes: the repository's own image pushed, base images of
// the same owner and of others pulled, another owner's package pushed.
// The login is the docker/login-action form of GitHub's "Publishing
// Docker images" guide
// (https://docs.github.com/actions/publishing-packages/publishing-docker-images);
// no permissions block, so the repository's default workflow permission
// is open too.
var eightPackages = []string{
	"docker pull ghcr.io/acme/base:1",
	"docker pull ghcr.io/acme/api-cache:main",
	"docker pull ghcr.io/upstream/toolchain:2",
	"docker pull ghcr.io/upstream/linter:3",
	"docker pull ghcr.io/vendor/sdk:4",
	"docker push ghcr.io/acme/api:1",
	"docker pull ghcr.io/acme/api:1",
	"docker push ghcr.io/partner/mirror:1",
	"docker push ghcr.io/acme/api-docs:1",
}

func packagesWorkflow(lines []string) string {
	var b strings.Builder
	b.WriteString("on:\n  push:\n    branches: [main]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n")
	b.WriteString("      - uses: docker/login-action@v3\n        with:\n          registry: ghcr.io\n          username: ${{ github.actor }}\n          password: ${{ secrets.GITHUB_TOKEN }}\n")
	for _, l := range lines {
		b.WriteString("      - run: " + l + "\n")
	}
	return b.String()
}

func analyzeSource(t *testing.T, src string) check.Report {
	t.Helper()
	wf, err := workflows.Read("build.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return check.Analyze([]*workflows.Workflow{wf}, check.Options{Repository: "acme/api"})
}

// stateFree drops the assumption naming an earlier refusal of the job
// ("reached only once the refusal at line N is fixed"): its line is
// another package's step, absent when the package is named alone.
func stateFree(as []string) []string {
	var out []string
	for _, a := range as {
		if !strings.HasPrefix(a, "reached only once the refusal at line") {
			out = append(out, a)
		}
	}
	return out
}

// TestPackagesPlayedSeparately: a job touching eight packages the world
// does not describe (3^8 combinations of their states, times the
// repository's two defaults) is played in full: no finding is left
// unplayed, and each finding's answer, states and assumptions (but the
// line of the job's first refusal) are those
// of the same job naming its package alone, since one package's state
// never decides another's answer.
func TestPackagesPlayedSeparately(t *testing.T) {
	t.Parallel()
	all := analyzeSource(t, packagesWorkflow(eightPackages))
	images := map[string]bool{}
	var unknown int
	for _, f := range all.Findings {
		if strings.Contains(f.Explanation, "too many") {
			t.Errorf("line %d %s: not played: %s", f.Line, f.Image, f.Explanation)
		}
		if f.Action == check.ActionLogin {
			continue
		}
		images[f.Image] = true
		if f.Outcome == check.Unknown {
			unknown++
			if len(f.States) < 2 {
				t.Errorf("line %d %s: UNKNOWN without the states it depends on", f.Line, f.Image)
			}
		}
		// The same job with only this package's steps.
		pkg := strings.TrimPrefix(f.Image, "ghcr.io/")
		var alone []string
		for _, l := range eightPackages {
			if strings.Contains(l, "ghcr.io/"+pkg+":") {
				alone = append(alone, l)
			}
		}
		var want *check.Finding
		for _, g := range analyzeSource(t, packagesWorkflow(alone)).Findings {
			if g.Image == f.Image && g.Action == f.Action {
				want = &g
				break
			}
		}
		if want == nil {
			t.Fatalf("%s %s: not found alone", f.Action, f.Image)
		}
		if f.Outcome != want.Outcome || f.Reason != want.Reason || f.Explanation != want.Explanation ||
			!reflect.DeepEqual(f.States, want.States) || !reflect.DeepEqual(stateFree(f.Assumptions), stateFree(want.Assumptions)) {
			t.Errorf("%s %s: with eight packages\n%s %v %v\nalone\n%s %v %v", f.Action, f.Image,
				f.Outcome, f.States, f.Assumptions, want.Outcome, want.States, want.Assumptions)
		}
	}
	if len(images) != 8 {
		t.Errorf("%d images found, want 8: %v", len(images), images)
	}
	// Pulls of packages that may be public or private stay open; the
	// pushes of this repository's own new packages are allowed.
	if unknown == 0 {
		t.Errorf("no finding depends on the packages' states: %+v", all.Findings)
	}
}
