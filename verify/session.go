package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The wire protocol of go-containerregistry v0.22.1's remote package
// (pkg/v1/remote/transport: ping.go, bearer.go, basic.go, retry.go,
// error.go), reproduced request for request: the scenarios name the first
// refused request, so the order and the queries must stay those of crane.

const (
	// maxTokenBody bounds a /token answer, as ggcr does.
	maxTokenBody = 64 << 10
	// maxManifest bounds a manifest or a tags page.
	maxManifest = 4 << 20
)

// session is one client's authenticated conversation with the registry
// (ggcr's transport.NewWithContext): GET /v2/ for the challenge, a token
// for the scopes from the challenge's realm, then the bearer on every
// request; a 401 with a challenge adds its scope, refreshes the token and
// resends the request once.
type session struct {
	host, secret string
	// rt sends: the base transport, retrying (retrier) unless for Login.
	rt http.RoundTripper
	// hc sends through the session's authorization.
	hc *http.Client

	// bearer is false when the registry asked for no token (basic auth).
	bearer         bool
	realm, service string

	mu     sync.Mutex
	scopes []string
	token  string
}

// newSession pings the registry and, on a bearer challenge, gets the first
// token for scopes. retry wraps base in ggcr's transport retries (remote's
// options do; Login's transport does not).
func newSession(ctx context.Context, host, secret string, base http.RoundTripper, retry bool, scopes ...string) (*session, error) {
	s := &session{host: host, secret: secret, rt: base, scopes: scopes}
	if retry {
		s.rt = retrier{base}
	}
	s.hc = &http.Client{Transport: authorizer{s}}
	ch, err := s.ping(ctx)
	if err != nil {
		return nil, err
	}
	if ch.scheme != "bearer" {
		return s, nil
	}
	realm, ok := ch.params["realm"]
	if !ok {
		return nil, fmt.Errorf("malformed www-authenticate, missing realm: %v", ch.params)
	}
	s.bearer, s.realm, s.service = true, realm, ch.params["service"]
	return s, s.refresh(ctx)
}

func (s *session) url(path string) string { return "http://" + s.host + path }

// ping is GET /v2/: 200 needs no auth, 401 carries the challenge.
func (s *session) ping(ctx context.Context) (challenge, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url("/v2/"), nil)
	if err != nil {
		return challenge{}, err
	}
	resp, err := (&http.Client{Transport: s.rt}).Do(req)
	if err != nil {
		return challenge{}, err
	}
	defer discard(resp)
	switch resp.StatusCode {
	case http.StatusOK:
		return challenge{}, nil
	case http.StatusUnauthorized:
		if chs := challenges(resp); len(chs) > 0 {
			for _, c := range chs {
				if c.scheme == "basic" || c.scheme == "bearer" {
					return c, nil
				}
			}
			return chs[0], nil
		}
		return challenge{scheme: resp.Header.Get("WWW-Authenticate")}, nil
	}
	return challenge{}, checkError(resp)
}

// refresh gets a token for the session's scopes: GET realm?scope=..&service=..
// with Basic auth (username "x") when there is a secret.
func (s *session) refresh(ctx context.Context) error {
	u, err := url.Parse(s.realm)
	if err != nil {
		return err
	}
	q := u.Query()
	s.mu.Lock()
	if len(s.scopes) > 0 {
		q["scope"] = slices.Clone(s.scopes)
	}
	s.mu.Unlock()
	q.Set("service", s.service)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	if s.secret != "" {
		req.SetBasicAuth("x", s.secret)
	}
	resp, err := (&http.Client{Transport: s.rt}).Do(req)
	if err != nil {
		return err
	}
	defer discard(resp)
	if err := checkError(resp, http.StatusOK); err != nil {
		return err
	}
	body, err := readCapped(resp.Body, maxTokenBody)
	if err != nil {
		return err
	}
	var t struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &t); err != nil {
		return err
	}
	if t.AccessToken != "" {
		t.Token = t.AccessToken
	}
	if t.Token == "" {
		return fmt.Errorf("no token in bearer response:\n%s", body)
	}
	s.mu.Lock()
	s.token = t.Token
	s.mu.Unlock()
	return nil
}

// authorizer is the session's http.RoundTripper (ggcr's bearerTransport,
// or basicTransport when the registry asked for no token).
type authorizer struct{ s *session }

func (a authorizer) RoundTrip(in *http.Request) (*http.Response, error) {
	s := a.s
	ours := in.URL.Host == s.host || in.Host == s.host
	req := in.Clone(in.Context())
	if !s.bearer {
		if ours && s.secret != "" {
			req.SetBasicAuth("x", s.secret)
		}
		return s.rt.RoundTrip(req)
	}
	if ours {
		req.Header.Set("Authorization", "Bearer "+s.currentToken())
	}
	resp, err := s.rt.RoundTrip(req)
	if err != nil || !ours {
		return resp, err
	}
	chs := challenges(resp)
	if len(chs) == 0 {
		return resp, nil
	}
	discard(resp)
	s.mu.Lock()
	var added []string
	for _, c := range chs {
		if sc, ok := c.params["scope"]; ok && !slices.Contains(s.scopes, sc) && !slices.Contains(added, sc) {
			added = append(added, sc)
		}
	}
	// New scopes go first: some registries read only the first.
	s.scopes = append(added, s.scopes...)
	s.mu.Unlock()
	if err := s.refresh(in.Context()); err != nil {
		return nil, err
	}
	req = in.Clone(in.Context())
	if in.GetBody != nil {
		if req.Body, err = in.GetBody(); err != nil {
			return nil, err
		}
	}
	req.Header.Set("Authorization", "Bearer "+s.currentToken())
	return s.rt.RoundTrip(req)
}

func (s *session) currentToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// challenge is one WWW-Authenticate challenge; scheme and keys lower-case.
type challenge struct {
	scheme string
	params map[string]string
}

// challenges parses the WWW-Authenticate headers of a 401 (none otherwise).
func challenges(resp *http.Response) []challenge {
	if resp.StatusCode != http.StatusUnauthorized {
		return nil
	}
	var out []challenge
	for _, h := range resp.Header.Values("WWW-Authenticate") {
		if c := parseChallenge(h); c.scheme != "" {
			out = append(out, c)
		}
	}
	return out
}

// parseChallenge reads `Scheme k=v, k="quoted \"v\""` as ggcr's
// authchallenge does: it stops at the first malformed parameter.
func parseChallenge(h string) challenge {
	c := challenge{params: map[string]string{}}
	scheme, s := httpToken(h)
	if scheme == "" {
		return c
	}
	c.scheme = strings.ToLower(scheme)
	s = "," + strings.TrimLeft(s, " \t\r\n")
	for strings.HasPrefix(s, ",") {
		var k, v string
		k, s = httpToken(strings.TrimLeft(s[1:], " \t\r\n"))
		if k == "" || !strings.HasPrefix(s, "=") {
			return c
		}
		if v, s = tokenOrQuoted(s[1:]); v == "" {
			return c
		}
		c.params[strings.ToLower(k)] = v
		s = strings.TrimLeft(s, " \t\r\n")
	}
	return c
}

// httpToken splits off an RFC 2616 token.
func httpToken(s string) (tok, rest string) {
	i := strings.IndexFunc(s, func(r rune) bool {
		return r <= ' ' || r >= 127 || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r)
	})
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

func tokenOrQuoted(s string) (v, rest string) {
	if !strings.HasPrefix(s, `"`) {
		return httpToken(s)
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '"':
			return b.String(), s[i+1:]
		case '\\':
			if i++; i < len(s) {
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(s[i])
		}
	}
	return "", ""
}

// retrier is ggcr's retryTransport with remote's defaults: a request
// answered 408, 429, 499, 500, 502, 503, 504 or 522, or failing with a
// temporary network error, is sent again after 1s and 3s (plus up to 10%),
// three tries in all. Requests of an upload step are not retried one by
// one (noRetry): remote.Write retries the whole step instead (withRetries).
type retrier struct{ inner http.RoundTripper }

type noRetryKey struct{}

func (r retrier) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if ctx.Value(noRetryKey{}) != nil || (req.Body != nil && req.Body != http.NoBody) {
		return r.inner.RoundTrip(req)
	}
	wait := time.Second
	for try := 1; ; try++ {
		resp, err := r.inner.RoundTrip(req)
		again := retryable(err)
		if err == nil {
			again = slices.Contains([]int{408, 429, 499, 500, 502, 503, 504, 522}, resp.StatusCode)
		}
		if !again || try == 3 {
			return resp, err
		}
		if resp != nil {
			discard(resp)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		wait *= 3
	}
}

// withRetries runs one step of a push (a blob's upload, the manifest PUT)
// as remote.Write does: again after 1s and 3s (plus up to 10%) while it
// fails temporarily, its requests themselves not retried.
func withRetries(ctx context.Context, step func(context.Context) error) error {
	ctx = context.WithValue(ctx, noRetryKey{}, true)
	wait := time.Second
	for try := 1; ; try++ {
		err := step(ctx)
		if err == nil || try == 3 || !retryable(err) {
			return err
		}
		if serr := sleep(ctx, wait); serr != nil {
			return fmt.Errorf("%v; retrying: %w", err, serr)
		}
		wait *= 3
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d + time.Duration(rand.Float64()*0.1*float64(d)))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryable is remote's default retry predicate.
func retryable(err error) bool {
	if err == nil {
		return false
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		var e *Error
		if errors.As(err, &e) {
			if e.temporary() {
				return true
			}
		} else if t, ok := err.(interface{ Temporary() bool }); ok && t.Temporary() {
			return true
		}
	}
	for _, target := range []error{io.ErrUnexpectedEOF, io.EOF, syscall.EPIPE, syscall.ECONNRESET, net.ErrClosed} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// Error is a registry's refusal of one request: the status, the request,
// and the registry's error body ({"errors":[{"code","message"}]}; none for
// a HEAD). Its text is go-containerregistry's (crane prints it).
type Error struct {
	StatusCode int
	Method     string
	URL        *url.URL
	Errors     []ErrorEntry
	body       string
}

// ErrorEntry is one entry of a registry error body.
type ErrorEntry struct {
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
	Detail  any    `json:"detail,omitempty"`
}

func (d ErrorEntry) String() string {
	s := d.Code + ": " + d.Message
	if d.Detail != nil {
		s = fmt.Sprintf("%s; %v", s, d.Detail)
	}
	return s
}

func (e *Error) Error() string {
	prefix := ""
	if e.Method != "" && e.URL != nil {
		prefix = e.Method + " " + redactURL(e.URL) + ": "
	}
	switch len(e.Errors) {
	case 0:
		s := fmt.Sprintf("unexpected status code %d %s", e.StatusCode, http.StatusText(e.StatusCode))
		switch {
		case e.body != "":
			s += ": " + e.body
		case e.Method == http.MethodHead:
			s += " (HEAD responses have no body, use GET for details)"
		}
		return prefix + s
	case 1:
		return prefix + e.Errors[0].String()
	}
	parts := make([]string, len(e.Errors))
	for i, d := range e.Errors {
		parts[i] = d.String()
	}
	return prefix + "multiple errors returned: " + strings.Join(parts, "; ")
}

// temporary is ggcr's Error.Temporary: a bodiless 408, 429 or 5xx, or
// only codes that ask to retry.
func (e *Error) temporary() bool {
	if len(e.Errors) == 0 {
		return slices.Contains([]int{408, 429, 500, 502, 503, 504}, e.StatusCode)
	}
	for _, d := range e.Errors {
		switch d.Code {
		case "BLOB_UPLOAD_INVALID", "TOOMANYREQUESTS", "UNKNOWN", "UNAVAILABLE":
		default:
			return false
		}
	}
	return true
}

// redactURL is the URL as ggcr prints it: query values other than the
// registry's own parameters are REDACTED.
func redactURL(u *url.URL) string {
	q := u.Query()
	for k, vs := range q {
		switch k {
		case "scope", "service", "mount", "from", "digest", "n", "last":
		default:
			for i := range vs {
				vs[i] = "REDACTED"
			}
		}
	}
	r := *u
	r.RawQuery = q.Encode()
	return r.Redacted()
}

// checkError returns nil when resp's status is one of ok, else the *Error
// with the body (read up to 64 KiB) parsed.
func checkError(resp *http.Response, ok ...int) error {
	if slices.Contains(ok, resp.StatusCode) {
		return nil
	}
	body, err := readCapped(resp.Body, maxKeptBody)
	if err != nil {
		return err
	}
	var parsed struct {
		Errors []ErrorEntry `json:"errors"`
	}
	_ = json.Unmarshal(body, &parsed) // not an error body: the raw text says it
	e := &Error{StatusCode: resp.StatusCode, Errors: parsed.Errors, body: string(body)}
	if r := resp.Request; r != nil {
		e.Method, e.URL = r.Method, r.URL
	}
	return e
}

// readCapped reads r to the end, failing past max bytes.
func readCapped(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("body exceeds %d byte limit", max)
	}
	return b, nil
}

// discard drains (a little) and closes a response body, so that the
// connection can be reused.
func discard(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, maxKeptBody)
	resp.Body.Close()
}
