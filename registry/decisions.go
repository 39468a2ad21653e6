package registry

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/faults"
	"github.com/fakeghcr/fakeghcr/registry/internal/middleware"
)

// Record is one authorization decision, as kept for GET /_fakeghcr/decisions
// and logged.
type Record struct {
	Time        time.Time `json:"time"`
	RequestID   string    `json:"request_id,omitempty"`
	Method      string    `json:"method"`
	Path        string    `json:"path"`
	Repo        string    `json:"repo"`
	Action      string    `json:"action"`
	Principal   string    `json:"principal"`
	Allowed     bool      `json:"allowed"`
	Reason      string    `json:"reason"`
	Status      int       `json:"status,omitempty"`
	Code        string    `json:"code,omitempty"`
	Message     string    `json:"message,omitempty"`
	Explanation string    `json:"explanation"`
	Fix         string    `json:"fix,omitempty"`
}

// String writes the record as `fakeghcr explain` does:
//
//	DENIED  write acme/api  as github_token:workflow  -> 403 DENIED permission_denied: write_package
//	  rule: actions_access_missing
//	  why:  ...
//	  fix:  ...
//	  at:   12:00:01 POST /v2/acme/api/blobs/uploads/
func (r Record) String() string {
	verdict, answer := r.Verdict(), strconv.Itoa(r.Status)
	if r.Status == 0 {
		answer = "no answer"
	}
	for _, part := range []string{r.Code, r.Message} {
		if part != "" {
			answer += " " + part
		}
	}
	if r.Allowed {
		answer = "allowed"
	}
	repo := cmp.Or(r.Repo, "(no repository)")
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s  as %s  -> %s\n", verdict, r.Action, repo, r.Principal, answer)
	fmt.Fprintf(&b, "  rule: %s\n", r.Reason)
	if r.Explanation != "" {
		fmt.Fprintf(&b, "  why:  %s\n", strings.Join(strings.Fields(r.Explanation), " "))
	}
	if r.Fix != "" {
		fmt.Fprintf(&b, "  fix:  %s\n", strings.Join(strings.Fields(r.Fix), " "))
	}
	fmt.Fprintf(&b, "  at:   %s %s %s", r.Time.Format("15:04:05"), r.Method, r.Path)
	return b.String()
}

// Verdict is the record's label, seven characters wide: ALLOWED, DENIED,
// or FAULT for a failure a fault rule injected (a 429 from a rule is not
// a refusal by GHCR's rules).
func (r Record) Verdict() string {
	switch {
	case r.Allowed:
		return "ALLOWED"
	case r.Reason == faults.Reason:
		return "FAULT  "
	}
	return "DENIED "
}

// decisionLog keeps the most recent records, at most len(ring) of them and
// at most maxDecisionBytes together: a flood of requests with huge paths
// cannot grow it past that.
type decisionLog struct {
	mu    sync.Mutex
	ring  []Record
	head  int // the oldest record
	count int
	bytes int // recordBytes of the records kept
}

// Bounds on what the decision log keeps.
const (
	// maxDecisionBytes bounds the whole log.
	maxDecisionBytes = 4 << 20
	// maxRecordField bounds each text of a record (a path, a repository
	// name, an explanation naming one); longer ones are cut and marked.
	maxRecordField = 1 << 10
)

func newDecisionLog(n int) *decisionLog { return &decisionLog{ring: make([]Record, n)} }

// recordBytes is about what keeping r costs.
func recordBytes(r Record) int {
	return 256 + len(r.RequestID) + len(r.Method) + len(r.Path) + len(r.Repo) + len(r.Action) + len(r.Principal) +
		len(r.Reason) + len(r.Code) + len(r.Message) + len(r.Explanation) + len(r.Fix)
}

// add keeps r, its texts clipped and copied (see owned), and returns
// what it kept: registry, REST and fault records alike go through here.
func (l *decisionLog) add(r Record) Record {
	r = r.owned()
	if len(l.ring) == 0 {
		return r
	}
	size := recordBytes(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.count > 0 && (l.count == len(l.ring) || l.bytes+size > maxDecisionBytes) {
		l.bytes -= recordBytes(l.ring[l.head])
		l.ring[l.head] = Record{}
		l.head = (l.head + 1) % len(l.ring)
		l.count--
	}
	l.ring[(l.head+l.count)%len(l.ring)] = r
	l.count++
	l.bytes += size
	return r
}

// recent returns records newest first.
func (l *decisionLog) recent() []Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Record, 0, l.count)
	for i := l.count - 1; i >= 0; i-- {
		out = append(out, l.ring[(l.head+i)%len(l.ring)])
	}
	return out
}

// owned returns r with every text clipped to maxRecordField bytes and
// copied. A text taken from a request (its method, path, a repository
// name) is a substring of the request line: kept as it is, it would keep
// the whole line alive, up to 1 MB, however short it looks. The texts are
// copied into one allocation, which the record alone holds.
func (r Record) owned() Record {
	fields := [...]*string{&r.RequestID, &r.Method, &r.Path, &r.Repo, &r.Action, &r.Principal,
		&r.Reason, &r.Code, &r.Message, &r.Explanation, &r.Fix}
	n := 0
	for _, f := range fields {
		*f = clip(*f)
		n += len(*f)
	}
	var b strings.Builder
	b.Grow(n)
	for _, f := range fields {
		b.WriteString(*f)
	}
	all := b.String()
	for _, f := range fields {
		*f, all = all[:len(*f)], all[len(*f):]
	}
	return r
}

// clip cuts s to maxRecordField bytes (on a UTF-8 boundary) and says how
// long it was.
func clip(s string) string {
	if len(s) <= maxRecordField {
		return s
	}
	cut := maxRecordField
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "... (" + strconv.Itoa(len(s)) + " bytes)"
}

// Decisions returns recent authorization decisions, newest first.
func (s *Server) Decisions() []Record { return s.decisions.recent() }

// outcome is one decision about one request, with GHCR's answer when it
// is a refusal.
type outcome struct {
	repo      string
	action    authz.Action // "" for refusals before any decision
	principal authz.Principal
	label     string    // principal.String() when the caller has it; "" otherwise
	at        time.Time // when the decision was made; zero: now
	decision  authz.Decision
	answer    *regError // nil when allowed
}

// record logs a decision (denials at info, allowances at debug) and keeps it.
func (s *Server) record(r *http.Request, o outcome) {
	ctx := r.Context()
	d := o.decision
	principal := o.label
	if principal == "" {
		principal = o.principal.String()
	}
	at := o.at
	if at.IsZero() {
		at = s.opts.Now()
	}
	rec := Record{
		Time:        at,
		RequestID:   s.requestID(ctx),
		Method:      r.Method,
		Path:        r.URL.Path,
		Repo:        o.repo,
		Action:      string(o.action),
		Principal:   principal,
		Allowed:     d.Allow,
		Reason:      string(d.Reason),
		Explanation: d.Explanation,
		Fix:         d.Fix,
	}
	if o.answer != nil {
		rec.Status, rec.Code, rec.Message = o.answer.Status, o.answer.Code, o.answer.Message
	}
	rec = s.decisions.add(rec) // logged below as kept: clipped
	decision := "allow"
	level := slog.LevelDebug
	if !d.Allow {
		decision, level = "deny", slog.LevelInfo
	}
	if !s.log.Enabled(ctx, level) {
		return
	}
	attrs := []any{"repo", rec.Repo, "action", rec.Action, "principal", rec.Principal,
		"decision", decision, "reason", rec.Reason}
	if rec.RequestID != "" {
		attrs = append(attrs, "request_id", rec.RequestID)
	}
	if !d.Allow {
		attrs = append(attrs, "status", rec.Status, "explanation", rec.Explanation, "fix", rec.Fix)
	}
	s.log.Log(ctx, level, "authz decision", attrs...)
}

// requestID is the id the debug log's middleware gave the request of ctx,
// or "" when it gives none (looking for one walks the whole context).
func (s *Server) requestID(ctx context.Context) string {
	if !s.requestIDs {
		return ""
	}
	return middleware.GetReqID(ctx)
}

// explain sets fakeghcr's own headers on a denial; GHCR's body is untouched.
func explain(w http.ResponseWriter, d authz.Decision) {
	h := w.Header()
	h.Set("X-Fakeghcr-Reason", string(d.Reason))
	if d.Explanation != "" {
		h.Set("X-Fakeghcr-Explanation", headerSafe(d.Explanation))
	}
	if d.Fix != "" {
		h.Set("X-Fakeghcr-Fix", headerSafe(d.Fix))
	}
}

// headerSafe folds a text onto one printable-ASCII line.
func headerSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r == '→':
			b.WriteString("->")
		case r < 0x20 || r > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
