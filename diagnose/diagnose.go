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
}

// Result is what a log shows.
type Result struct {
	Failures []Failure `json:"failures"`
}

// Failure is one GHCR failure in the log.
type Failure struct {
	Line    int    `json:"line"`
	Text    string `json:"text"`
	Client  string `json:"client"`
	Version string `json:"version,omitempty"`
	Stage   string `json:"stage"`
	// Image is ghcr.io/OWNER/NAME (or another host), empty when the line
	// does not name it.
	Image     string   `json:"image"`
	Status    int      `json:"status"`
	Code      string   `json:"code"`
	Message   string   `json:"message"`
	Causes    []Cause  `json:"causes"`
	Questions []string `json:"questions"`

	spec int // specificity of the matched line
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
	pats []answers.Pattern
	sigs []signature
	opts Options
}

// New prepares a Diagnoser: the client line patterns and every scenario's
// refusals.
func New(opts Options) (*Diagnoser, error) {
	pats, err := answers.Compile()
	if err != nil {
		return nil, fmt.Errorf("compiling client lines: %w", err)
	}
	return &Diagnoser{pats: pats, sigs: signatures(opts.Scenarios), opts: opts}, nil
}

// Read reads a log and diagnoses every GHCR failure in it.
func (d *Diagnoser) Read(r io.Reader) (Result, error) {
	br := bufio.NewReaderSize(r, maxLine)
	res := Result{Failures: []Failure{}}
	seen := map[string]int{}
	var prev *Failure
	prevLine := 0
	pushing := ""
	for n := 1; ; n++ {
		line, err := readLine(br)
		if i := strings.Index(line, "docker push "); i >= 0 {
			if w := strings.Fields(line[i+len("docker push "):]); len(w) > 0 && strings.Contains(w[0], "/") {
				ref := w[0]
				if j := strings.LastIndexByte(ref, ':'); j > strings.LastIndexByte(ref, '/') {
					ref = ref[:j]
				}
				pushing = clean(ref)
			}
		}
		if i := strings.Index(line, "The push refers to repository ["); i >= 0 {
			// docker push names the image once, before its layers.
			rest := line[i+len("The push refers to repository ["):]
			if j := strings.IndexByte(rest, ']'); j > 0 {
				pushing = rest[:j]
			}
		}
		if len(line) > 0 {
			if f, ok := d.line(line); ok {
				f.Line = n
				if f.Image == "" && f.Client == string(answers.Docker) && pushing != "" && (f.Stage == string(answers.StageUploadPost) || f.Stage == string(answers.StageToken)) {
					f.Image = pushing
				}
				switch {
				case prev != nil && prevLine == n-1 && prev.Code == "" && f.Client == string(answers.Docker) && f.Stage == string(answers.StageUploadPost):
					// containerd 2.1.3+ joins the body on the next line.
					prev.Code, prev.Message = f.Code, f.Message
					prevLine = n
					continue
				}
				key := f.Stage + "|" + f.Image + "|" + strconv.Itoa(f.Status) + "|" + f.Message
				if i, dup := seen[key]; dup && f.spec > res.Failures[i].spec {
					// The same failure printed again, by a line that names
					// its client better (BuildKit repeats containerd's).
					line := res.Failures[i].Line
					res.Failures[i] = f
					res.Failures[i].Line = line
				}
				if _, dup := seen[key]; !dup {
					seen[key] = len(res.Failures)
					res.Failures = append(res.Failures, f)
					prev, prevLine = &res.Failures[len(res.Failures)-1], n
				}
			}
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
	l := d.pats[best].Line
	f := Failure{Text: strings.TrimSpace(text), Client: string(l.Client), Version: l.Version, Stage: string(l.Stage), spec: bestSpec}
	host, repo, tag := bestVals["host"], bestVals["repo"], bestVals["tag"]
	for _, k := range []string{"ref", "image"} {
		if v := bestVals[k]; v != "" {
			h, rest, ok := strings.Cut(v, "/")
			if ok {
				host, repo = h, rest
				if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
					repo, tag = repo[:i], repo[i+1:]
				}
			}
		}
	}
	if q := bestVals["query"]; q != "" && repo == "" {
		repo = repoFromQuery(q)
	}
	_ = tag
	if repo != "" {
		if host == "" {
			host = "ghcr.io"
		}
		f.Image = host + "/" + repo
	}
	f.Code = strings.ToUpper(bestVals["CODE"] + bestVals["code"])
	f.Message = strings.TrimRight(strings.TrimSpace(bestVals["message"]), "\"'")
	if s := bestVals["status"] + bestVals["statuscode"]; len(s) >= 3 {
		f.Status, _ = strconv.Atoi(s[:3])
	}
	if f.Code == "" && l.Status == 404 {
		f.Code = "NAME_UNKNOWN" // docker's "name unknown"
	}
	if f.Code != "" && f.Message == "" && l.Client == answers.Docker {
		// Docker prints only the code when GHCR's message is the code's
		// standard one (docker/distribution's errcode).
		f.Message = standardMessages[f.Code]
	}
	if f.Status == 0 && f.Code != "" {
		f.Status = statusOf(f.Code, f.Message)
	}
	if f.Status == 0 {
		f.Status = l.Status
	}
	if l.Stage == answers.StageReference {
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
