package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The example workflow and its scenario (docs/act.md).
const (
	actWorkflow = "../examples/workflows/publish.yml"
	actScenario = "../examples/workflows/fakeghcr.yaml"
	// actJob prefixes act's lines for the workflow's job: [WORKFLOW NAME/JOB ID].
	actJob = "[publish/publish]"
)

// TestAct runs examples/workflows/publish.yml with act v0.2.89 in host mode
// (-P ubuntu-latest=-self-hosted: run: steps on this machine, no job container, nothing fetched
// from github.com) against fakeghcr serving examples/workflows/fakeghcr.yaml. The workflow's
// GITHUB_TOKEN is a fake token that the scenario's wildcard credential maps to the workflow of
// acme/api (act ignores permissions: blocks, so the scenario says packages: write). The push is
// refused with GHCR's 403, the fix is applied through the admin API, and the rerun succeeds.
//
// Not parallel: t.Setenv starts this test's fakeghcr at log level debug, which logs every
// request, so that the check that the token never reaches the log covers the most output.
func TestAct(t *testing.T) {
	t.Setenv("FAKEGHCR_LOG_LEVEL", "debug")
	act := needTool(t, "act", installHint+" act")
	crane := needTool(t, "crane", installHint+" crane") // the workflow's steps run crane
	git := needTool(t, "git", "apt-get install -y git")

	home, env := clientHome(t)
	// The steps find crane on the PATH, so the workflow's install step downloads nothing. They
	// find it through a wrapper that also copies crane's stderr to a file (act_output_test.go):
	// act v0.2.89 can drop a failing step's last lines, so crane's own words are read from the
	// file, and act's line is checked with watch.showing.
	watch := newActWatch(t, map[string]string{"crane": crane})
	env = append(env,
		watch.path(filepath.Dir(crane)),
		// No system git configuration (signing, hooks) in the test repository.
		"GIT_CONFIG_NOSYSTEM=1",
	)
	version := strings.TrimPrefix(firstLine(runIn(t, env, "", act, "--version").Stdout), "act version ")
	rep := newClientReport(t, "act", version)

	srv := startServer(t, actScenario)
	repo, sha := actRepository(t, git, env)

	// A token the scenario does not know: the wildcard credential ("*") maps it to the
	// workflow of acme/api. act reads it from a secret file: it is not on act's command line,
	// nor in the environment act hands to host-mode steps (only the login step maps it).
	token := "ghs_" + randomHex(t, 18)
	secrets := filepath.Join(home, "act.secrets")
	if err := os.WriteFile(secrets, []byte("GITHUB_TOKEN="+token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"push",
		"-P", "ubuntu-latest=-self-hosted", // host mode: run: steps on this machine
		"--action-offline-mode", // never fetch actions or images
		"--no-cache-server",     // no cache server on the outbound address
		"--action-cache-path", filepath.Join(home, "act-cache"),
		"--secret-file", secrets,
		"--env", "REGISTRY=" + srv.Host, // overrides the workflow's env REGISTRY: ghcr.io
		// Where crane's login goes: a fresh config, not the developer's ~/.docker.
		"--env", "DOCKER_CONFIG=" + filepath.Join(home, "docker"),
	}
	runAct := func(t *testing.T) runResult {
		t.Helper()
		return command{dir: repo, env: env, tee: watch.actLog}.run(t, act, args...)
	}
	image := srv.Host + "/acme/api"
	tag := sha[:12]

	rep.run(t, "seed_denied", func(t *testing.T) {
		// crane's message for GHCR's 403.
		craneLine := "Error: pushing image " + image + ":" + tag + ": POST " + srv.URL +
			"/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package"
		r := watch.showing(t, actJob, []string{craneLine}, func() runResult { return runAct(t) })
		// crane printed it (from the file its wrapper wrote, not through act's streaming).
		wantLines(t, watch.printed(t), "", []string{craneLine})
		// act showed it with its prefix, as docs/act.md quotes it; then the step failed, then
		// the job.
		wantFail(t, r, actJob+"   | "+craneLine)
		wantFailMatch(t, r, regexp.QuoteMeta(actJob+"   ❌  Failure - Main Build and push the image [")+`[^\]]+\]`)
		wantLines(t, r.Stderr, r.Stdout, []string{actJob + " 🏁  Job failed"})
		// The wildcard mapped the fake token to the workflow identity, and the rule that
		// refused it is the seed case's.
		d := actNewestDenial(t, srv)
		if d.Principal != "github_token:workflow" || d.Reason != "actions_access_missing" || d.Status != http.StatusForbidden {
			t.Errorf("newest denial: principal %q reason %q status %d, want github_token:workflow actions_access_missing 403",
				d.Principal, d.Reason, d.Status)
		}
	})

	rep.run(t, "fixed_push", func(t *testing.T) {
		srv.grantWorkflowWrite(t)
		r := runAct(t)
		wantOK(t, r)
		wantLines(t, r.Stderr, r.Stdout, []string{actJob + " 🏁  Job succeeded"})
		pushed, err := remoteHead(srv, image+":"+tag, token)
		if err != nil {
			t.Fatalf("after the workflow, HEAD %s:%s: %v", image, tag, err)
		}
		latest, err := remoteHead(srv, image+":latest", token)
		if err != nil || latest != pushed {
			t.Errorf("%s:latest is %s (%v), want %s (the workflow's crane tag)", image, latest, err, pushed)
		}
	})

	rep.run(t, "token_never_logged", func(t *testing.T) {
		decisions := actAdminGet(t, srv, "/_fakeghcr/decisions")
		world := actAdminGet(t, srv, "/_fakeghcr/world")
		// fakeghcr logs a request once its handler returned, which can be after the client
		// has its answer: the log is complete only once the server has exited.
		srv.stop(t)
		log, err := os.ReadFile(srv.logPath)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(log, []byte("level=DEBUG msg=request method=GET path=/token")) {
			t.Fatalf("fakeghcr did not log at debug level; the check below would prove little:\n%s", srv.logTail())
		}
		for what, b := range map[string][]byte{
			"fakeghcr's log":           log,
			"GET /_fakeghcr/decisions": decisions,
			"GET /_fakeghcr/world":     world,
		} {
			if bytes.Contains(b, []byte(token)) {
				t.Errorf("%s contains the workflow's GITHUB_TOKEN", what)
			}
		}
	})
}

// actRepository makes a git repository holding the example workflow, with one commit and the
// remote origin https://github.com/acme/api.git, from which act takes GITHUB_REPOSITORY
// (acme/api) and the commit for GITHUB_SHA. It returns the directory and the commit.
func actRepository(t *testing.T, git string, env []string) (dir, sha string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "api")
	workflows := filepath.Join(dir, ".github", "workflows")
	if err := os.MkdirAll(workflows, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(actWorkflow)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(workflows, "publish.yml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	ident := []string{"-c", "user.name=fakeghcr e2e", "-c", "user.email=e2e@fakeghcr.test", "-c", "commit.gpgsign=false"}
	for _, args := range [][]string{
		{"init", "--quiet", "--initial-branch", "main"},
		{"add", "."},
		append(ident, "commit", "--quiet", "--message", "publish workflow"),
		{"remote", "add", "origin", "https://github.com/acme/api.git"},
	} {
		wantOK(t, command{dir: dir, env: env}.run(t, git, args...))
	}
	sha = firstLine(command{dir: dir, env: env}.run(t, git, "rev-parse", "HEAD").Stdout)
	if len(sha) != 40 {
		t.Fatalf("git rev-parse HEAD: %q", sha)
	}
	return dir, sha
}

// actDecision is the part of a registry.Record (GET /_fakeghcr/decisions) the test reads.
type actDecision struct {
	Principal string `json:"principal"`
	Allowed   bool   `json:"allowed"`
	Reason    string `json:"reason"`
	Status    int    `json:"status"`
}

// actNewestDenial returns the newest refusal among the server's decisions.
func actNewestDenial(t *testing.T, s *server) actDecision {
	t.Helper()
	var body struct {
		Decisions []actDecision `json:"decisions"`
	}
	if err := json.Unmarshal(actAdminGet(t, s, "/_fakeghcr/decisions"), &body); err != nil {
		t.Fatalf("decisions: %v", err)
	}
	for _, d := range body.Decisions { // newest first
		if !d.Allowed {
			return d
		}
	}
	t.Fatalf("no denial among %d decisions", len(body.Decisions))
	return actDecision{}
}

// actAdminGet GETs an admin endpoint with the server's admin token.
func actAdminGet(t *testing.T, s *server, path string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v %s", path, resp.Status, err, b)
	}
	return b
}
