package githubrest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL is github.com's REST API.
const DefaultBaseURL = "https://api.github.com"

// Options configure a Client. The zero value reads github.com anonymously.
type Options struct {
	// BaseURL is the API root: https://api.github.com, or
	// https://HOST/api/v3 for GitHub Enterprise Server.
	BaseURL string
	// Token is sent as a bearer token; empty is anonymous. It is never
	// logged or printed.
	Token string
	// HTTPClient is used for requests; nil is a client with a 30 s timeout.
	HTTPClient *http.Client
	// Progress, when set, receives a line about a long import's progress.
	Progress func(line string)
	// Now and Sleep are the clock; nil is the real one.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxWait is the longest rate-limit wait the client sits out (default
	// 15 minutes); a longer one is an error naming when to retry.
	MaxWait time.Duration
}

// Client reads GitHub's REST API.
type Client struct {
	opts Options
	// waitUntil is when the primary rate limit lets the next request go.
	waitUntil time.Time
}

// New returns a Client, or an error naming a bad BaseURL.
func New(opts Options) (*Client, error) {
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("githubrest: API URL %q: want http(s)://HOST[/api/v3]", opts.BaseURL)
	}
	opts.BaseURL = strings.TrimSuffix(opts.BaseURL, "/")
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	if opts.MaxWait == 0 {
		opts.MaxWait = 15 * time.Minute
	}
	return &Client{opts: opts}, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Errors callers tell apart with errors.Is.
var (
	// ErrNotFound: GitHub answered 404 (absent, or hidden from the token).
	ErrNotFound = errors.New("not found")
	// ErrScope: the token lacks a scope the call needs (read:packages).
	ErrScope = errors.New("the token lacks a scope")
	// ErrBadCredentials: GitHub does not accept the token.
	ErrBadCredentials = errors.New("bad credentials")
	// ErrForbidden: the token may not read this (403 without a scope message).
	ErrForbidden = errors.New("forbidden")
	// ErrRateLimited: a rate limit lasts longer than MaxWait.
	ErrRateLimited = errors.New("rate limited")
)

// APIError is an answer GitHub refused with.
type APIError struct {
	Method, Path string
	Status       int
	Message      string
	kind         error
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

// Is matches the error kinds above.
func (e *APIError) Is(target error) bool { return e.kind != nil && target == e.kind }

// maxAttempts bounds the retries after rate-limit answers.
const maxAttempts = 6

// get fetches path (below BaseURL, with query) into v, and returns the
// next page's URL from the Link header ("" on the last page).
func (c *Client) get(ctx context.Context, path string, v any) (next string, err error) {
	target := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		target = c.opts.BaseURL + path
	}
	for attempt := 1; ; attempt++ {
		if err := c.waitForLimit(ctx); err != nil {
			return "", err
		}
		resp, body, err := c.do(ctx, target)
		if err != nil {
			return "", err
		}
		c.noteLimit(resp.Header)
		if resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal(body, v); err != nil {
				return "", fmt.Errorf("GET %s: GitHub's answer is not the JSON expected: %w", displayPath(target), err)
			}
			return nextLink(resp.Header.Get("Link")), nil
		}
		wait, limited := c.rateLimitWait(resp)
		if !limited {
			return "", apiError(target, resp.StatusCode, body)
		}
		if attempt >= maxAttempts || wait > c.opts.MaxWait {
			return "", fmt.Errorf("GET %s: %w: GitHub asks to wait %s (retry after %s)", displayPath(target), ErrRateLimited,
				wait.Round(time.Second), c.opts.Now().Add(wait).UTC().Format(time.RFC3339))
		}
		c.progress(fmt.Sprintf("rate limited (%d): waiting %s as GitHub asks", resp.StatusCode, wait.Round(time.Millisecond)))
		if err := c.opts.Sleep(ctx, wait); err != nil {
			return "", err
		}
	}
}

// do sends one GET and reads the answer (at most 32 MiB).
func (c *Client) do(ctx context.Context, target string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("User-Agent", "fakeghcr-world-import")
	if c.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.Token)
	}
	resp, err := c.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", displayPath(target), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: reading the answer: %w", displayPath(target), err)
	}
	return resp, body, nil
}

// noteLimit remembers an exhausted primary rate limit, so the next request
// waits for its reset instead of being refused.
func (c *Client) noteLimit(h http.Header) {
	if h.Get("X-RateLimit-Remaining") != "0" {
		return
	}
	if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
		c.waitUntil = time.Unix(reset, 0)
	}
}

func (c *Client) waitForLimit(ctx context.Context) error {
	if c.waitUntil.IsZero() {
		return nil
	}
	wait := c.waitUntil.Sub(c.opts.Now())
	c.waitUntil = time.Time{}
	if wait <= 0 {
		return nil
	}
	if wait > c.opts.MaxWait {
		return fmt.Errorf("%w: the rate limit resets at %s", ErrRateLimited, c.opts.Now().Add(wait).UTC().Format(time.RFC3339))
	}
	c.progress(fmt.Sprintf("rate limit used up: waiting %s for its reset", wait.Round(time.Second)))
	return c.opts.Sleep(ctx, wait)
}

// rateLimitWait says whether resp is a rate-limit answer and how long to
// wait: retry-after first, then x-ratelimit-reset, then a minute for a
// 429 (GitHub's docs: "wait for at least one minute before retrying").
func (c *Client) rateLimitWait(resp *http.Response) (time.Duration, bool) {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusForbidden {
		return 0, false
	}
	h := resp.Header
	if s, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if h.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			return max(time.Unix(reset, 0).Sub(c.opts.Now()), 0) + time.Second, true
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return time.Minute, true
	}
	return 0, false
}

func (c *Client) progress(line string) {
	if c.opts.Progress != nil {
		c.opts.Progress(line)
	}
}

// apiError reads GitHub's error body ({"message": ...}).
func apiError(target string, status int, body []byte) error {
	var b struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &b) // a body that is not GitHub's keeps its status
	msg := b.Message
	if msg == "" {
		msg = http.StatusText(status)
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	e := &APIError{Method: http.MethodGet, Path: displayPath(target), Status: status, Message: msg}
	switch {
	case status == http.StatusNotFound:
		e.kind = ErrNotFound
	case status == http.StatusUnauthorized:
		e.kind = ErrBadCredentials
	case status == http.StatusForbidden && strings.Contains(msg, "scope"):
		e.kind = ErrScope
	case status == http.StatusForbidden:
		e.kind = ErrForbidden
	}
	return e
}

// displayPath is a URL's path and query for messages.
func displayPath(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	return u.RequestURI()
}

// nextLink finds rel="next" in a Link header.
func nextLink(h string) string {
	for _, part := range strings.Split(h, ",") {
		target, params, ok := strings.Cut(part, ";")
		if !ok {
			continue
		}
		if strings.Contains(params, `rel="next"`) {
			return strings.Trim(strings.TrimSpace(target), "<>")
		}
	}
	return ""
}
