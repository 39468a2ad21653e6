package ghcrtest

import (
	"log/slog"
	"strings"
	"sync"
)

// tbWriter is the default log destination: each slog record becomes one
// t.Log line, so denials show in `go test -v` output and in a failing test's
// output. After stop it drops everything: testing panics on a Log after the
// test has ended, and requests can outlive a test that forgot to close its
// clients (Close waits for them, then stops the writer).
type tbWriter struct {
	mu      sync.Mutex
	t       TB
	stopped bool
}

func (w *tbWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.t.Log("fakeghcr: " + strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (w *tbWriter) stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
}

// dropTime leaves the time out of test log lines: the test runner's output
// is already ordered, and WithClock may make the time fake.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}
