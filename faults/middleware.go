package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fired describes one injected fault, for the server's decision log
// (reason fault_injected) and its log. Method and Path are slices of the
// request, which they keep alive: a consumer that keeps them clips and
// copies them first, as the registry's decision log does.
type Fired struct {
	Rule       Rule
	Method     string
	Path       string
	Repository string
	// Effect is "status", "delay", "reset" or "lag".
	Effect string
	// Status is the status answered (0 for a delay that passed the request
	// on, or a reset).
	Status int
	// Message is the error message sent, if any.
	Message string
}

// AdminPrefix is fakeghcr's admin API, which faults never touch.
const AdminPrefix = "/_fakeghcr/"

// Reason is the decision reason every injected fault is recorded with:
// authz.FaultInjected, copied because this package imports only the
// standard library (a test in scenarios keeps the two equal).
const Reason = "fault_injected"

// Middleware applies a Set's rules to requests. The zero value of every
// field but Rules works.
type Middleware struct {
	Rules *Set
	// Now is the clock (lag windows); nil is time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx ends; nil waits on a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnFire, when set, is told of every injected fault.
	OnFire func(r *http.Request, f Fired)

	mu    sync.Mutex
	fresh map[string]time.Time // "repo@reference" -> when a manifest was stored there
}

// maxFresh bounds the manifests a lag rule remembers (each key is at most
// ~400 bytes: a repository name, "@" and a tag or digest). Past it, within
// the 10 minutes an entry lives, further pushes are not hidden: a flood of
// pushes makes the lag milder instead of growing memory without bound.
const maxFresh = 10_000

func (m *Middleware) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Middleware) sleep(ctx context.Context, d time.Duration) error {
	if m.Sleep != nil {
		return m.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (m *Middleware) fire(r *http.Request, f Fired) {
	if m.OnFire != nil {
		m.OnFire(r, f)
	}
}

// Wrap returns next with the faults applied in front of it.
func (m *Middleware) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.Rules.empty() || strings.HasPrefix(r.URL.Path, AdminPrefix) {
			// No rules: nothing to do. The admin API is never faulted, so
			// a rule cannot lock out the command that clears it.
			next.ServeHTTP(w, r)
			return
		}
		req := RequestOf(r.Method, r.URL.Path)
		if m.hideFresh(w, r, req) {
			return
		}
		if n := m.Rules.Cut(req); n > 0 {
			// Read up to the longest cut before deciding, so that a body
			// that ends before a rule's cut is not counted by that rule
			// (concurrent uploads must not use up a --times rule on a
			// short body). The bytes read are put back.
			req.Body = peekBody(r, n)
		}
		rule, ok := m.Rules.Fire(req)
		if !ok {
			m.serve(w, r, req, next)
			return
		}
		f := Fired{Rule: rule, Method: r.Method, Path: r.URL.Path, Repository: req.Repository}
		if rule.Delay > 0 {
			if err := m.sleep(r.Context(), time.Duration(rule.Delay)); err != nil {
				return // the client went away
			}
		}
		switch {
		case rule.Status != 0:
			f.Effect, f.Status = "status", rule.Status
			f.Message = writeStatus(w, r, rule)
			m.fire(r, f)
		case rule.ResetAfter > 0:
			readHead(r, rule.ResetAfter) // Fire checked that the body reaches the cut
			f.Effect = "reset"
			m.fire(r, f)
			cut(w)
		default:
			f.Effect = "delay"
			m.fire(r, f)
			m.serve(w, r, req, next)
		}
	})
}

// serve passes the request on, watching manifest pushes while a lag rule
// exists.
func (m *Middleware) serve(w http.ResponseWriter, r *http.Request, req Request, next http.Handler) {
	ref, isManifest := manifestRef(req)
	if r.Method != http.MethodPut || !isManifest || !m.Rules.hasLag() {
		next.ServeHTTP(w, r)
		return
	}
	rec := &statusRecorder{ResponseWriter: w}
	next.ServeHTTP(rec, r)
	if rec.status != http.StatusCreated {
		return
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fresh == nil {
		m.fresh = map[string]time.Time{}
	}
	if len(m.fresh) >= maxFresh-1 {
		for k, t := range m.fresh {
			if now.Sub(t) > 10*time.Minute {
				delete(m.fresh, k)
			}
		}
	}
	if len(m.fresh) >= maxFresh-1 {
		return
	}
	m.fresh[req.Repository+"@"+ref] = now
	if d := w.Header().Get("Docker-Content-Digest"); d != "" {
		m.fresh[req.Repository+"@"+d] = now
	}
}

// hideFresh answers 404 MANIFEST_UNKNOWN to a read of a manifest stored
// less than a lag rule's Lag ago, and reports whether it did.
func (m *Middleware) hideFresh(w http.ResponseWriter, r *http.Request, req Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	ref, ok := manifestRef(req)
	if !ok {
		return false
	}
	rule, ok := m.Rules.lagFor(req)
	if !ok {
		return false
	}
	m.mu.Lock()
	at, seen := m.fresh[req.Repository+"@"+ref]
	m.mu.Unlock()
	if !seen || m.now().Sub(at) >= time.Duration(rule.Lag) {
		return false
	}
	m.Rules.countLag(rule.ID)
	// GHCR's answer for a manifest it does not have.
	body := registryBody("MANIFEST_UNKNOWN", "manifest unknown")
	writeBody(w, r, http.StatusNotFound, body)
	m.fire(r, Fired{Rule: rule.Rule, Method: r.Method, Path: r.URL.Path, Repository: req.Repository,
		Effect: "lag", Status: http.StatusNotFound, Message: "manifest unknown"})
	return true
}

// manifestRef returns the reference of a /v2/<name>/manifests/<ref> request.
func manifestRef(req Request) (string, bool) {
	if req.Repository == "" {
		return "", false
	}
	ref, ok := strings.CutPrefix(req.Path, "/v2/"+req.Repository+"/manifests/")
	return ref, ok && ref != "" && !strings.Contains(ref, "/")
}

// writeStatus answers with rule.Status and the body GHCR (for /v2/ and
// /token) or GitHub's API (anything else) sends with it, and returns the
// message.
func writeStatus(w http.ResponseWriter, r *http.Request, rule Rule) string {
	code, msg := "", ""
	switch rule.Status {
	case http.StatusTooManyRequests:
		// GHCR: {"errors":[{"code":"TOOMANYREQUESTS","message":"retry-after: 22.625684ms, allowed: 2000/minute"}]}
		// (kingdon-ci/flux-docs README, a Spin push), with GHCR's quota of
		// 44000/minute in later reports (falcosecurity/plugins#1069).
		retry, allowed := rule.RetryAfter, rule.Allowed
		if retry == 0 {
			retry = DefaultRetryAfter
		}
		if allowed == "" {
			allowed = DefaultAllowed
		}
		code, msg = "TOOMANYREQUESTS", "retry-after: "+time.Duration(retry).String()+", allowed: "+allowed
	case http.StatusInternalServerError:
		code, msg = "UNKNOWN", "unknown error" // INFERRED: the distribution spec's code
	default:
		code, msg = "UNAVAILABLE", "service unavailable" // INFERRED: the distribution spec's code
	}
	if strings.HasPrefix(r.URL.Path, "/v2/") || r.URL.Path == "/v2" || r.URL.Path == "/token" {
		writeBody(w, r, rule.Status, registryBody(code, msg))
		return msg
	}
	// GitHub's REST error shape (INFERRED texts for injected failures).
	body, _ := json.Marshal(struct {
		Message          string `json:"message"`
		DocumentationURL string `json:"documentation_url"`
		Status           string `json:"status"`
	}{msg, "https://docs.github.com/rest", strconv.Itoa(rule.Status)})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rule.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return msg
}

// registryBody is the registry's JSON error envelope, compact with a
// trailing newline as GHCR sends it.
func registryBody(code, msg string) []byte {
	type entry struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	b, _ := json.Marshal(struct {
		Errors []entry `json:"errors"`
	}{[]entry{{code, msg}}})
	return append(b, '\n')
}

func writeBody(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Docker-Distribution-API-Version", "registry/2.0")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// peekBody reads up to n bytes of r's body, puts them back in front of the
// rest, and returns how many there were.
func peekBody(r *http.Request, n int64) int64 {
	if r.Body == nil {
		return 0
	}
	var buf bytes.Buffer
	got, _ := io.CopyN(&buf, r.Body, n)
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(buf.Bytes()), r.Body), r.Body}
	return got
}

// readHead reads the first n bytes of r's body. If the body is shorter, it
// puts what it read back in front of the rest and reports false.
func readHead(r *http.Request, n int64) ([]byte, bool) {
	head := make([]byte, 0, min(n, 1<<20))
	buf := bytes.NewBuffer(head)
	got, err := io.CopyN(buf, r.Body, n)
	if got == n && err == nil {
		return buf.Bytes(), true
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(buf.Bytes()), r.Body), r.Body}
	return nil, false
}

// cut drops the connection without an answer, after the head of the body
// was read. The registry never sees the request.
func cut(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler) // HTTP/2 or a recorder: abort the stream
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
