// Package adminclient speaks to the admin API a running fakeghcr serves
// under /_fakeghcr/: it applies changes to the world (as a user changes
// settings on github.com), resets it, exports it and reads the recorded
// authorization decisions. GHCR has no such API; nothing here imitates it.
//
// The CLI (`fakeghcr access add ...`, `fakeghcr explain`) and package
// verify use this one client.
package adminclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/fakeghcr/fakeghcr/registry"
)

// maxAnswer bounds an admin answer read into memory.
const maxAnswer = 16 << 20

// Client speaks to one running fakeghcr. Its zero value is not usable;
// build one with New.
type Client struct {
	base, token string
	http        *http.Client
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sends through hc (its transport, timeout, TLS roots);
// the default is a client with http.DefaultTransport and no timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.http = hc }
}

// New returns a client for the fakeghcr at baseURL ("http://127.0.0.1:5000";
// a bare host:port means http) that sends adminToken as its bearer token
// ("" sends none: only Healthz then works).
func New(baseURL, adminToken string, opts ...Option) *Client {
	c := &Client{base: NormalizeURL(baseURL), token: adminToken, http: &http.Client{}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// NormalizeURL drops a trailing slash and adds http:// to a bare host:port.
func NormalizeURL(base string) string {
	base = strings.TrimSuffix(base, "/")
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	return base
}

// BaseURL is the server's base URL, as normalized by New.
func (c *Client) BaseURL() string { return c.base }

// Apply applies one change (POST /_fakeghcr/changes). A refusal is an
// *Error: 400 INVALID_CHANGE names what is wrong with the change.
func (c *Client) Apply(ctx context.Context, change registry.Change) error {
	return c.do(ctx, http.MethodPost, "/changes", change, nil)
}

// Reset restores the world the server loaded (POST /_fakeghcr/reset);
// pushed content stays.
func (c *Client) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/reset", nil, nil)
}

// World returns the current world as a scenario file (GET /_fakeghcr/world,
// YAML).
func (c *Client) World(ctx context.Context) ([]byte, error) {
	var buf bytes.Buffer
	if err := c.do(ctx, http.MethodGet, "/world", nil, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WorldRedacted is World with every credential's secret replaced by
// registry.RedactedSecret (GET /_fakeghcr/world?redact=secrets).
func (c *Client) WorldRedacted(ctx context.Context) ([]byte, error) {
	var buf bytes.Buffer
	if err := c.do(ctx, http.MethodGet, "/world?redact=secrets", nil, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decisions returns the server's recent authorization decisions, newest
// first (GET /_fakeghcr/decisions).
func (c *Client) Decisions(ctx context.Context) ([]registry.Record, error) {
	var buf bytes.Buffer
	if err := c.do(ctx, http.MethodGet, "/decisions", nil, &buf); err != nil {
		return nil, err
	}
	return DecodeDecisions(&buf)
}

// Healthz returns nil when the server answers GET /_fakeghcr/healthz with
// 200; it needs no admin token.
func (c *Client) Healthz(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/healthz", nil, io.Discard)
}

// DecisionList is the body of GET /_fakeghcr/decisions, as the server
// writes it.
type DecisionList = registry.DecisionList

// DecodeDecisions reads the body of GET /_fakeghcr/decisions.
func DecodeDecisions(body io.Reader) ([]registry.Record, error) {
	var out registry.DecisionList
	if err := json.NewDecoder(body).Decode(&out); err != nil {
		return nil, fmt.Errorf("decoding decisions: %w", err)
	}
	return out.Decisions, nil
}

// do sends one admin request; in (if not nil) is sent as JSON, and a 200
// answer is copied to out (if not nil).
func (c *Client) do(ctx context.Context, method, path string, in any, out io.Writer) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+registry.AdminPrefix+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &UnreachableError{BaseURL: c.base, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("reading the answer to %s %s: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return refusal(resp.StatusCode, data)
	}
	if out != nil {
		_, err = out.Write(data)
	}
	return err
}
