// Package diagnose turns a failed job's log (or any registry client's
// output) into the GHCR failures it shows and, for each, the ranked causes:
// the authz rule, the built-in scenario that reproduces it, its
// explanation and fix, and the questions that tell the causes apart.
//
// Lines are recognized with the client lines of package answers, the same
// list fakeghcr check prints from. Causes come from playing each built-in
// scenario's expectations through check.Predict (authz's decisions, in each
// client's request order) and keeping those whose answer matches the
// failure; no second rule set. Where it knowingly differs: a client whose
// line carries no GHCR message (old BuildKit, containerd) matches every
// cause with the same status, so its causes are broader.
package diagnose

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/fakeghcr/fakeghcr/answers"
	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/check"
	"github.com/fakeghcr/fakeghcr/clientlines"
)

// Scenario is a world and the requests it expects, as in package
// scenarios (which the CLI converts from).
type Scenario struct {
	Name                        string
	World                       authz.World
	Expect                      []Expect
	AnonymousPrivateTokenStatus int
}

// Expect is one expected request of a scenario.
type Expect struct {
	Credential, Action, Package string
}

// Options configure Read.
type Options struct {
	// Scenarios are the built-in library the causes are drawn from.
	Scenarios []Scenario
	// Check, when set, is check's report of the workflow that failed (and
	// its world): causes it predicts for the failure's image come first.
	Check *check.Report
	// MaxBytes bounds the log's size (DefaultMaxBytes when zero).
	MaxBytes int64
	// Repository and World, when --workflow gives them, add detail: the
	// workflow's repository and each owner's account type (the settings
	// URL's /orgs/ or /users/).
	Repository string
	World      *authz.World
}

// Result is what a log shows.
type Result struct {
	Failures []Failure `json:"failures"`
	// Omitted counts failures beyond the first 1,000 distinct ones.
	Omitted int `json:"omitted,omitempty"`
}

// Failure is one GHCR failure in the log.
type Failure struct {
	Line int    `json:"line"`
	Text string `json:"text"`
	// Client is the program that printed the line (helm, podman, ko,
	// goreleaser, kubelet, ... when the log names it), Library the client
	// family whose wording the line has (oras for helm's lines, skopeo for
	// podman's).
	Client  string `json:"client"`
	Library string `json:"library"`
	Version string `json:"version,omitempty"`
	Stage   string `json:"stage"`
	// Image is ghcr.io/OWNER/NAME, empty when neither the line nor the
	// lines before it name it.
	Image string `json:"image"`
	// Account is "orgs" or "users" when the log or --workflow says which
	// kind of account owns the package.
	Account string `json:"account,omitempty"`
	// Scope is what the /token request asked for ("pull" or "pull,push"),
	// when the log shows it.
	Scope  string `json:"scope,omitempty"`
	Status int    `json:"status"`
	Code   string `json:"code"`
	// Message is GHCR's message; Inferred says the client printed only a
	// code or a status and the body shown is reconstructed.
	Message   string   `json:"message"`
	Inferred  bool     `json:"inferred,omitempty"`
	Causes    []Cause  `json:"causes"`
	Questions []string `json:"questions"`

	spec      int    // specificity of the matched line
	anonymous bool   // "failed to fetch anonymous token": no credential sent
	oauth     bool   // "failed to fetch oauth token": a credential was sent
	event     string // dependabot or pull_request when the log says so
	special   string // a cause of its own (see special.go)
	repo      string // the workflow's repository, from --workflow
	repoOnly  string // OWNER/NAME when the line names no host
	app       bool   // the log shows a GitHub App installation token
}

// Cause is one rule that gives the failure's answer.
type Cause struct {
	Reason authz.Reason `json:"reason"`
	// Scenario reproduces it (fakeghcr serve --scenario NAME); Scenarios
	// lists every built-in that does.
	Scenario    string   `json:"scenario"`
	Scenarios   []string `json:"scenarios,omitempty"`
	Explanation string   `json:"explanation"`
	Fix         string   `json:"fix"`
	// Reproduce is a command that reproduces it when no scenario does.
	Reproduce string `json:"reproduce,omitempty"`
	// Predicted says check predicts this cause for the workflow given.
	Predicted string `json:"predicted,omitempty"`
}

// maxLine bounds one log line; the rest of a longer line is skipped.
const maxLine = 64 << 10

// Read reads a log and diagnoses every GHCR failure in it.
func Read(r io.Reader, opts Options) (Result, error) {
	d, err := New(opts)
	if err != nil {
		return Result{}, err
	}
	return d.Read(r)
}

// Diagnoser reads logs with one set of options, prepared once.
type Diagnoser struct {
	pats []clientlines.Matcher
	sigs []signature
	opts Options
}

// New prepares a Diagnoser: the client line patterns and every scenario's
// refusals.
func New(opts Options) (*Diagnoser, error) {
	pats, err := clientlines.Matchers()
	if err != nil {
		return nil, fmt.Errorf("compiling client lines: %w", err)
	}
	return &Diagnoser{pats: pats, sigs: signatures(opts.Scenarios), opts: opts}, nil
}

// Read reads a log and diagnoses every GHCR failure in it. A log larger
// than Options.MaxBytes (DefaultMaxBytes when zero) is refused with an
// error naming the line and the limit; reading is one pass, in time linear
// in the log's size.
func (d *Diagnoser) Read(r io.Reader) (Result, error) {
	br := bufio.NewReaderSize(r, maxLine)
	res := Result{Failures: []Failure{}}
	seen := map[string]int{}
	prev, prevLine := -1, 0
	limit := d.opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	var ctx context
	var total int64
	for n := 1; ; n++ {
		line, err := readLine(br)
		total += int64(len(line)) + 1
		if total > limit+1 {
			return res, &SizeError{Line: n, Limit: limit}
		}
		if len(line) > 0 {
			text := clean(line)
			f, ok := d.line(text)
			if !ok {
				f, ok = specialLine(text)
			}
			if ok {
				f.Line = n
				if d.place(&f, text, &ctx, n) {
					switch {
					case prev >= 0 && prevLine == n-1 && res.Failures[prev].Code == "" && f.Library == string(clientlines.Docker) && f.Stage == string(clientlines.StageUploadPost):
						// containerd 2.1.3+ joins the body on the next line.
						res.Failures[prev].Code, res.Failures[prev].Message = f.Code, f.Message
						prevLine = n
						ctx.see(text, n)
						continue
					}
					key := f.Stage + "|" + f.Image + "|" + strconv.Itoa(f.Status) + "|" + f.Message + "|" + f.special
					i, dup := seen[key]
					if k0 := f.Stage + "||" + strconv.Itoa(f.Status) + "|" + f.Message + "|" + f.special; !dup && f.Image != "" {
						if j, ok := seen[k0]; ok && res.Failures[j].Image == "" {
							// The same failure again, after a line that names
							// its image (BuildKit prints it below the error).
							res.Failures[j].Image = f.Image
							i, dup = j, true
						}
					}
					switch {
					case dup && f.spec > res.Failures[i].spec:
						// The same failure printed again, by a line that names
						// its client better (BuildKit repeats containerd's).
						line := res.Failures[i].Line
						res.Failures[i] = f
						res.Failures[i].Line = line
					case dup:
					case len(res.Failures) >= maxFailures:
						res.Omitted++
					default:
						seen[key] = len(res.Failures)
						res.Failures = append(res.Failures, f)
						prev, prevLine = len(res.Failures)-1, n
					}
				}
			}
			ctx.see(text, n)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return res, fmt.Errorf("reading log line %d: %w", n, err)
		}
	}
	for i := range res.Failures {
		d.explain(&res.Failures[i])
	}
	return res, nil
}

// DefaultMaxBytes bounds the log diagnose reads (64 MiB; real job logs are
// a few MiB).
const DefaultMaxBytes = 64 << 20

// maxFailures bounds the distinct failures listed; more are counted in
// Result.Omitted.
const maxFailures = 1000

// SizeError is a log larger than the limit.
type SizeError struct {
	Line  int
	Limit int64
}

func (e *SizeError) Error() string {
	return fmt.Sprintf("log line %d: the log is larger than %d bytes (diagnose --max-bytes raises the limit)", e.Line, e.Limit)
}

// place ties a failure to its tool, its image and its registry, from the
// line and the lines before it. It reports false for a failure of another
// registry (Docker Hub, quay.io, ...), which is not GHCR's.
func (d *Diagnoser) place(f *Failure, text string, ctx *context, n int) bool {
	if t := toolOf(text); t != "" && !(t == "docker" && ctx.recentTool(n) != "" && ctx.recentTool(n) != "docker" && ctx.recentTool(n) != "buildx") {
		f.Client = t
	} else if t := ctx.recentTool(n); t != "" {
		f.Client = t
		if t == "docker" && f.Library != string(clientlines.Docker) && f.Library != string(clientlines.LoginAction) {
			f.Client = f.Library
		}
	}
	if f.Client == "" {
		f.Client = f.Library
	}
	if f.Image == "" {
		img := imageIn(text)
		if img == "" {
			img = ctx.recentImage(n)
		}
		switch {
		case f.repoOnly != "" && (img == "" || !strings.HasSuffix(img, "/"+f.repoOnly)):
			f.Image = "ghcr.io/" + f.repoOnly
		default:
			f.Image = img
		}
	}
	if strings.Contains(text, "docker.com/increase-rate-limit") || strings.Contains(text, "registry-1.docker.io") {
		f.Image = "docker.io/library"
	}
	host, path, _ := strings.Cut(f.Image, "/")
	if f.Image != "" && host != "ghcr.io" {
		if !typoOfGHCR(host) {
			return false
		}
		f.special = specialTypo
	}
	if f.Image != "" && path == "" {
		f.Image = ""
	}
	if f.Scope == "" && f.Image != "" {
		f.Scope = ctx.scopes[strings.ToLower(f.Image)]
	}
	f.event, f.app = ctx.event, ctx.app
	if strings.Contains(text, "failed to fetch anonymous token") {
		f.anonymous = true
	}
	if strings.Contains(text, "failed to fetch oauth token") {
		f.oauth = true
	}
	if f.special == "" {
		f.special = specialOf(f, text)
	}
	return true
}

// readLine returns the next line without its end, at most maxLine bytes.
func readLine(br *bufio.Reader) (string, error) {
	b, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		line := string(b)
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = br.ReadSlice('\n')
		}
		return line, err
	}
	return strings.TrimRight(string(b), "\r\n"), err
}

// hints: a line without any of these cannot be a failure fakeghcr knows.
var hints = []string{"403", "401", "404", "429", "denied", "name unknown", "DENIED", "unauthorized", "UNAUTHORIZED", "Forbidden", "lowercase", "toomanyrequests", "TOOMANYREQUESTS", "password required", "name_unknown", "NAME_UNKNOWN", "MANIFEST_UNKNOWN", "manifest unknown", ": not found", "unexpected status"}

func (d *Diagnoser) line(raw string) (Failure, bool) {
	hinted := false
	for _, h := range hints {
		if strings.Contains(raw, h) {
			hinted = true
			break
		}
	}
	if !hinted {
		return Failure{}, false
	}
	text := clean(raw)
	best, bestSpec := -1, -1
	var bestVals map[string]string
	for i, p := range d.pats {
		if p.Specificity() <= bestSpec {
			continue
		}
		if vals, ok := p.Match(text); ok {
			best, bestSpec, bestVals = i, p.Specificity(), vals
		}
	}
	if best < 0 {
		return Failure{}, false
	}
	l := d.pats[best].Wording
	f := Failure{Text: strings.TrimSpace(text), Library: string(l.Client), Version: l.Version, Stage: string(l.Stage), spec: bestSpec}
	host, repo, tag := bestVals["host"], bestVals["repo"], bestVals["tag"]
	for _, k := range []string{"ref", "image"} {
		if v := bestVals[k]; v != "" {
			h, rest, ok := strings.Cut(v, "/")
			if ok {
				host, repo = strings.ToLower(h), rest
				if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
					repo, tag = repo[:i], repo[i+1:]
				}
			}
		}
	}
	if q := bestVals["query"]; q != "" {
		if repo == "" {
			repo = repoFromQuery(q)
		}
		f.Scope = scopeOf(q)
	}
	_ = tag
	if repo == "" && host != "" {
		f.Image = strings.ToLower(host) + "/"
	}
	if repo != "" {
		if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
			repo = repo[:i]
		}
		if host == "" {
			f.Image = normalizeRef(repo)
			if strings.HasPrefix(f.Image, "docker.io/") {
				// A repository path without its host (skopeo, containerd
				// name the host elsewhere): GHCR's unless the context says.
				f.Image = ""
				f.repoOnly = strings.ToLower(repo)
			}
		} else {
			f.Image = strings.ToLower(host) + "/" + strings.ToLower(repo)
		}
	}
	f.Code = strings.ToUpper(bestVals["CODE"] + bestVals["code"])
	f.Message = strings.TrimRight(strings.TrimSpace(bestVals["message"]), "\"'")
	if s := bestVals["status"] + bestVals["statuscode"]; len(s) >= 3 {
		f.Status, _ = strconv.Atoi(s[:3])
	}
	if f.Code == "" && l.Status == 404 {
		f.Code = "NAME_UNKNOWN" // docker's "name unknown"
	}
	if f.Code != "" && f.Message == "" && l.Client == clientlines.Docker && !strings.Contains(l.Version, "no body") && !l.Head {
		// Docker prints only the code when GHCR's message is the code's
		// standard one (docker/distribution's errcode).
		f.Message = standardMessages[f.Code]
		f.Inferred = f.Message != ""
	}
	if f.Status == 0 && f.Code != "" {
		f.Status = statusOf(f.Code, f.Message)
	}
	if f.Status == 0 {
		f.Status = l.Status
	}
	if l.Stage == clientlines.StageReference {
		f.Status = 0
	}
	return f, true
}

// standardMessages are the registry error codes' standard messages.
var standardMessages = map[string]string{
	"DENIED":       "requested access to the resource is denied",
	"UNAUTHORIZED": "authentication required",
	"NAME_UNKNOWN": "repository name not known to registry",
}

// statusOf infers a status from GHCR's code and message.
func statusOf(code, message string) int {
	if rs := answers.Reasons(0, message); message != "" && len(rs) > 0 {
		a, _ := answers.For(rs[0], "")
		return a.Status
	}
	switch code {
	case "UNAUTHORIZED":
		return 401
	case "NAME_UNKNOWN", "MANIFEST_UNKNOWN":
		return 404
	case "TOOMANYREQUESTS":
		return 429
	}
	return 403
}

// clean removes ANSI colour codes and a GitHub log timestamp.
func clean(s string) string {
	if strings.IndexByte(s, 0x1b) >= 0 {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
				j := i + 2
				for j < len(s) && !(s[j] >= '@' && s[j] <= '~') {
					j++
				}
				i = j
				continue
			}
			b.WriteByte(s[i])
		}
		s = b.String()
	}
	if len(s) > 28 && s[4] == '-' && s[10] == 'T' {
		if i := strings.IndexByte(s, ' '); i > 0 && i < 40 && s[i-1] == 'Z' {
			s = s[i+1:]
		}
	}
	return s
}

// repoFromQuery reads the repository of a /token query's first scope.
func repoFromQuery(q string) string {
	v, err := url.ParseQuery(q)
	if err != nil {
		return ""
	}
	for _, s := range v["scope"] {
		if rest, ok := strings.CutPrefix(s, "repository:"); ok {
			if i := strings.LastIndexByte(rest, ':'); i > 0 {
				return rest[:i]
			}
		}
	}
	return ""
}
