package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/fakeghcr/fakeghcr/scenarios"
)

// Client acts as one user, with one secret ("" is anonymous), against
// one registry host (host:port, plain HTTP), with go-containerregistry's
// (crane's) requests in its order, token dance and retries included.
type Client struct {
	Host, Secret string
	// Transport is the base transport; nil is http.DefaultTransport. Wrap
	// it in a Recorder to see the refusals.
	Transport http.RoundTripper
}

func (c Client) base() http.RoundTripper {
	if c.Transport == nil {
		return http.DefaultTransport
	}
	return c.Transport
}

// Push writes a small random image (one 256-byte layer) to pkg:tag as
// crane does, and returns its digest: every blob is HEADed first, so a
// credential that may not read the package is refused at that HEAD, with
// a 403 and no body (as GHCR does [T13 #981]).
func (c Client) Push(ctx context.Context, pkg, tag string) (string, error) {
	img, err := newImage(false)
	if err != nil {
		return "", err
	}
	return c.push(ctx, pkg, tag, img)
}

// PushStreamed writes a small random image whose layer is streamed, as
// docker push does for a layer the registry has not seen: no blob HEAD,
// the upload POST is the first write request, so a refusal comes with
// GHCR's body. It returns the image's digest.
func (c Client) PushStreamed(ctx context.Context, pkg, tag string) (string, error) {
	img, err := newImage(true)
	if err != nil {
		return "", err
	}
	return c.push(ctx, pkg, tag, img)
}

// Pull gets the manifest of pkg:tag and returns its digest.
func (c Client) Pull(ctx context.Context, pkg, tag string) (string, error) {
	if tag == "" {
		tag = scenarios.DefaultTag
	}
	if err := checkReference(c.Host, pkg, tag); err != nil {
		return "", err
	}
	s, err := newSession(ctx, c.Host, c.Secret, c.base(), true, "repository:"+pkg+":pull")
	if err != nil {
		return "", err
	}
	resp, body, err := s.get(ctx, s.url("/v2/"+pkg+"/manifests/"+tag), manifestAccept)
	if err != nil {
		return "", err
	}
	// As ggcr: the digest of the bytes, but a signed schema 1 manifest's
	// is the registry's.
	if d := resp.Header.Get("Docker-Content-Digest"); validDigest(d) &&
		resp.Header.Get("Content-Type") == "application/vnd.docker.distribution.manifest.v1+prettyjws" {
		return d, nil
	}
	return digestOf(body), nil
}

// Tags lists the tags of pkg, following Link pages as ggcr does (pages of
// n=1000).
func (c Client) Tags(ctx context.Context, pkg string) ([]string, error) {
	if err := checkReference(c.Host, pkg, scenarios.DefaultTag); err != nil {
		return nil, err
	}
	s, err := newSession(ctx, c.Host, c.Secret, c.base(), true, "repository:"+pkg+":pull")
	if err != nil {
		return nil, err
	}
	tags := []string{}
	for next := s.url("/v2/" + pkg + "/tags/list?n=1000"); next != ""; {
		var page struct {
			Tags []string `json:"tags"`
		}
		if next, err = s.tagsPage(ctx, next, &page); err != nil {
			return nil, err
		}
		tags = append(tags, page.Tags...)
	}
	return tags, nil
}

// tagsPage gets one page of tags into page and returns the next page's
// URL from the Link header ("" on the last page).
func (s *session) tagsPage(ctx context.Context, u string, page any) (next string, err error) {
	resp, body, err := s.get(ctx, u, "")
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(body, page); err != nil {
		return "", err
	}
	link := resp.Header.Get("Link")
	if link == "" {
		return "", nil
	}
	target, ok := strings.CutPrefix(link, "<")
	end := strings.Index(target, ">")
	if !ok || end < 0 {
		return "", fmt.Errorf("failed to parse link header: %s", link)
	}
	if target = target[:end]; target == "" {
		return "", nil
	}
	nu, err := url.Parse(target)
	if err != nil {
		return "", err
	}
	nu = resp.Request.URL.ResolveReference(nu)
	if nu.Scheme != "http" || nu.Host != s.host {
		return "", fmt.Errorf("pagination URL %s is not on the registry %s", nu.Redacted(), s.host)
	}
	return nu.String(), nil
}

// Login is docker login: see the package function Login.
func (c Client) Login(ctx context.Context) error {
	return Login(ctx, c.Host, c.Secret, c.base())
}

// do plays one entry; nil means the registry accepted it.
func (c Client) do(ctx context.Context, e scenarios.Expect, headFirst bool) error {
	var err error
	switch e.Action {
	case scenarios.ActionLogin:
		err = c.Login(ctx)
	case scenarios.ActionPush:
		if headFirst {
			_, err = c.Push(ctx, e.Package, e.Tag)
		} else {
			_, err = c.PushStreamed(ctx, e.Package, e.Tag)
		}
	case scenarios.ActionPull:
		_, err = c.Pull(ctx, e.Package, e.Tag)
	default:
		err = fmt.Errorf("unknown action %q", e.Action)
	}
	return err
}

// Login is docker login's exchange, as go-containerregistry's transport
// makes it: GET /v2/ (401 with the challenge), GET /token with Basic and no
// scope, then GET /v2/ with the bearer; no request is retried. An empty
// secret logs in anonymously.
func Login(ctx context.Context, host, secret string, base http.RoundTripper) error {
	s, err := newSession(ctx, host, secret, base, false)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url("/v2/"), nil)
	if err != nil {
		return err
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return err
	}
	defer discard(resp)
	return checkError(resp, http.StatusOK)
}

// checkReference refuses what go-containerregistry's name package refuses
// before sending anything: a repository other than lower-case letters,
// digits and _-./ (at most 255), a tag other than 1 to 128 of [A-Za-z0-9_.-].
func checkReference(host, pkg, tag string) error {
	okRepo := pkg != "" && len(pkg) <= 255 && !strings.ContainsFunc(pkg, func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || strings.ContainsRune("_-./", r))
	})
	okTag := len(tag) <= 128 && tag != "" && !strings.ContainsFunc(tag, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("_-.", r))
	})
	if host == "" || !okRepo || !okTag {
		return fmt.Errorf("could not parse reference: %s/%s:%s", host, pkg, tag)
	}
	return nil
}

// Answer returns the status, code and message of the refused request
// behind a client's error (an *Error); for other errors the status is 0
// and the message is the error's text.
func Answer(err error) (status int, code, message string) { return fromError(err) }

// fromError extracts the refused request's status, code and message.
func fromError(err error) (status int, code, message string) {
	var e *Error
	if !errors.As(err, &e) {
		return 0, "", err.Error()
	}
	if len(e.Errors) == 0 {
		return e.StatusCode, "", ""
	}
	return e.StatusCode, e.Errors[0].Code, e.Errors[0].Message
}

// refusedRequest names the request behind a client's error.
func refusedRequest(err error) string {
	var e *Error
	if !errors.As(err, &e) || e.URL == nil {
		return ""
	}
	return e.Method + " " + e.URL.RequestURI()
}

// Exchange is one response seen by a Recorder.
type Exchange struct {
	Method, URL string
	Status      int
	// Reason, Explanation and Fix are fakeghcr's X-Fakeghcr-* headers (set
	// on refusals).
	Reason, Explanation, Fix string
	// Body is kept for refusals (status >= 400), up to 64 KiB.
	Body []byte
}

// Recorder is an http.RoundTripper that remembers every response's status,
// fakeghcr headers and refusal body. It is safe for concurrent use (the
// clients upload blobs in parallel).
type Recorder struct {
	// Inner is the transport that sends; nil is http.DefaultTransport.
	Inner http.RoundTripper
	mu    sync.Mutex
	seen  []Exchange
}

const maxKeptBody = 64 << 10

// RoundTrip implements http.RoundTripper.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	inner := r.Inner
	if inner == nil {
		inner = http.DefaultTransport
	}
	resp, err := inner.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	x := Exchange{
		Method: req.Method, URL: req.URL.String(), Status: resp.StatusCode,
		Reason:      resp.Header.Get("X-Fakeghcr-Reason"),
		Explanation: resp.Header.Get("X-Fakeghcr-Explanation"),
		Fix:         resp.Header.Get("X-Fakeghcr-Fix"),
	}
	if resp.StatusCode >= 400 && resp.Body != nil {
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxKeptBody))
		resp.Body.Close()
		if rerr != nil {
			return nil, rerr
		}
		x.Body = body
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.mu.Lock()
	r.seen = append(r.seen, x)
	r.mu.Unlock()
	return resp, nil
}

// Refusal returns the response behind a client's error: the last one with
// the error's status (clients stop at the refusal they report).
func (r *Recorder) Refusal(err error) (Exchange, bool) {
	status, _, _ := fromError(err)
	return r.lastRefusal(status)
}

func (r *Recorder) lastRefusal(status int) (Exchange, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.seen) - 1; i >= 0; i-- {
		if x := r.seen[i]; x.Status == status && status >= 400 {
			return x, true
		}
	}
	return Exchange{}, false
}

func (r *Recorder) reasonFor(status int) string {
	x, _ := r.lastRefusal(status)
	return x.Reason
}

// get sends a GET of u (with accept, when set) and returns the answer
// and its body, read up to maxManifest; an answer other than 200 is the
// error.
func (s *session) get(ctx context.Context, u, accept string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer discard(resp)
	if err := checkError(resp, http.StatusOK); err != nil {
		return nil, nil, err
	}
	body, err := readCapped(resp.Body, maxManifest)
	if err != nil {
		return nil, nil, err
	}
	return resp, body, nil
}
