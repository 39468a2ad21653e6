package clientlines

//go:generate go test -run TestGeneratedTables -update .

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/fakeghcr/fakeghcr/answers"
)

//go:embed table/*.yaml other/*.yaml
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
	// Login and Reference are no request of a plan: a login's own check (GET /v2/
	// with the credential), and a reference the client refuses before sending anything.
	Login     Request = "login"
	Reference Request = "reference"
)

var requests = []Request{Token, BlobHead, ManifestHead, BlobPost, ManifestPut, ManifestGet}

// lineRequests are the requests a line may be for.
var lineRequests = append(slices.Clone(requests), Login, Reference)

// Client is one client's table.
type Client struct {
	Name    string `yaml:"client"`
	Version string `yaml:"version"`
	Install string `yaml:"install"`
	Push    Plan   `yaml:"push"`
	Pull    Plan   `yaml:"pull"`
	// Prefix is printed before each line of this version on the console ("Error: "); it
	// is not needed to recognize the line (other tools wrapping the same library print
	// the line after their own words). A line's own prefix replaces it.
	Prefix string `yaml:"prefix"`
	// Record, when set, is the log record the client prints the message in, with {line}
	// where the prefix and line go (skopeo's logrus record).
	Record string `yaml:"record"`
	Lines  []Line `yaml:"lines"`
	// played: the client has a request table (table/); a client under other/ has only
	// lines (recognized by diagnose, printed by check), and no e2e request order.
	played bool
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
//
// A line is either the table's own version's (no Source: the client named by the
// table's version prints it, and a test that runs that client asserts it: e2e's
// TestClientLines for the requests of a plan, clientlines' run tests for the others) or
// another version's wording (Version names the versions, Source the public thread or
// source file it is seen in): diagnose recognizes those, check never prints them and no
// test asserts them.
type Line struct {
	Op      Op      `yaml:"op"`
	Request Request `yaml:"request"`
	Status  int     `yaml:"status"`
	Code    string  `yaml:"code"`
	Message string  `yaml:"message"`
	// Text is the printed line with placeholders: {url} (scheme://host), {host}, {repo},
	// {tag}, {ref} (host/repo:tag), {image} (host/repo), {digest}, {code}, {code_lower},
	// {message}, {scope_query} (the token request's query string), {status} ("403
	// Forbidden"), {statuscode} (403), {statustext} ("Forbidden"), {time} (a log
	// timestamp), {any} (any text).
	Text string `yaml:"line"`
	// Prefix replaces the table's Prefix before this line.
	Prefix *string `yaml:"prefix"`
	// Whole: the line is recognized only as a whole line (it is too short to be
	// recognized inside other text).
	Whole bool `yaml:"whole"`
	// Version names the versions that print this wording, where its source tells; always
	// empty for the table's own version.
	Version string `yaml:"version"`
	// Source is the public URL the wording is seen in (an issue thread, the client's
	// source); empty for the table's version, whose lines tests assert.
	Source string `yaml:"source"`
	// Current marks a cited wording today's release prints (per its source) that no
	// test here runs: check prints it where the table's own version has no line.
	Current bool `yaml:"current"`
}

// Pinned reports whether the line is the table's own version's (asserted by a test
// that runs the client), not another version's wording seen in a public source.
func (l Line) Pinned() bool { return l.Source == "" }

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

// Names lists the clients with a request table (table/), sorted.
func Names() []string { return names("table") }

func names(dir string) []string {
	entries, err := fs.ReadDir(tableFS, dir)
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
	return load("table", name)
}

// load returns the table of dir/name.yaml from tables_gen.go: the YAML is
// decoded and validated when the tables are generated (go generate), not
// at each start (decoding them took a tenth of a whole check run).
func load(dir, name string) (*Client, error) {
	table, other := generatedTables()
	if dir == "other" {
		table = other
	}
	for _, c := range table {
		if c.Name == name {
			return c, nil
		}
	}
	return nil, fmt.Errorf("client table %s/%s.yaml: not generated (go generate ./clientlines)", dir, name)
}

// parseFile decodes and validates the YAML table dir/name.yaml.
func parseFile(dir, name string) (*Client, error) {
	file := dir + "/" + name + ".yaml"
	data, err := tableFS.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("client table %s: %w", file, err)
	}
	c, err := parse(file, data)
	if err != nil {
		return nil, err
	}
	if c.Name != name {
		return nil, fmt.Errorf("%s: client %q does not match the file name", file, c.Name)
	}
	return c, nil
}

func ptr(s string) *string { return &s }

// All returns every client's request table, sorted by name.
func All() ([]*Client, error) {
	table, _ := generatedTables()
	return table, nil
}

// Every returns the request tables and, after them, the clients that have only lines
// (other/: clients e2e does not play, such as regctl and docker/login-action): every
// line of every client and version fakeghcr knows.
func Every() ([]*Client, error) {
	table, other := generatedTables()
	return append(table, other...), nil
}

func parse(file string, data []byte) (*Client, error) {
	c, err := decodeTable(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	c.played = strings.HasPrefix(file, "table/") || (c.Push.Scope != "" || len(c.Push.Order) > 0)
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
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
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
		if !c.played {
			break
		}
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
	if c.Record != "" && strings.Count(c.Record, "{line}") != 1 {
		return fmt.Errorf("record must hold {line} once")
	}
	for i, l := range c.Lines {
		if err := l.validate(c.played); err != nil {
			return fmt.Errorf("lines[%d]: %w", i, err)
		}
	}
	return nil
}

// validate checks one line; a pinned line of a played client's request needs its op and
// status (e2e's TestClientLines looks lines up by them).
func (l Line) validate(playedClient bool) error {
	if !slices.Contains(lineRequests, l.Request) {
		return fmt.Errorf("unknown request %q", l.Request)
	}
	played := slices.Contains(requests, l.Request)
	strict := played && playedClient && l.Pinned()
	switch {
	case l.Op == "" && !strict:
	case l.Op == Push || l.Op == Pull:
		if !played {
			return fmt.Errorf("op %q: a %s line belongs to no push or pull", l.Op, l.Request)
		}
	default:
		return fmt.Errorf("op %q (want push or pull)", l.Op)
	}
	if l.Status != 0 || strict {
		if l.Status < 400 || l.Status > 599 {
			return fmt.Errorf("status %d is not an error", l.Status)
		}
	}
	if l.Text == "" {
		return fmt.Errorf("line is required")
	}
	if l.Pinned() && (l.Version != "" || l.Current) {
		return fmt.Errorf("another version's wording (version, current) needs its source: the public URL it is seen in")
	}
	if !l.Pinned() && !strings.HasPrefix(l.Source, "https://") {
		return fmt.Errorf("source %q is not a public https URL", l.Source)
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

// Line returns the line the table's version prints for a, if the table has it (never
// another version's wording).
func (c *Client) Line(a Answer) (Line, bool) {
	for _, l := range c.Lines {
		if l.Pinned() && l.Op == a.Op && l.Request == a.Request && l.Status == a.Status &&
			(l.Code == "" || l.Code == a.Code) && (l.Message == "" || l.Message == a.Message) {
			return l, true
		}
	}
	return Line{}, false
}

// Render returns the printed line for a with v: the record around the prefix and line.
func (l Line) Render(c *Client, a Answer, v Vars) string {
	return l.fill(c, a, v, plain, v.Digest, v.Time, "…", l.printed(c))
}

// Pattern returns a regular expression for the whole printed line: the values of v quoted,
// any sha256 digest for {digest}, any timestamp for {time} and any text for {any}.
func (l Line) Pattern(c *Client, a Answer, v Vars) *regexp.Regexp {
	return regexp.MustCompile("^" + l.fill(c, a, v, regexp.QuoteMeta, `sha256:[0-9a-f]{64}`, `[^"]+`, `.*`, regexp.QuoteMeta(l.printed(c))) + "$")
}

// Console is the line with its prefix, as check shows it (without a log record).
func (l Line) Console(c *Client) string {
	if l.Prefix != nil {
		return *l.Prefix + l.Text
	}
	return c.Prefix + l.Text
}

// printed is the whole printed line's template.
func (l Line) printed(c *Client) string {
	if c.Record == "" {
		return l.Console(c)
	}
	return strings.Replace(c.Record, "{line}", l.Console(c), 1)
}

func plain(s string) string { return s }

// fill replaces each placeholder in tmpl by its value (quoted with quote); the
// placeholders themselves survive regexp.QuoteMeta as \{name\}, which fill also
// matches. A name it does not know stays as written. Each value is computed
// only when the template names it: check renders a line per prediction.
func (l Line) fill(c *Client, a Answer, v Vars, quote func(string) string, digest, time, anyText, tmpl string) string {
	value := func(name string) (string, bool) {
		switch name {
		case "url":
			return quote(v.URL), true
		case "host":
			return quote(v.Host), true
		case "repo":
			return quote(v.Repo), true
		case "tag":
			return quote(v.Tag), true
		case "ref":
			return quote(v.Host + "/" + v.Repo + ":" + v.Tag), true
		case "image":
			return quote(v.Host + "/" + v.Repo), true
		case "code":
			return quote(a.Code), true
		case "code_lower":
			return quote(strings.ToLower(a.Code)), true
		case "message":
			return quote(a.Message), true
		case "scope_query":
			scope := url.Values{"scope": {"repository:" + v.Repo + ":" + c.Plan(a.Op).Scope}, "service": {"ghcr.io"}}
			return quote(scope.Encode()), true
		case "digest":
			return digest, true
		case "time":
			return time, true
		case "any":
			return anyText, true
		case "status":
			return quote(answers.StatusText(a.Status)), true
		case "statuscode":
			return quote(strconv.Itoa(a.Status)), true
		case "statustext":
			return quote(strings.TrimPrefix(answers.StatusText(a.Status), strconv.Itoa(a.Status)+" ")), true
		}
		return "", false
	}
	return expand(tmpl, value)
}

// expand replaces {name} and \{name\} in tmpl by value(name), left to right,
// without rescanning what it put in; an unknown name is left as it is.
func expand(tmpl string, value func(name string) (string, bool)) string {
	if !strings.Contains(tmpl, "{") {
		return tmpl
	}
	var b strings.Builder
	b.Grow(len(tmpl) + 32)
	for i := 0; i < len(tmpl); {
		open, closing := "", ""
		switch {
		case tmpl[i] == '{':
			open, closing = "{", "}"
		case strings.HasPrefix(tmpl[i:], `\{`):
			open, closing = `\{`, `\}`
		}
		if open != "" {
			rest := tmpl[i+len(open):]
			if j := strings.Index(rest, closing); j >= 0 {
				if val, ok := value(rest[:j]); ok {
					b.WriteString(val)
					i += len(open) + j + len(closing)
					continue
				}
			}
		}
		b.WriteByte(tmpl[i])
		i++
	}
	return b.String()
}
