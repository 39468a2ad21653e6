package diagnose_test

import (
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/clientlines"
	"github.com/fakeghcr/fakeghcr/diagnose"
)

// TestRecognizesClientTables: every line of clientlines' per-client tables (the lines
// scenario show, scenario verify --client and the e2e TestClientLines
// assert against the real clients) must be recognized by diagnose, with
// the status the table gives it. (The stage is not compared: many lines,
// such as oras's "Error response from registry: denied: ...", name none.)
func TestRecognizesClientTables(t *testing.T) {
	t.Parallel()
	clients, err := clientlines.All()
	if err != nil {
		t.Fatal(err)
	}
	// A sample body per status, for lines that do not narrow it.
	bodies := map[int][2]string{
		401: {"UNAUTHORIZED", "authentication required"},
		403: {"DENIED", "permission_denied: write_package"},
		404: {"MANIFEST_UNKNOWN", "manifest unknown"},
	}
	vars := clientlines.Vars{
		URL: "https://ghcr.io", Host: "ghcr.io", Repo: "acme/api", Tag: "v1",
		Digest: "sha256:" + strings.Repeat("ab", 32), Time: "2026-11-27T10:00:00Z",
	}
	lines := 0
	for _, c := range clients {
		for _, l := range c.Lines {
			if !l.Pinned() {
				continue // cited wordings: clientlines' TestEveryLineIsRecognized
			}
			code, message := l.Code, l.Message
			if code == "" {
				code = bodies[l.Status][0]
			}
			if message == "" {
				message = bodies[l.Status][1]
			}
			a := clientlines.Answer{Op: l.Op, Request: l.Request, Status: l.Status, Code: code, Message: message}
			text := l.Render(c, a, vars)
			lines++
			res, err := diagnose.Read(strings.NewReader(text+"\n"), diagnose.Options{})
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			if len(res.Failures) != 1 {
				t.Errorf("%s %s %s %d: diagnose found %d failures in\n  %s", c.Name, l.Op, l.Request, l.Status, len(res.Failures), text)
				continue
			}
			f := res.Failures[0]
			if f.Status != 0 && f.Status != l.Status {
				t.Errorf("%s %s %s: diagnose read status %d, the table says %d:\n  %s", c.Name, l.Op, l.Request, f.Status, l.Status, text)
			}
		}
	}
	if lines == 0 {
		t.Fatal("the client tables hold no lines")
	}
}
