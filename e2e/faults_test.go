package e2e

import (
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// faultCmd runs `fakeghcr fault ARGS...` against s.
func faultCmd(t *testing.T, s *server, args ...string) {
	t.Helper()
	args = append(append([]string{"fault"}, args...), "--server", s.URL, "--admin-token", s.adminToken)
	wantOK(t, runIn(t, nil, "", fakeghcr.path, args...))
}

// firedCount reads `fakeghcr fault list`'s counter of the one rule.
func firedCount(t *testing.T, s *server) int {
	t.Helper()
	r := runIn(t, nil, "", fakeghcr.path, "fault", "list", "--server", s.URL, "--admin-token", s.adminToken)
	wantOK(t, r)
	m := regexp.MustCompile(`fired (\d+)\)`).FindStringSubmatch(r.Stdout)
	if m == nil {
		t.Fatalf("no counter in %q", r.Stdout)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// retryCase is one fault and what a client does about it.
type retryCase struct {
	name  string
	fault []string // fakeghcr fault add flags
	// lasting: the fault fires on every matching request.
	lasting bool
}

// retryCases: GHCR's 429 and a 503 on the upload POST, once (a retry gets
// through) and for good (the client gives up and prints the answer).
var retryCases = []retryCase{
	{name: "429_once", fault: []string{"--status", "429", "--method", "POST", "--times", "1"}},
	{name: "503_once", fault: []string{"--status", "503", "--method", "POST", "--times", "1"}},
	{name: "429_always", fault: []string{"--status", "429", "--method", "POST"}, lasting: true},
	{name: "503_always", fault: []string{"--status", "503", "--method", "POST"}, lasting: true},
	{name: "reset_once", fault: []string{"--reset-after", "8B", "--path", "/v2/*/blobs/uploads/*", "--times", "1"}},
}

// runRetry pushes with each case's fault in place, on a fresh server. want
// maps a case to a pattern for the client's failing line (q() quotes the
// literal parts); a case without one must succeed: the client retried.
func runRetry(t *testing.T, client string, push func(t *testing.T, s *server, env []string, ref string) runResult, want map[string]func(s *server) string) {
	for _, rc := range retryCases {
		t.Run(rc.name, func(t *testing.T) {
			s := startServer(t, "testdata/seed.yaml")
			faultCmd(t, s, append([]string{"add"}, rc.fault...)...)
			_, env := clientHome(t)
			r := push(t, s, env, s.Host+"/acme/base:"+rc.name)
			if w := want[rc.name]; w != nil {
				wantFailMatch(t, r, w(s))
			} else {
				wantOK(t, r)
			}
			// How often the client met the fault: more than once means it retried.
			fired := firedCount(t, s)
			t.Logf("%s %s: the fault fired %d times", client, rc.name, fired)
			if fired < 1 || want[rc.name] != nil && rc.lasting && fired < 2 {
				t.Errorf("the fault fired %d times; a client that retries meets a lasting fault more than once", fired)
			}
		})
	}
}

// TestCraneRetries: crane (go-containerregistry) retries 429, 503 and an
// upload cut mid-body, with backoff; past its retries it prints GHCR's answer.
func TestCraneRetries(t *testing.T) {
	t.Parallel()
	crane := needTool(t, "crane", installHint+" crane")
	runRetry(t, "crane", func(t *testing.T, s *server, env []string, ref string) runResult {
		if r := (command{env: env}).run(t, crane, "auth", "login", s.Host, "-u", "alice", "-p", aliceToken); r.Code != 0 {
			return r
		}
		return command{env: env}.run(t, crane, "push", testImage.tarball, ref)
	}, map[string]func(s *server) string{
		"429_always": func(s *server) string {
			return q("Error: POST " + s.URL + "/v2/acme/base/blobs/uploads/: TOOMANYREQUESTS: retry-after: 1.16676ms, allowed: 44000/minute")
		},
		"503_always": func(s *server) string {
			return q("Error: POST " + s.URL + "/v2/acme/base/blobs/uploads/: UNAVAILABLE: service unavailable")
		},
	})
}

// TestOrasRetries: oras retries 429 and 503; past its retries it prints
// GHCR's answer the way falcosecurity/plugins#1069 shows it. An upload cut
// mid-body it does not retry.
func TestOrasRetries(t *testing.T) {
	t.Parallel()
	oras := needTool(t, "oras", installHint+" oras")
	runRetry(t, "oras", func(t *testing.T, s *server, env []string, ref string) runResult {
		return command{env: env, dir: filepath.Dir(testImage.file)}.run(t, oras, "push", "--plain-http", "-u", "alice", "-p", aliceToken,
			ref, filepath.Base(testImage.file))
	}, map[string]func(s *server) string{
		"429_always": func(s *server) string {
			return q("Error response from registry: toomanyrequests: retry-after: 1.16676ms, allowed: 44000/minute")
		},
		"503_always": func(s *server) string {
			return q("Error response from registry: unavailable: service unavailable")
		},
		// oras does not retry an upload whose connection was cut.
		"reset_once": func(s *server) string {
			return q(`Error: Put "`+s.URL+`/v2/acme/base/blobs/uploads/`) + `[A-Z0-9]+\?digest=sha256%3A[0-9a-f]{64}": EOF`
		},
	})
}
