package ghcrtest_test

import (
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/ghcrtest"
)

// helperTB finds, as testing does, the line a Log is reported at: the
// first caller that did not call Helper.
type helperTB struct {
	recordingTB
	mu      sync.Mutex
	helpers map[string]bool // function names that called Helper
	at      []string        // "function" each Log is reported at
}

func (h *helperTB) Helper() {
	pc, _, _, _ := runtime.Caller(1)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.helpers[runtime.FuncForPC(pc).Name()] = true
}

func (h *helperTB) Log(args ...any) {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	h.mu.Lock()
	defer h.mu.Unlock()
	for {
		f, more := frames.Next()
		if !h.helpers[f.Function] {
			h.at = append(h.at, f.Function)
			break
		}
		if !more {
			break
		}
	}
	h.recordingTB.Log(args...)
}

// TestFixtureLogNamesCaller: the line a fixture change logs is reported at
// the test that made it, not inside ghcrtest.
func TestFixtureLogNamesCaller(t *testing.T) {
	t.Parallel()
	tb := &helperTB{helpers: map[string]bool{}}
	defer tb.cleanup()
	s := ghcrtest.New(tb)
	changeSomething(s)
	_, logs := tb.snapshot()
	if len(tb.at) != 1 || len(logs) != 1 || !strings.Contains(logs[0], "op=set_visibility") {
		t.Fatalf("logs %q at %q, want one world change", logs, tb.at)
	}
	if want := "ghcrtest_test.changeSomething"; !strings.HasSuffix(tb.at[0], want) {
		t.Errorf("the change is reported at %s, want %s", tb.at[0], want)
	}
}

func changeSomething(s *ghcrtest.Server) { s.SetVisibility("acme/api", authz.Private) }
