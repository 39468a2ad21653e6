package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// act v0.2.89 loses the last output of a failing run: step in host mode (-P
// ubuntu-latest=-self-hosted). HostEnvironment.exec (pkg/container/host_environment.go) runs
// the step on a pseudo-terminal and copies the terminal's output to act's log in a goroutine;
// when the step exits non-zero it returns at once, without waiting for that goroutine, and its
// deferred Close of the terminal discards what the goroutine had not read yet. A step that
// succeeds is drained (act writes an EOT and waits for it), so only a failing step's last lines
// go missing, the more often the busier the machine: with both cores of a 2-core machine busy, a
// step whose tool printed 50 lines, then an error line, and exited 1 lost the error line in 20
// of 100 act runs. The seed case is such a failing step: its last line is the client's error,
// the line docs/act.md quotes.
//
// So the tests read what a tool in a step printed from a file the step writes (actWatch), and
// check the line act shows users with actWatch.showing: the step's tool does not exit before
// act has shown its last line (the same step through such a wrapper: 0 of 100 runs lost it),
// and when act lost a line anyway, act runs again.

// actTries bounds the act runs of one check.
const actTries = 3

// actWatch wraps the tools a workflow's steps run, to learn what they printed.
type actWatch struct {
	// dir holds one wrapper per tool: put it first on the PATH act gives its steps.
	dir string
	// stepLog receives what the wrapped tools print to stderr.
	stepLog string
	// actLog receives act's output while act runs (command.tee): a wrapped tool that fails
	// waits, for up to 10 seconds, until its last line is there before it exits.
	actLog string
}

// newActWatch writes a wrapper for each tool (name: path of the real one). A wrapper runs the
// real tool with the same arguments, stdin and stdout and the same exit status; it copies the
// tool's stderr to stepLog, then to its own stderr, and when the tool failed it waits until act
// has shown the last line of it. That wait is what keeps act v0.2.89 from losing the line: act
// drops only what the step printed after act's reader last ran, and the step's shell cannot
// exit before its tool does.
func newActWatch(t testing.TB, tools map[string]string) *actWatch {
	t.Helper()
	base := t.TempDir()
	w := &actWatch{
		dir:     filepath.Join(base, "tools"),
		stepLog: filepath.Join(base, "step-stderr.log"),
		actLog:  filepath.Join(base, "act-output.log"),
	}
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, real := range tools {
		script := "#!/bin/sh\n" +
			"# " + name + ", with its stderr also appended to a file the e2e test reads.\n" +
			"err=$(mktemp) || exit 1\n" +
			shellQuote(real) + ` "$@" 2>"$err"` + "\n" +
			"code=$?\n" +
			`cat "$err" >>` + shellQuote(w.stepLog) + "\n" +
			`cat "$err" >&2` + "\n" +
			// act prints a step's line as "[workflow/job]   | LINE".
			`last=$(grep -v '^[[:space:]]*$' "$err" | tail -n 1)` + "\n" +
			`rm -f "$err"` + "\n" +
			`if [ "$code" -ne 0 ] && [ -n "$last" ]; then` + "\n" +
			"  i=0\n" +
			`  until grep -qF -- "| $last" ` + shellQuote(w.actLog) + ` 2>/dev/null || [ "$i" -ge 200 ]; do sleep 0.05; i=$((i+1)); done` + "\n" +
			"fi\n" +
			"exit $code\n"
		if err := os.WriteFile(filepath.Join(w.dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// nodeHook is a module every node process of the workflow loads first (see nodeOptions). It is
// actWatch's wrapper for a JavaScript action: act v0.2.89 runs an action's main script with
// the node that `node -e console.log(process.execPath)` names, the real binary, so a `node`
// script first on the PATH is never what runs the action. The hook copies what the process
// writes to stdout and stderr to stepLog, and when the process exits with a failure it waits,
// up to 10 seconds, until a line of act's output ends with the last line it wrote: an action's
// ::error:: line (core.setFailed) is written after its tool exits, so no wrapper of the tool
// can hold it. Node writes to a terminal synchronously on Linux, so by the 'exit' event the
// line is in act's pseudo-terminal.
const nodeHook = `'use strict';
const fs = require('fs');
const stepLog = %s, actLog = %s;
let tail = '';
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = (chunk, ...rest) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    try { fs.appendFileSync(stepLog, text); } catch (e) {}
    tail = (tail + text).slice(-8192);
    return write(chunk, ...rest);
  };
}
process.on('exit', (code) => {
  const last = tail.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '').pop();
  if (code === 0 || !last) return;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 200; i++) {
    let shown = '';
    try { shown = fs.readFileSync(actLog, 'utf8'); } catch (e) {}
    if (shown.split('\n').some((l) => l.trimEnd().endsWith(last))) return;
    Atomics.wait(pause, 0, 0, 50);
  }
});
`

// nodeOptions writes nodeHook and returns the NODE_OPTIONS variable that makes each node
// process of act's steps load it (act in host mode passes its environment to the steps).
func (w *actWatch) nodeOptions(t testing.TB) string {
	t.Helper()
	hook := filepath.Join(filepath.Dir(w.dir), "node-hook.cjs")
	js := fmt.Sprintf(nodeHook, strconv.Quote(w.stepLog), strconv.Quote(w.actLog))
	if err := os.WriteFile(hook, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	return "NODE_OPTIONS=--require=" + hook
}

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// path is PATH with the wrappers first, then dirs.
func (w *actWatch) path(dirs ...string) string {
	return "PATH=" + strings.Join(append(append([]string{w.dir}, dirs...), os.Getenv("PATH")), string(os.PathListSeparator))
}

// printed is what the wrapped tools printed to stderr in the last run.
func (w *actWatch) printed(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(w.stepLog)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

// showing runs act (run, which must copy act's output to w.actLog) until its output shows
// each of want, a line a wrapped tool printed, as act prints it: job + "   | " + line. Both
// files are removed before each run. When act's output lacks a line that stepLog has, act lost
// it: the run is logged and act runs again, up to actTries runs. When stepLog lacks it too,
// the step did not print it and act does not run again: the caller's checks fail on that run.
// It returns the last run.
func (w *actWatch) showing(t testing.TB, job string, want []string, run func() runResult) runResult {
	t.Helper()
	lines := make([]actLine, len(want))
	for i, l := range want {
		lines[i] = actLine{printed: l, shown: job + "   | " + l}
	}
	return w.showingLines(t, lines, run)
}

// actLine is a line a wrapped tool printed and the line act shows for it: job + "   | " +
// line for plain output, job + "   ❗  " + line for a workflow command such as ::error::.
type actLine struct{ printed, shown string }

// showingLines is showing for lines act may show in another form than "   | ".
func (w *actWatch) showingLines(t testing.TB, want []actLine, run func() runResult) runResult {
	t.Helper()
	for try := 1; ; try++ {
		for _, f := range []string{w.stepLog, w.actLog} {
			if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Fatal(err)
			}
		}
		r := run()
		printed := w.printed(t)
		var lost []string
		for _, l := range want {
			shown := []string{l.shown}
			if hasLines(r.Stderr, shown) || hasLines(r.Stdout, shown) {
				continue
			}
			if !hasLines(printed, []string{l.printed}) {
				return r // the step did not print it: not act's loss
			}
			lost = append(lost, l.printed)
		}
		if len(lost) == 0 || try == actTries {
			return r
		}
		t.Logf("act lost the step's output (run %d of %d): the step printed\n%s\nbut act's output lacks it (act v0.2.89 drops a failing host-mode step's last lines); running act again",
			try, actTries, indent(strings.Join(lost, "\n")))
	}
}

// TestActWatchShowing checks actWatch.showing's decisions with runs that stand in for act: a
// line the step printed but act did not show is a loss (logged, and act runs again, at most
// actTries times); a line the step did not print is not (no second run).
func TestActWatchShowing(t *testing.T) {
	const job, line = "[wf/job]", "Error: denied"
	w := newActWatch(t, nil)
	// run returns act's output for one run, the step having printed stepOut.
	fake := func(shown []bool, stepOut string) (func() runResult, *int) {
		n := new(int)
		return func() runResult {
			i := *n
			*n++
			if err := os.WriteFile(w.stepLog, []byte(stepOut), 0o644); err != nil {
				t.Fatal(err)
			}
			r := runResult{Stdout: job + "   ❌  Failure - Main step\n", Code: 1}
			if i < len(shown) && shown[i] {
				r.Stdout = job + "   | " + line + "\n" + r.Stdout
			}
			return r
		}, n
	}
	for _, c := range []struct {
		name    string
		shown   []bool
		printed string
		runs    int
		showed  bool
	}{
		{"shown at once", []bool{true}, line + "\n", 1, true},
		{"lost once", []bool{false, true}, line + "\n", 2, true},
		{"lost every time", []bool{false, false, false, false}, line + "\n", actTries, false},
		{"never printed", []bool{false, true}, "Error: something else\n", 1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			run, n := fake(c.shown, c.printed)
			logs := &countLogs{TB: t}
			r := w.showing(logs, job, []string{line}, run)
			if *n != c.runs {
				t.Errorf("act ran %d times, want %d", *n, c.runs)
			}
			if logs.n != c.runs-1 {
				t.Errorf("%d runs logged as lost, want %d", logs.n, c.runs-1)
			}
			if got := hasLines(r.Stdout, []string{job + "   | " + line}); got != c.showed {
				t.Errorf("the returned run shows the line: %v, want %v", got, c.showed)
			}
		})
	}
}

// countLogs counts Logf calls instead of logging them: the lost-output lines of
// TestActWatchShowing are not act's, and .ci/run counts act's.
type countLogs struct {
	testing.TB
	n int
}

func (c *countLogs) Logf(string, ...any) { c.n++ }

// TestActWatchWrapper runs a wrapper as a step would: the tool's stdout, stderr and exit status
// come through, its stderr lands in stepLog, and when it failed the wrapper does not exit until
// act's output (actLog) shows the tool's last line.
func TestActWatchWrapper(t *testing.T) {
	tool := filepath.Join(t.TempDir(), "tool")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\necho out\necho first >&2\necho 'last: it failed' >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	w := newActWatch(t, map[string]string{"tool": tool})
	cmd := exec.Command(filepath.Join(w.dir, "tool"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Until act shows the last line, the wrapper waits (for up to 10 seconds).
	err := holdsUntilShown(t, cmd, w.actLog, "[wf/job]   | first\n[wf/job]   | last: it failed\n", 300*time.Millisecond)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Errorf("wrapper: %v, want the tool's exit status 3", err)
	}
	if stdout.String() != "out\n" || stderr.String() != "first\nlast: it failed\n" {
		t.Errorf("wrapper printed stdout %q, stderr %q; want the tool's", stdout.String(), stderr.String())
	}
	if got := w.printed(t); got != "first\nlast: it failed\n" {
		t.Errorf("stepLog holds %q, want the tool's stderr", got)
	}
}

// TestActWatchNodeHook runs node as act runs a JavaScript action, with nodeOptions: what the
// process prints lands in stepLog, and when it fails it does not exit until act's output
// (actLog) shows its last line, here a workflow command as act shows it.
func TestActWatchNodeHook(t *testing.T) {
	node := needTool(t, "node", "apt-get install -y nodejs")
	w := newActWatch(t, nil)
	cmd := exec.Command(node, "-e", `console.log("building"); process.stdout.write("::error::it failed\n"); process.exitCode = 2`)
	cmd.Env = append(os.Environ(), w.nodeOptions(t))
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	err := holdsUntilShown(t, cmd, w.actLog, "[wf/job]   | building\n[wf/job]   ❗  ::error::it failed\n", 500*time.Millisecond)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Errorf("node: %v, want its exit status 2", err)
	}
	if stdout.String() != "building\n::error::it failed\n" {
		t.Errorf("node printed %q, want its own output", stdout.String())
	}
	if got := w.printed(t); got != "building\n::error::it failed\n" {
		t.Errorf("stepLog holds %q, want what node printed", got)
	}
}

// holdsUntilShown starts cmd, fails the test if it exits within hold (before act's output shows
// its last line), then writes shown to actLog, act's output, and returns cmd's exit once it
// exits; it fails the test if cmd has not exited 8 seconds after.
func holdsUntilShown(t *testing.T, cmd *exec.Cmd, actLog, shown string, hold time.Duration) error {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("%s exited (%v) before act showed its last line", filepath.Base(cmd.Path), err)
	case <-time.After(hold):
	}
	if err := os.WriteFile(actLog, []byte(shown), 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		return err
	case <-time.After(8 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%s did not exit once act's output showed its last line", filepath.Base(cmd.Path))
		return nil
	}
}
