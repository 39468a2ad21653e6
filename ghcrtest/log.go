package ghcrtest

import (
	"io"
	"log/slog"
	"strings"
	"sync"
)

// tbWriter is the default log destination: each slog record becomes one
// line of the test's output, so denials show in `go test -v` output and in
// a failing test's output. Records of requests, which no line of the test
// made, are written without a source location where the TB offers Output
// (*testing.T does since Go 1.25) rather than naming this file; the
// fixture's own changes go through line, naming the test line that made
// them. After stop it drops everything: testing panics on a Log after the
// test has ended, and requests can outlive a test that forgot to close its
// clients (Close waits for them, then stops the writer).
//
// A record the same as one already written since the world last changed
// is left out: a refused push repeats one decision for each request it
// makes (a HEAD and a POST per blob, several blobs at once), which read as
// the same denial logged over and over. The records carry no time or
// request id (see dropTime), so equal bytes are the same decision. A
// logger given with WithLogger gets every record.
type tbWriter struct {
	mu      sync.Mutex
	t       TB
	stopped bool
	seen    map[string]bool // records written since the last change
}

// maxSeen bounds the records remembered for leaving out repeats; past it
// the memory starts again (a repeat may then show once more).
const maxSeen = 256

func (w *tbWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped || w.seen[string(p)] {
		return len(p), nil
	}
	if w.seen == nil || len(w.seen) >= maxSeen {
		w.seen = map[string]bool{}
	}
	w.seen[string(p)] = true
	if o, ok := w.t.(interface{ Output() io.Writer }); ok {
		_, _ = io.WriteString(o.Output(), "fakeghcr: "+string(p))
		return len(p), nil
	}
	w.t.Log("fakeghcr: " + strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// line logs one line with t.Log from the caller's caller: every function
// between the test and here calls t.Helper, so the test output names the
// test's own line.
func (w *tbWriter) line(s string) {
	w.t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.t.Log("fakeghcr: " + s)
	}
	w.seen = nil // the world changed: the same request may now be decided anew
}

func (w *tbWriter) stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
}

// note logs one of the fixture's own events (a change, a reset): with the
// default logger at the test's line that caused it, otherwise to the
// logger WithLogger gave.
func (s *Server) note(msg string, attrs ...any) {
	s.t.Helper()
	if s.logTo == nil {
		s.log.Info(msg, attrs...)
		return
	}
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{ReplaceAttr: dropTime})).Info(msg, attrs...)
	s.logTo.line(strings.TrimSuffix(b.String(), "\n"))
}

// dropTime leaves the time out of test log lines: the test runner's output
// is already ordered, and WithClock may make the time fake.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
