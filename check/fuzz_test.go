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
		"on: push\njobs:\n  a:\n    steps:\n      - run: timeout -s KILL 5m buildah push x docker://ghcr.io/a/b && docker run quay.io/skopeo/stable copy docker://a docker://ghcr.io/a/c\n      - run: Write-Output $env:T | apptainer remote login -u x --password-stdin oras://ghcr.io; flux push artifact oci://ghcr.io/a/d --creds u:p\n",
		"on: push\njobs:\n  a:\n    steps:\n      - run: ./mvnw jib:build -Djib.to.image=ghcr.io/a/b -Djib.to.auth.password=p; /kaniko/executor -d ghcr.io/a/c; pack build ghcr.io/a/e --publish; echo ::set-output name=x::y\n      - uses: docker://ghcr.io/a/f\n",
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
