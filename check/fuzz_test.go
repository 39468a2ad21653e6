package check

import (
	"testing"

	"github.com/fakeghcr/fakeghcr/workflows"
)

// FuzzAnalyze: whatever a readable workflow says (expressions, scripts),
// analyzing it never panics and every finding has a known outcome.
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{
		"on: push\njobs:\n  a:\n    steps:\n      - run: docker push ghcr.io/${{ github.repository }}:$(date)\n",
		"on: pull_request\njobs:\n  a:\n    if: ${{ !(github.event_name == 'push' || startsWith(github.ref, 'refs/tags/')) && (1 < 2) }}\n    steps:\n      - uses: docker/build-push-action@v6\n        with: {push: \"${{ format('{0}', 'true') }}\", tags: \"ghcr.io/a/b:c,ghcr.io/a/d\"}\n",
		"on: push\njobs:\n  a:\n    steps:\n      - run: echo \"$T\" | docker login ghcr.io -u x --password-stdin && skopeo copy docker://ghcr.io/a/b docker://ghcr.io/a/c --dest-creds u:p\n",
		"on: push\njobs:\n  a:\n    steps:\n      - run: \"X=${Y,,}; helm push c-1.0.0.tgz oci://ghcr.io/a 'unterminated\"\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		wf, err := workflows.Read("f.yml", []byte(src))
		if err != nil {
			return
		}
		rep := Analyze([]*workflows.Workflow{wf}, Options{Repository: "acme/api"})
		for _, fd := range rep.Findings {
			switch fd.Outcome {
			case Allow, Deny, Unknown:
			default:
				t.Fatalf("finding with outcome %q", fd.Outcome)
			}
		}
	})
}

// FuzzExpression: the expression reader never panics.
func FuzzExpression(f *testing.F) {
	for _, s := range []string{"github.event_name == 'push'", "!(a && b) || contains(x, 'y')", "format('{0}{1}', 1, 'a''b')", "((((", "secrets.X", "'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		sc := &scope{ctx: map[string]string{"github.event_name": "push"}}
		sc.eval(expr)
		sc.interpolate("${{ " + expr + " }}")
		sc.condition(expr)
	})
}
