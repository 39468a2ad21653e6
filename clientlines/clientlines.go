package clientlines

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
)

//go:embed table/*.yaml
var tableFS embed.FS

// Op is what the user asked the client to do.
type Op string

// Ops.
const (
	Push Op = "push"
	Pull Op = "pull"
)

// Request is one kind of registry request a client makes.
type Request string

// Requests, as a client sends them.
const (
	Token        Request = "token"         // GET /token?scope=...
	BlobHead     Request = "blob_head"     // HEAD /v2/NAME/blobs/DIGEST (does the layer exist?)
	ManifestHead Request = "manifest_head" // HEAD /v2/NAME/manifests/REFERENCE
	BlobPost     Request = "blob_post"     // POST /v2/NAME/blobs/uploads/ (start an upload)
	ManifestPut  Request = "manifest_put"  // PUT /v2/NAME/manifests/REFERENCE
	ManifestGet  Request = "manifest_get"  // GET /v2/NAME/manifests/REFERENCE
)

var requests = []Request{Token, BlobHead, ManifestHead, BlobPost, ManifestPut, ManifestGet}

// Client is one client's table.
type Client struct {
	Name    string `yaml:"client"`
	Version string `yaml:"version"`
	Install string `yaml:"install"`
	Push    Plan   `yaml:"push"`
	Pull    Plan   `yaml:"pull"`
	Lines   []Line `yaml:"lines"`
}

// Plan is the order of the requests of one operation, up to the first refused one.
type Plan struct {
	// Order lists the requests; the client reports the first one GHCR refuses. A HEAD
	// answered 404 is not a refusal (the layer or tag is new).
	Order []Request `yaml:"order"`
	// Scope is the actions of the token request's scope, as the client writes them
	// ("push,pull" for crane, "pull,push" for skopeo).
	Scope string `yaml:"scope"`
	// Note says what is particular about this client's order (shown by scenario show).
	Note string `yaml:"note"`
	// HeadBody: when a HEAD is refused, the client GETs the same URL to show the error
	// body (containerd 2.4's pusher does), so the answer has GHCR's code and message.
	HeadBody bool `yaml:"head_body"`
}

// Line is what the client prints for one answer to one request. Code and Message, when
// set, narrow the match; the first matching line of the table wins.
type Line struct {
	Op      Op      `yaml:"op"`
	Request Request `yaml:"request"`
	Status  int     `yaml:"status"`
	Code    string  `yaml:"code"`
	Message string  `yaml:"message"`
	// Text is the printed line with placeholders: {url} (scheme://host), {host}, {repo},
	// {tag}, {ref} (host/repo:tag), {digest}, {code}, {code_lower}, {message},
	// {scope_query} (the token request's query string), {time} (a log timestamp).
	Text string `yaml:"line"`
}

// Answer is GHCR's answer to one request of one operation.
type Answer struct {
	Op      Op
	Request Request
	Status  int
	// Code and Message are the error body's first error; empty for a HEAD (no body).
	Code, Message string
}

// Vars are the values a line's placeholders take.
type Vars struct {
	URL  string // scheme://host, e.g. https://ghcr.io
	Host string // e.g. ghcr.io
	Repo string // e.g. acme/api
	Tag  string
	// Digest is shown for {digest}; Pattern matches any sha256 digest instead.
	Digest string
	// Time is shown for {time}; Pattern matches any timestamp instead.
	Time string
}

// Names lists the clients of the table, sorted.
func Names() []string {
	entries, err := fs.ReadDir(tableFS, "table")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// Load returns the table of the client called name; every call returns a fresh value.
func Load(name string) (*Client, error) {
	if !slices.Contains(Names(), name) {
		return nil, fmt.Errorf("no client table %q (have %s)", name, strings.Join(Names(), ", "))
	}
	file := "table/" + name + ".yaml"
	data, err := tableFS.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("client table %s: %w", file, err)
	}
	return parse(file, data)
}

// All returns every client's table, sorted by name.
func All() ([]*Client, error) {
	var out []*Client
	for _, n := range Names() {
		c, err := Load(n)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func parse(file string, data []byte) (*Client, error) {
	c, err := decodeTable(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return c, nil
}

// decodeTable decodes strictly; a panic inside the YAML library (it dereferences nil on
// some malformed tagged nodes) becomes an error.
func decodeTable(data []byte) (c *Client, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("the YAML could not be decoded (%v)", r)
		}
	}()
	c = &Client{}
	if err := yaml.NewDecoder(bytes.NewReader(data), yaml.DisallowUnknownField()).Decode(c); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Client) validate() error {
	if c.Name == "" || c.Version == "" {
		return fmt.Errorf("client and version are required")
	}
	for _, p := range []struct {
		op   Op
		plan Plan
	}{{Push, c.Push}, {Pull, c.Pull}} {
		if len(p.plan.Order) == 0 || p.plan.Order[0] != Token {
			return fmt.Errorf("%s.order must start with token", p.op)
		}
		for _, r := range p.plan.Order {
			if !slices.Contains(requests, r) {
				return fmt.Errorf("%s.order: unknown request %q", p.op, r)
			}
		}
		if p.plan.Scope == "" {
			return fmt.Errorf("%s.scope is required", p.op)
		}
	}
	for i, l := range c.Lines {
		if l.Op != Push && l.Op != Pull {
			return fmt.Errorf("lines[%d]: op %q (want push or pull)", i, l.Op)
		}
		if !slices.Contains(requests, l.Request) {
			return fmt.Errorf("lines[%d]: unknown request %q", i, l.Request)
		}
		if l.Status < 400 || l.Status > 599 {
			return fmt.Errorf("lines[%d]: status %d is not an error", i, l.Status)
		}
		if l.Text == "" {
			return fmt.Errorf("lines[%d]: line is required", i)
		}
	}
	return nil
}

// Plan returns the plan of op.
func (c *Client) Plan(op Op) Plan {
	if op == Pull {
		return c.Pull
	}
	return c.Push
}

// Line returns the line the client prints for a, if the table has it.
func (c *Client) Line(a Answer) (Line, bool) {
	for _, l := range c.Lines {
		if l.Op == a.Op && l.Request == a.Request && l.Status == a.Status &&
			(l.Code == "" || l.Code == a.Code) && (l.Message == "" || l.Message == a.Message) {
			return l, true
		}
	}
	return Line{}, false
}

// Render returns the printed line for a with v.
func (l Line) Render(c *Client, a Answer, v Vars) string {
	return l.replacer(c, a, v, func(s string) string { return s }, v.Digest, v.Time).Replace(l.Text)
}

// Pattern returns a regular expression for the whole printed line: the values of v quoted,
// any sha256 digest for {digest} and any timestamp for {time}.
func (l Line) Pattern(c *Client, a Answer, v Vars) *regexp.Regexp {
	r := l.replacer(c, a, v, regexp.QuoteMeta, `sha256:[0-9a-f]{64}`, `[^"]+`)
	return regexp.MustCompile("^" + r.Replace(regexp.QuoteMeta(l.Text)) + "$")
}

// replacer maps placeholders (quoted with quote) to their values; the placeholders
// themselves survive regexp.QuoteMeta as \{name\}, which replacer also matches.
func (l Line) replacer(c *Client, a Answer, v Vars, quote func(string) string, digest, time string) *strings.Replacer {
	scope := url.Values{"scope": {"repository:" + v.Repo + ":" + c.Plan(a.Op).Scope}, "service": {"ghcr.io"}}
	vals := map[string]string{
		"url": quote(v.URL), "host": quote(v.Host), "repo": quote(v.Repo), "tag": quote(v.Tag),
		"ref":  quote(v.Host + "/" + v.Repo + ":" + v.Tag),
		"code": quote(a.Code), "code_lower": quote(strings.ToLower(a.Code)), "message": quote(a.Message),
		"scope_query": quote(scope.Encode()), "digest": digest, "time": time,
	}
	var pairs []string
	for k, val := range vals {
		pairs = append(pairs, "{"+k+"}", val, `\{`+k+`\}`, val)
	}
	return strings.NewReplacer(pairs...)
}
