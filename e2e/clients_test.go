package e2e

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// clientSpec says how one client pushes and pulls, and what it prints against GHCR in the four
// cases every client goes through (see runClient).
type clientSpec struct {
	name string
	// binary returns the client's executable (needTool) or skips the test.
	binary func(t *testing.T) string
	// version returns the client's version for the report.
	version func(t *testing.T, c *clientRun) string
	// setup runs once after the server started (e.g. to seed a source image).
	setup func(t *testing.T, c *clientRun)
	// push pushes testImage (or an artifact) to ref, logging in with password when it is not
	// empty. It returns the first failing command, or the last one.
	push func(t *testing.T, c *clientRun, ref, password string) runResult
	// pull pulls ref anonymously.
	pull func(t *testing.T, c *clientRun, ref string) runResult

	// What the client prints (one whole line; see expect) for:
	seedDenied    func(s *server, ref string) expect // workflow token pushes to acme/api
	badPassword   func(s *server, ref string) expect // wrong password pushes to acme/api
	anonymousPull func(s *server, ref string) expect // no credentials pull acme/private:latest
}

// expect is what a failing client prints: one or more consecutive whole lines, exactly, or
// else a regular expression for one whole line.
type expect struct {
	lines   []string
	pattern string
}

func exactly(lines ...string) expect { return expect{lines: lines} }

// matching takes a regular expression; use regexp.QuoteMeta for the literal parts.
func matching(pattern string) expect { return expect{pattern: pattern} }

func (e expect) check(t testing.TB, r runResult) {
	t.Helper()
	if e.pattern != "" {
		wantFailMatch(t, r, e.pattern)
		return
	}
	wantFail(t, r, e.lines...)
}

// clientRun is the state of one client's test: its binary, the server, and a fresh home.
type clientRun struct {
	bin string
	srv *server
	env []string // HOME, DOCKER_CONFIG, ... of the current case
	dir string   // the case's scratch dir (parent of those)
}

// run runs the client binary in the current case's environment.
func (c *clientRun) run(t testing.TB, args ...string) runResult {
	t.Helper()
	return runIn(t, c.env, "", c.bin, args...)
}

// runStdin is run with standard input.
func (c *clientRun) runStdin(t testing.TB, stdin string, args ...string) runResult {
	t.Helper()
	return runIn(t, c.env, stdin, c.bin, args...)
}

// runClient runs the four cases of the seed scenario with one client, against its own server:
//
//  1. seed_denied: the workflow's GITHUB_TOKEN (packages: write) pushes to acme/api, an
//     existing package that grants the repository no Actions access -> 403
//     permission_denied: write_package.
//  2. bad_password: the same push with a wrong password -> /token 403 DENIED "denied".
//  3. anonymous_private_pull: no credentials, pull acme/private -> /token 401 UNAUTHORIZED
//     "authentication required".
//  4. fixed_push: the admin API grants acme/api write access to its package; the push of
//     case 1 now succeeds.
func runClient(t *testing.T, spec clientSpec) {
	t.Parallel()
	c := &clientRun{bin: spec.binary(t)}
	c.dir, c.env = clientHome(t)
	rep := newClientReport(t, spec.name, spec.version(t, c))
	c.srv = startServer(t, "testdata/seed.yaml")
	if spec.setup != nil {
		spec.setup(t, c)
	}
	// Each case starts from an empty home: no login state carries over.
	fresh := func(t *testing.T) { c.dir, c.env = clientHome(t) }
	api := c.srv.Host + "/acme/api"

	rep.run(t, "seed_denied", func(t *testing.T) {
		fresh(t)
		ref := api + ":seed"
		spec.seedDenied(c.srv, ref).check(t, spec.push(t, c, ref, workflowToken))
	})
	rep.run(t, "bad_password", func(t *testing.T) {
		fresh(t)
		ref := api + ":badpw"
		spec.badPassword(c.srv, ref).check(t, spec.push(t, c, ref, wrongPassword))
	})
	rep.run(t, "anonymous_private_pull", func(t *testing.T) {
		fresh(t)
		ref := c.srv.Host + "/acme/private:latest"
		spec.anonymousPull(c.srv, ref).check(t, spec.pull(t, c, ref))
	})
	rep.run(t, "fixed_push", func(t *testing.T) {
		fresh(t)
		c.srv.grantWorkflowWrite(t)
		ref := api + ":fixed"
		wantOK(t, spec.push(t, c, ref, workflowToken))
		if _, err := remoteHead(c.srv, ref, workflowToken); err != nil {
			t.Errorf("after the push, HEAD %s: %v", ref, err)
		}
	})
}

// remoteHead checks with go-containerregistry that ref exists, authenticating with password.
func remoteHead(s *server, ref, password string) (string, error) {
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := remote.Head(r, remote.WithContext(ctx),
		remote.WithAuth(&authn.Basic{Username: "e2e", Password: password}))
	if err != nil {
		return "", err
	}
	return d.Digest.String(), nil
}

// pushTestImage pushes testImage with go-containerregistry (not a client under test), e.g. as
// the source of `docker manifest create`.
func pushTestImage(t *testing.T, ref, password string) {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := remote.Write(r, testImage.img, remote.WithContext(ctx),
		remote.WithAuth(&authn.Basic{Username: "e2e", Password: password})); err != nil {
		t.Fatalf("pushing the source image %s: %v", ref, err)
	}
}

// q quotes s for a pattern.
func q(s string) string { return regexp.QuoteMeta(s) }
