package ghcrtest_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
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

// TestFixtureLogsARefusedPushOnce: a push makes the same refused request
// once per blob; the test's log shows the denial once, and again after a
// world change that leaves it refused. A logger from WithLogger still gets
// every record.
func TestFixtureLogsARefusedPushOnce(t *testing.T) {
	t.Parallel()
	tb := &recordingTB{}
	defer tb.cleanup()
	s := ghcrtest.New(tb)
	denials := func() int {
		_, logs := tb.snapshot()
		n := 0
		for _, l := range logs {
			if strings.Contains(l, "decision=deny") {
				n++
			}
		}
		return n
	}
	refusedUploads(t, s, "workflow", 3)
	if n := denials(); n != 1 {
		_, logs := tb.snapshot()
		t.Fatalf("3 refused upload POSTs logged %d denials, want 1:\n%s", n, strings.Join(logs, "\n"))
	}
	s.SetVisibility("acme/api", authz.Public) // a change that still refuses the push
	refusedUploads(t, s, "workflow", 3)
	if n := denials(); n != 2 {
		t.Errorf("after a world change, %d denials in all, want 2", n)
	}

	var all syncLines
	tb2 := &recordingTB{}
	defer tb2.cleanup()
	s2 := ghcrtest.New(tb2, ghcrtest.WithLogger(slog.New(slog.NewTextHandler(&all, nil))))
	refusedUploads(t, s2, "workflow", 3)
	if n := all.count("decision=deny"); n != 3 {
		t.Errorf("WithLogger got %d denial records of 3 refused POSTs, want 3", n)
	}
}

// refusedUploads does what a push does for each of n blobs, as cred:
// the token exchange for push, then the upload POST, which must be
// refused with 403.
func refusedUploads(t *testing.T, s *ghcrtest.Server, cred string, n int) {
	t.Helper()
	auth, err := s.Authenticator(cred).Authorization()
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: s.Transport()}
	for range n {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/token?service=ghcr.io&scope=repository:acme/api:pull,push", nil)
		req.SetBasicAuth(auth.Username, auth.Password)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var tok struct {
			Token string `json:"token"`
		}
		err = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if err != nil || tok.Token == "" {
			t.Fatalf("token for %s: %d %v", cred, resp.StatusCode, err)
		}
		req, _ = http.NewRequest(http.MethodPost, s.URL+"/v2/acme/api/blobs/uploads/", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		resp, err = client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("upload POST as %s: %d, want 403", cred, resp.StatusCode)
		}
	}
}

// syncLines collects a logger's output from the server's handlers.
type syncLines struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncLines) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncLines) count(sub string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Count(s.b.String(), sub)
}
