package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/clientlines"
	"github.com/fakeghcr/fakeghcr/scenarios"
	"github.com/fakeghcr/fakeghcr/verify"
)

// matrixClient is one client as the scenario matrix drives it: a push or a pull of one
// reference with one secret ("" is anonymous).
type matrixClient struct {
	name   string
	binary func(t *testing.T) string
	// setup runs once per client (e.g. starts buildkitd) and returns per-client state.
	setup func(t *testing.T, c *clientRun)
	push  func(t *testing.T, c *clientRun, ref, secret string) runResult
	pull  func(t *testing.T, c *clientRun, ref, secret string) runResult
}

// matrixCase is one expect entry of one built-in scenario, played by one client.
type matrixCase struct {
	Client   string `json:"client"`
	Scenario string `json:"scenario"`
	Expect   string `json:"expect"`
	Action   string `json:"action"`
	Package  string `json:"package"`
	// What the scenario says GHCR answers (the first refused request of go-containerregistry's
	// push, or the success status).
	WantStatus  int    `json:"want_status"`
	WantCode    string `json:"want_code,omitempty"`
	WantMessage string `json:"want_message,omitempty"`
	// What happened with the real client.
	ExitCode int      `json:"exit_code"`
	Output   []string `json:"output,omitempty"` // the client's error lines
	// The first request the server refused during the client's run, if any.
	Refused *refusal `json:"refused,omitempty"`
	// The answer the client's request order met on the twin server.
	Predicted *clientlines.Answer `json:"predicted,omitempty"`
}

// refusal is one denied request as the server's decisions endpoint reports it.
type refusal struct {
	Method  string `json:"method"`
	Path    string `json:"path"`
	Status  int    `json:"status"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	Reason  string `json:"reason"`
}

// decisions returns the server's decision records, newest first.
func (s *server) decisions(t testing.TB) []decisionRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/_fakeghcr/decisions", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /_fakeghcr/decisions: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Decisions []decisionRecord `json:"decisions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("decoding decisions: %v", err)
	}
	return body.Decisions
}

type decisionRecord struct {
	Time    time.Time `json:"time"`
	Method  string    `json:"method"`
	Path    string    `json:"path"`
	Allowed bool      `json:"allowed"`
	Reason  string    `json:"reason"`
	Status  int       `json:"status"`
	Code    string    `json:"code"`
	Message string    `json:"message"`
}

// firstRefusal returns the oldest denied record after since.
func firstRefusal(recs []decisionRecord, since time.Time) *refusal {
	var first *refusal
	for _, r := range recs { // newest first
		if r.Time.Before(since) {
			break
		}
		if !r.Allowed {
			first = &refusal{Method: r.Method, Path: r.Path, Status: r.Status, Code: r.Code, Message: r.Message, Reason: r.Reason}
		}
	}
	return first
}

// secretOf returns the secret a client presents for the credential called name ("" for
// anonymous); a wildcard credential gets a secret no other credential has.
func secretOf(t testing.TB, s *scenarios.Scenario, name string) string {
	t.Helper()
	if name == "" {
		return ""
	}
	c, ok := s.Credential(name)
	if !ok {
		t.Fatalf("scenario %s: no credential %q", s.Name, name)
	}
	if c.Secret == authz.Wildcard {
		return "ghp_e2e_matrix_unknown_secret"
	}
	return c.Secret
}

// playScenarioMatrix plays every push and pull expectation of every built-in scenario with
// one client, each scenario on its own server, in the scenario's order. Beside each client
// run, verify.ClientPlay plays the same expectation in the client's request order (from the
// client's table) against a twin server started from the same scenario; the client must
// print the table's line for the answer the twin gave, or succeed when it refused nothing.
// It returns what happened, for the evidence file, and counts asserted lines in rep.
func playScenarioMatrix(t *testing.T, mc matrixClient, table *clientlines.Client, rep *clientReport) []matrixCase {
	c := &clientRun{bin: mc.binary(t)}
	c.dir, c.env = clientHome(t)
	if mc.setup != nil {
		mc.setup(t, c)
	}
	var (
		mu  sync.Mutex
		out []matrixCase
	)
	for _, sc := range scenarios.Builtins() {
		t.Run(sc.Name, func(t *testing.T) {
			srv, twin := startServer(t, sc.Name), startServer(t, sc.Name)
			run := &clientRun{bin: c.bin, srv: srv}
			for i, e := range sc.Expect {
				if e.Action != scenarios.ActionPush && e.Action != scenarios.ActionPull {
					continue
				}
				tag := e.Tag
				if tag == "" {
					tag = scenarios.DefaultTag
				}
				secret := secretOf(t, sc, e.Credential)
				op := clientlines.Op(e.Action)
				name := fmt.Sprintf("%s/%d", sc.Name, i)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				want, refused, err := verify.ClientPlay{Host: twin.Host, Secret: secret, Client: table}.Play(ctx, op, e.Package, tag)
				cancel()
				if err != nil {
					t.Fatalf("%s: playing %s's request order: %v", name, mc.name, err)
				}
				run.dir, run.env = clientHome(t)
				ref := srv.Host + "/" + e.Package + ":" + tag
				since := time.Now().Add(-time.Millisecond)
				var r runResult
				if op == clientlines.Push {
					r = mc.push(t, run, ref, secret)
				} else {
					r = mc.pull(t, run, ref, secret)
				}
				mcase := matrixCase{
					Client: mc.name, Scenario: sc.Name, Expect: fmt.Sprintf("%d %s", i, e.Name),
					Action: e.Action, Package: e.Package,
					WantStatus: e.Status, WantCode: e.Code, WantMessage: e.Message,
					ExitCode: r.Code, Output: errorLines(r),
					Refused: firstRefusal(srv.decisions(t), since),
				}
				if refused {
					mcase.Predicted = &want
				}
				mu.Lock()
				out = append(out, mcase)
				mu.Unlock()
				rep.run(t, name, func(t *testing.T) {
					if !refused {
						if r.Code != 0 {
							t.Errorf("%s %s as %q: the %s request order is accepted throughout, but %s failed:\n%s",
								e.Action, ref, e.Credential, mc.name, mc.name, indent(r.Output()))
						}
						return
					}
					line, ok := table.Line(want)
					if !ok {
						t.Fatalf("the %s table has no line for %+v; %s printed:\n%s", mc.name, want, mc.name, indent(r.Output()))
					}
					v := clientlines.Vars{URL: srv.URL, Host: srv.Host, Repo: e.Package, Tag: tag}
					re := line.Pattern(table, want, v)
					if r.Code <= 0 {
						t.Errorf("exit code %d (%v), want a failure printing\n  %s", r.Code, r.Err, line.Render(table, want, v))
					}
					for _, l := range lines(r.Output()) {
						if re.MatchString(l) {
							return
						}
					}
					t.Errorf("%s did not print the table's line for %+v\n  %s\noutput:\n%s", mc.name, want, line.Render(table, want, v), indent(r.Output()))
				})
			}
		})
	}
	return out
}

// errorLines keeps the lines of a failed run that carry its error.
func errorLines(r runResult) []string {
	if r.Code == 0 {
		return nil
	}
	var out []string
	for _, l := range lines(r.Stderr + "\n" + r.Stdout) {
		low := strings.ToLower(l)
		if strings.Contains(low, "error") || strings.Contains(low, "denied") || strings.Contains(low, "fatal") ||
			strings.Contains(low, "unauthorized") || strings.Contains(low, "forbidden") || strings.Contains(low, "failed") {
			out = append(out, l)
		}
	}
	return out
}

// writeEvidence appends the cases to $FAKEGHCR_E2E_EVIDENCE (JSON lines) when it is set.
func writeEvidence(t *testing.T, cases []matrixCase) {
	p := os.Getenv("FAKEGHCR_E2E_EVIDENCE")
	if p == "" {
		return
	}
	summaryMu.Lock()
	defer summaryMu.Unlock()
	f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Errorf("evidence: %v", err)
		return
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	for _, c := range cases {
		if err := enc.Encode(c); err != nil {
			t.Errorf("evidence: %v", err)
		}
	}
}
