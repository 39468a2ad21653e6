// Package verify plays a scenario's expectations against fakeghcr, the way
// `fakeghcr scenario verify` and the tests do.
//
// Its client speaks the distribution protocol itself (net/http only), in
// the request order of go-containerregistry v0.22.1 (crane) and docker:
// the token dance (GET /v2/, the challenge, /token with Basic auth for the
// package's scope, then the bearer), crane's retries, and for a push
// remote.Write's order of HEADs, uploads and the manifest PUT. It is an
// imitation: the e2e suite (module e2e) asserts the real clients (crane,
// docker, oras, skopeo, buildx) against the same scenarios.
//
// Each Expect entry is one client action: a push of a small random image,
// a pull (a GET of the manifest) or a docker-login exchange (GET /v2/,
// then /token with Basic and no scope, then GET /v2/ with the bearer).
//
// A push streams its layer, as docker push does for a layer the registry
// has not seen, so its first write request is the blob upload POST: the
// request whose answer a scenario's push expectation names
// (scenarios/FORMAT.md). crane, BuildKit and skopeo HEAD each blob first,
// and GHCR refuses that HEAD with a body-less 403 when the credential may
// not read the package; Options.HeadFirst pushes their way. The first
// refused request's status, code and message come from the client's error
// (an *Error), and fakeghcr's reason from the X-Fakeghcr-Reason header of
// that response.
//
// The entries of one scenario are played in order against ONE server: an
// entry's push can create the package a later entry uses, exactly as a
// user's commands would. Scenarios never share a server.
//
// What it knowingly does not imitate: a pull fetches the manifest only (not
// the layers); a login sends crane's token request (with service= but no
// account= or client_id= as docker sends), which GHCR answers the same way;
// crane's first ping over https (on a plain-HTTP registry it fails in the
// TLS handshake, before fakeghcr sees a request) is not sent, nor its
// User-Agent.
package verify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/fakeghcr/fakeghcr/adminclient"
	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/clientlines"
	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// Options configure Run. The zero value starts each scenario in-process.
type Options struct {
	// BaseURL, when set (e.g. http://127.0.0.1:5000), plays the entries
	// against that running server instead of starting one; it is up to the
	// caller that the server runs the scenario.
	BaseURL string
	// AdminToken is the running server's admin token. It is optional: with
	// it, Run also checks the reason of entries that are allowed (read from
	// GET /_fakeghcr/decisions); without it, only refusals' reasons are
	// checked (they come in the X-Fakeghcr-Reason header).
	AdminToken string
	// HeadFirst pushes as crane, BuildKit and skopeo do: each blob is
	// HEADed before its upload, and a credential that may not read the
	// package is refused at that HEAD (403, no body). By default a push
	// streams its layer as docker push does, so the upload POST is the
	// first write request, as the scenario format specifies.
	HeadFirst bool
	// Timeout bounds one entry; zero is 30 seconds.
	Timeout time.Duration
	// Logger receives the in-process server's log; nil discards it.
	Logger *slog.Logger
	// Transport is the base HTTP transport of the clients; nil is a fresh
	// clone of http.DefaultTransport.
	Transport http.RoundTripper
	// Client, when set, plays pushes and pulls in that client's request
	// order (from its table, e.g. crane HEADs every blob first, the Docker
	// engine POSTs a new layer without a HEAD): see PlayAs.
	Client *clientlines.Client
}

// DefaultTimeout is Options.Timeout when zero.
const DefaultTimeout = 30 * time.Second

// Result is one Expect entry as it was played.
type Result struct {
	// Scenario is the scenario's name.
	Scenario string
	Expect   scenarios.Expect
	// Pass is set when status, code, message and (if the entry names one)
	// reason all match.
	Pass bool
	// Status, Code and Message are those of the first refused request, or
	// the success status (201 push, 200 pull and login) and no code.
	Status        int
	Code, Message string
	// Request is the refused request ("POST /v2/acme/api/blobs/uploads/"),
	// empty on success.
	Request string
	// Reason is fakeghcr's rule for the refusal (or for the allowance, when
	// the entry names one and decisions can be read).
	Reason string
	// Err is the client's error (nil when the action succeeded), or why the
	// entry could not be played.
	Err error
	// Diff is the difference between want and got (-want +got), empty on
	// a pass.
	Diff string
	// Note says what was not checked, e.g. an allowed entry's reason
	// against a server whose admin token is unknown.
	Note string
	// Client is set when Options.Client was: the answer to the first
	// request the client's order met with a refusal, and the line the
	// client prints for it on ghcr.io ("" when it was not refused or the
	// table has no line for it).
	Client *ClientOutcome
}

// ClientOutcome is what one client meets for one entry.
type ClientOutcome struct {
	Name    string
	Refused bool
	Answer  clientlines.Answer
	// Line is the client's printed line on ghcr.io, from its table.
	Line string
}

// answer is what is compared: one side of a Result.
type answer struct {
	Status        int
	Code, Message string
	Reason        string
}

// diff lists the fields in which got differs from the expected answer a,
// one line each as "  Field: -want +got", or "" when they agree. Four flat
// fields need no general differ (go-cmp's output also changes from run to
// run by design, and its package init costs every start of the binary).
func (a answer) diff(got answer) string {
	var b strings.Builder
	if a.Status != got.Status {
		fmt.Fprintf(&b, "  Status: -%d +%d\n", a.Status, got.Status)
	}
	for _, f := range []struct{ name, want, got string }{
		{"Code", a.Code, got.Code}, {"Message", a.Message, got.Message}, {"Reason", a.Reason, got.Reason},
	} {
		if f.want != f.got {
			fmt.Fprintf(&b, "  %s: -%q +%q\n", f.name, f.want, f.got)
		}
	}
	return b.String()
}

// ErrNothingToVerify is wrapped by Run's error for a scenario with no
// Expect entries: a verification that checks nothing must not pass.
var ErrNothingToVerify = errors.New("nothing to verify")

// Run plays every Expect entry of sc, in order, against one server, and
// returns one Result per entry. The error is for a scenario that cannot be
// played at all (the server does not start or cannot be reached);
// expectations that fail are Results with Pass unset.
func Run(ctx context.Context, sc *scenarios.Scenario, opts Options) ([]Result, error) {
	if sc == nil {
		return nil, errors.New("verify: nil scenario")
	}
	if len(sc.Expect) == 0 {
		return nil, fmt.Errorf("scenario %q has no expect entries: %w (add an expect list of the answers GHCR gives; see scenarios/FORMAT.md)", sc.Name, ErrNothingToVerify)
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Transport == nil {
		opts.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	p := player{sc: sc, opts: opts}
	if opts.BaseURL == "" {
		stop, err := p.startInProcess()
		if err != nil {
			return nil, err
		}
		defer stop()
	} else {
		if err := p.useRemote(ctx); err != nil {
			return nil, err
		}
	}
	results := make([]Result, 0, len(sc.Expect))
	for _, e := range sc.Expect {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		results = append(results, p.play(ctx, e))
	}
	return results, nil
}

// player plays one scenario against one server.
type player struct {
	sc   *scenarios.Scenario
	opts Options
	// base is the server's URL (http://host:port), host its host:port.
	base, host string
	// decisions reads the server's recent decisions, newest first; nil
	// when they cannot be read.
	decisions func(context.Context) ([]registry.Record, error)
}

func (p *player) startInProcess() (stop func(), err error) {
	token, err := randomHex()
	if err != nil {
		return nil, err
	}
	srv, err := registry.New(registry.Options{Scenario: p.sc, Logger: p.opts.Logger, AdminToken: token})
	if err != nil {
		return nil, fmt.Errorf("verify: starting scenario %s: %w", p.sc.Name, err)
	}
	ts := httptest.NewUnstartedServer(srv)
	// The server's connection errors (a client hanging up) are not the
	// verification's output.
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.Start()
	p.base = ts.URL
	p.host = strings.TrimPrefix(ts.URL, "http://")
	p.decisions = func(context.Context) ([]registry.Record, error) { return srv.Decisions(), nil }
	return func() { ts.Close(); srv.Close() }, nil
}

func (p *player) useRemote(ctx context.Context) error {
	base := strings.TrimSuffix(p.opts.BaseURL, "/")
	host, ok := strings.CutPrefix(base, "http://")
	if !ok {
		if _, tls := strings.CutPrefix(base, "https://"); tls {
			return fmt.Errorf("verify: --server %q: only http:// servers are supported", p.opts.BaseURL)
		}
		base, host = "http://"+base, base
	}
	if host == "" || strings.Contains(host, "/") {
		return fmt.Errorf("verify: server URL %q: want http://host:port", p.opts.BaseURL)
	}
	p.base, p.host = base, host
	if err := p.healthz(ctx); err != nil {
		return err
	}
	if p.opts.AdminToken != "" {
		p.decisions = p.remoteDecisions
	}
	return nil
}

func (p *player) healthz(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	err := p.admin().Healthz(ctx)
	var refused *adminclient.Error
	if errors.As(err, &refused) {
		return fmt.Errorf("verify: %s is not a fakeghcr: GET %s/healthz answered %d %s", p.base, registry.AdminPrefix, refused.Status, http.StatusText(refused.Status))
	}
	if err != nil {
		return fmt.Errorf("verify: %w", err) // names the server it cannot reach
	}
	return nil
}

// admin is the admin API's client for the server under test.
func (p *player) admin() *adminclient.Client {
	return adminclient.New(p.base, p.opts.AdminToken, adminclient.WithHTTPClient(&http.Client{Transport: p.opts.Transport}))
}

// play runs one entry and compares the answer.
func (p *player) play(ctx context.Context, e scenarios.Expect) Result {
	r := Result{Scenario: p.sc.Name, Expect: e}
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()

	secret, err := p.secret(e.Credential)
	if err != nil {
		r.Err = err
		r.Diff = err.Error()
		return r
	}
	if p.opts.Client != nil && (e.Action == scenarios.ActionPush || e.Action == scenarios.ActionPull) {
		return p.playAs(ctx, e, secret, r)
	}
	before := p.newest(ctx)
	rec := &Recorder{Inner: p.opts.Transport}
	c := Client{Host: p.host, Secret: secret, Transport: rec}
	err = c.do(ctx, e, p.opts.HeadFirst)
	r.Err = err
	if err == nil {
		r.Status = successStatus(e.Action)
	} else {
		r.Status, r.Code, r.Message = fromError(err)
		r.Request = refusedRequest(err)
		r.Reason = rec.reasonFor(r.Status)
	}
	want := answer{Status: e.Status, Code: e.Code, Message: e.Message, Reason: string(e.Reason)}
	got := answer{Status: r.Status, Code: r.Code, Message: r.Message, Reason: r.Reason}
	if want.Reason != "" && got.Reason != want.Reason {
		got.Reason, r.Note = p.reasonFromDecisions(ctx, before, e, err == nil, want.Reason, got.Reason)
		r.Reason = got.Reason
	}
	if want.Reason == "" {
		got.Reason = ""
	}
	r.Diff = want.diff(got)
	r.Pass = r.Diff == ""
	return r
}

// secret returns the password for a credential name; "" is anonymous.
func (p *player) secret(name string) (string, error) {
	if name == "" {
		return "", nil
	}
	cred, ok := p.sc.Credential(name)
	if !ok {
		return "", fmt.Errorf("scenario %s names unknown credential %q", p.sc.Name, name)
	}
	if cred.Secret == authz.Wildcard {
		// The wildcard credential matches any secret no other one does.
		return "fakeghcr-verify-any-secret", nil
	}
	return cred.Secret, nil
}

func successStatus(action string) int {
	if action == scenarios.ActionPush {
		return http.StatusCreated
	}
	return http.StatusOK
}

// recordKey identifies a decision record well enough to find where the
// records of one entry start.
type recordKey struct {
	id, method, path string
	at               time.Time
}

func keyOf(r registry.Record) recordKey {
	return recordKey{id: r.RequestID, method: r.Method, path: r.Path, at: r.Time}
}

// newest returns the key of the server's newest decision, if any.
func (p *player) newest(ctx context.Context) *recordKey {
	if p.decisions == nil {
		return nil
	}
	recs, err := p.decisions(ctx)
	if err != nil || len(recs) == 0 {
		return nil
	}
	k := keyOf(recs[0])
	return &k
}

// since returns the decisions recorded after before, oldest first.
func (p *player) since(ctx context.Context, before *recordKey) ([]registry.Record, error) {
	recs, err := p.decisions(ctx)
	if err != nil {
		return nil, err
	}
	var out []registry.Record
	for _, r := range recs {
		if before != nil && keyOf(r) == *before {
			break
		}
		out = append(out, r)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// reasonFromDecisions finds the reason of an entry in the decisions made
// while it played: for an allowed entry, an allowance of its package and
// action with the wanted reason (or else the first one); for a refusal
// without the header, the last denial.
func (p *player) reasonFromDecisions(ctx context.Context, before *recordKey, e scenarios.Expect, allowed bool, want, got string) (reason, note string) {
	if p.decisions == nil {
		if allowed {
			return want, "reason " + want + " not checked: allowed requests carry no X-Fakeghcr-Reason and the decisions need --admin-token"
		}
		return got, ""
	}
	recs, err := p.since(ctx, before)
	if err != nil {
		return got, "reason not checked: reading decisions: " + err.Error()
	}
	action := string(authz.ActionRead)
	if e.Action == scenarios.ActionPush {
		action = string(authz.ActionWrite)
	}
	first := ""
	for _, r := range recs {
		if r.Allowed != allowed {
			continue
		}
		if allowed && (!strings.EqualFold(r.Repo, e.Package) || r.Action != action) {
			continue
		}
		if r.Reason == want {
			return want, ""
		}
		if first == "" || !allowed {
			first = r.Reason
		}
	}
	if got != "" {
		return got, ""
	}
	return first, ""
}

func (p *player) remoteDecisions(ctx context.Context) ([]registry.Record, error) {
	return p.admin().Decisions(ctx)
}

func randomHex() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// String is the one-line form `fakeghcr scenario verify` prints:
// "PASS scenario/entry: 403 DENIED permission_denied: write_package".
func (r Result) String() string {
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	return verdict + " " + r.Scenario + "/" + r.Expect.Name + ": " + FormatAnswer(r.Status, r.Code, r.Message)
}

// FormatAnswer renders a status, code and message as "403 DENIED msg", or
// the bare status for a success.
func FormatAnswer(status int, code, message string) string {
	s := strconv.Itoa(status)
	if status == 0 {
		s = "no answer"
	}
	if code != "" {
		s += " " + code
	}
	if message != "" {
		s += " " + message
	}
	return s
}
