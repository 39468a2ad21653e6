package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// commandTimeout bounds every client command.
const commandTimeout = 2 * time.Minute

// needTool returns the path of a client binary. When it is missing, the test is skipped with a
// loud message naming the install command, or fails when CI=true.
func needTool(t testing.TB, name, install string) string {
	t.Helper()
	if p, err := findTool(name); err == nil {
		return p
	}
	msg := fmt.Sprintf("\n"+
		"********************************************************************************\n"+
		"*** %s IS NOT INSTALLED: its end-to-end tests did not run.\n"+
		"*** Install it with:  %s\n"+
		"********************************************************************************",
		strings.ToUpper(name), install)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// findTool looks in PATH, then in $FAKEGHCR_TOOLS_BIN and $(go env GOPATH)/bin, where
// .ci/install-clients.sh puts the Go tools.
func findTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range toolDirs() {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found in PATH or %s", name, strings.Join(toolDirs(), ", "))
}

var toolDirs = sync.OnceValue(func() []string {
	var dirs []string
	if d := os.Getenv("FAKEGHCR_TOOLS_BIN"); d != "" {
		dirs = append(dirs, d)
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, p := range filepath.SplitList(strings.TrimSpace(string(out))) {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	return dirs
})

const installHint = "bash .ci/install-clients.sh"

// runResult is what one client command did.
type runResult struct {
	Stdout, Stderr string
	Code           int // exit code; -1 when it did not run or was killed
	Err            error
}

// Output is stderr followed by stdout, for matching and for messages.
func (r runResult) Output() string { return r.Stderr + r.Stdout }

// runIn runs a command with the given environment (added to a cleaned copy of the test
// process's environment) and stdin, bounded by commandTimeout.
func runIn(t testing.TB, env []string, stdin string, name string, args ...string) runResult {
	t.Helper()
	return command{env: env, stdin: stdin}.run(t, name, args...)
}

// runInDir runs the client in a working directory.
func runInDir(t testing.TB, c *clientRun, dir string, args ...string) runResult {
	t.Helper()
	return command{dir: dir, env: c.env}.run(t, c.bin, args...)
}

// command is how to run one client command.
type command struct {
	dir   string   // working directory; empty: the test's
	env   []string // added to cleanEnv()
	stdin string
	// tee, when set, is a file that also receives the command's stdout and stderr as they
	// arrive (appended), for a process that watches the command's output while it runs.
	tee string
}

func (cm command) run(t testing.TB, name string, args ...string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = cm.dir
	cmd.Env = append(cleanEnv(), cm.env...)
	cmd.Stdin = strings.NewReader(cm.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if cm.tee != "" {
		f, err := os.OpenFile(cm.tee, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmd.Stdout, cmd.Stderr = io.MultiWriter(&stdout, f), io.MultiWriter(&stderr, f)
	}
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	r := runResult{Stdout: stdout.String(), Stderr: stderr.String(), Code: -1, Err: err}
	var exit *exec.ExitError
	switch {
	case err == nil:
		r.Code = 0
	case errors.As(err, &exit):
		r.Code = exit.ExitCode()
	}
	if ctx.Err() != nil {
		r.Err = fmt.Errorf("%s timed out after %s: %w", name, commandTimeout, ctx.Err())
		r.Code = -1
	}
	t.Logf("$ %s %s\nexit %d\n%s", filepath.Base(name), strings.Join(redact(args), " "), r.Code, indent(r.Output()))
	return r
}

// cleanEnv is the test's environment without anything that would make a client read the
// developer's real credentials or configuration, and with proxies off for loopback.
func cleanEnv() []string {
	drop := map[string]bool{
		"DOCKER_CONFIG": true, "DOCKER_CONTEXT": true, "HOME": true,
		"REGISTRY_AUTH_FILE": true, "REGCTL_CONFIG": true, "XDG_RUNTIME_DIR": true,
		"XDG_CONFIG_HOME": true, "BUILDX_CONFIG": true, "BUILDKIT_HOST": true,
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	// fakeghcr sandbox reaches nothing but ghcr.io (its --offline) unless a test says otherwise:
	// tests never send traffic off the machine.
	return append(env, "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost", "FAKEGHCR_OFFLINE=true")
}

// clientHome makes fresh HOME, DOCKER_CONFIG and friends for one client, so parallel clients
// never share a config file and the real ~/.docker is never touched.
func clientHome(t testing.TB) (dir string, env []string) {
	t.Helper()
	dir = t.TempDir()
	for _, d := range []string{"home", "docker", "xdg-config", "xdg-runtime"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return dir, []string{
		"HOME=" + filepath.Join(dir, "home"),
		"DOCKER_CONFIG=" + filepath.Join(dir, "docker"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg-config"),
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, "xdg-runtime"),
		"REGISTRY_AUTH_FILE=" + filepath.Join(dir, "docker", "config.json"),
		"REGCTL_CONFIG=" + filepath.Join(dir, "regctl.json"),
	}
}

// redact hides the secrets of testdata/seed.yaml in logged command lines (they are fake, but
// the habit matters: users pass real tokens to these clients).
func redact(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		a = strings.NewReplacer(workflowToken, "<workflow token>", aliceToken, "<alice PAT>",
			wrongPassword, "<wrong password>", cleanupAlice, "<cleanup alice PAT>", cleanupReader, "<cleanup reader PAT>").Replace(a)
		out[i] = a
	}
	return out
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "  (no output)"
	}
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// wantFail checks that the command failed and printed want: consecutive whole lines of its
// stderr or stdout, exactly.
func wantFail(t testing.TB, r runResult, want ...string) {
	t.Helper()
	if r.Code <= 0 {
		t.Errorf("exit code %d (%v), want a failure printing\n%s", r.Code, r.Err, indent(strings.Join(want, "\n")))
	}
	wantLines(t, r.Stderr, r.Stdout, want)
}

// wantFailMatch is wantFail with a regular expression that must match one whole line.
func wantFailMatch(t testing.TB, r runResult, pattern string) string {
	t.Helper()
	if r.Code <= 0 {
		t.Errorf("exit code %d (%v), want a failure printing a line matching\n  %s", r.Code, r.Err, pattern)
	}
	re := regexp.MustCompile("^(?:" + pattern + ")$")
	for _, l := range lines(r.Output()) {
		if re.MatchString(l) {
			return l
		}
	}
	t.Errorf("no output line matches\n  %s\noutput:\n%s", pattern, indent(r.Output()))
	return ""
}

// wantLines checks that one of the outputs has the lines want, consecutively and whole.
func wantLines(t testing.TB, stderr, stdout string, want []string) {
	t.Helper()
	if hasLines(stderr, want) || hasLines(stdout, want) {
		return
	}
	t.Errorf("missing output\n%s\noutput:\n%s", indent(strings.Join(want, "\n")), indent(stderr+stdout))
}

// hasLines reports whether out has the lines want, consecutively and whole.
func hasLines(out string, want []string) bool {
	block := "\n" + strings.Join(want, "\n") + "\n"
	return strings.Contains("\n"+strings.Join(lines(out), "\n")+"\n", block)
}

func wantOK(t testing.TB, r runResult) {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("exit code %d (%v), want success; output:\n%s", r.Code, r.Err, indent(r.Output()))
	}
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		out = append(out, strings.TrimRight(l, "\r"))
	}
	return out
}

// clientReport counts the cases of one client and prints its version and a pass count when
// the client's test ends: as a test log line, and appended to $FAKEGHCR_E2E_SUMMARY if set
// (.ci/run prints that file).
type clientReport struct {
	name    string
	version string
	mu      sync.Mutex
	passed  []string
	failed  []string
	skipped []string
}

func newClientReport(t *testing.T, name, version string) *clientReport {
	c := &clientReport{name: name, version: version}
	t.Cleanup(func() {
		line := c.summary()
		t.Log(line)
		if p := os.Getenv("FAKEGHCR_E2E_SUMMARY"); p != "" {
			summaryMu.Lock()
			defer summaryMu.Unlock()
			f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
			if err != nil {
				t.Errorf("summary: %v", err)
				return
			}
			defer f.Close()
			fmt.Fprintln(f, line)
		}
	})
	return c
}

var summaryMu sync.Mutex

// run runs one case as a subtest and counts it.
func (c *clientReport) run(t *testing.T, name string, f func(t *testing.T)) bool {
	t.Helper()
	ok := t.Run(name, func(t *testing.T) {
		defer func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			switch {
			case t.Failed():
				c.failed = append(c.failed, name)
			case t.Skipped():
				c.skipped = append(c.skipped, name)
			default:
				c.passed = append(c.passed, name)
			}
		}()
		f(t)
	})
	return ok
}

func (c *clientReport) summary() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := fmt.Sprintf("e2e client: %-14s %-9s %d passed, %d failed, %d skipped",
		c.name, c.version, len(c.passed), len(c.failed), len(c.skipped))
	if len(c.failed) > 0 {
		s += " (failed: " + strings.Join(c.failed, ", ") + ")"
	}
	return s
}

// firstLine returns the first non-empty line of s, trimmed.
func firstLine(s string) string {
	for _, l := range lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}
