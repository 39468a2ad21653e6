package clientlines

import (
	"regexp"
	"strings"
	"sync"
)

// Wording is one line of one client, as diagnose recognizes it in a log: the line
// without its console prefix or log record.
type Wording struct {
	Client Name
	Stage  Stage
	// Version names the versions that print it; empty for the table's own version.
	Version string
	// Template is the line with the placeholders of Line.Text.
	Template string
	// Status is the answer's status the table gives the line (0: any).
	Status int
	// Whole: recognized only as a whole line.
	Whole bool
	// Head: the line names a HEAD request, whose answer has no body: a code it shows
	// is the client's, derived from the status.
	Head bool
}

// placeholders maps each placeholder to the pattern it matches and the names of its
// groups, as Matcher.Match reports them.
var placeholders = map[string]struct {
	re    string
	names []string
}{
	"url":         {`(https?)://([A-Za-z0-9][A-Za-z0-9.\-]*(?::[0-9]+)?)`, []string{"scheme", "host"}},
	"host":        {`([A-Za-z0-9][A-Za-z0-9.\-]*(?::[0-9]+)?)`, []string{"host"}},
	"repo":        {`([A-Za-z0-9._\-]+(?:/[A-Za-z0-9._\-]+)*)`, []string{"repo"}},
	"tag":         {`([A-Za-z0-9_][A-Za-z0-9_.\-]{0,127})`, []string{"tag"}},
	"ref":         {`(\S+?)`, []string{"ref"}},
	"image":       {`(\S+?)`, []string{"image"}},
	"digest":      {`([a-z0-9]+:[^\s"]*?)`, []string{"digest"}},
	"scope_query": {`([^\s"]*?)`, []string{"query"}},
	"code":        {`([A-Z_]+)`, []string{"CODE"}},
	"code_lower":  {`\b(` + lowerCodes() + `)`, []string{"code"}},
	"message":     {`(.+)`, []string{"message"}},
	"status":      {`([0-9]{3}(?: [A-Z][a-z]+)+)`, []string{"status"}},
	"statuscode":  {`([0-9]{3})`, []string{"statuscode"}},
	"statustext":  {`([A-Z][A-Za-z ]*)`, []string{"statustext"}},
	"time":        {`([^"]*?)`, []string{"time"}},
	"any":         {`(.*?)`, []string{"any"}},
}

func lowerCodes() string {
	var s []string
	for _, c := range ErrorCodes {
		s = append(s, strings.ToLower(c))
	}
	return strings.Join(s, "|")
}

// Matcher is a compiled Wording.
type Matcher struct {
	Wording Wording
	re      *regexp.Regexp
	// names of the groups, in order.
	names []string
	// keyword is the longest literal part: a line without it cannot match.
	keyword string
	// literal is the number of literal bytes: more is more specific.
	literal int
}

var placeholderRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{[A-Za-z_]+\}`) })

// Wordings lists every line of every client and version (Every's order), each text
// once: a text several lines share keeps the first one's client and version, no status
// when they give it different ones, and the stage rank prefers.
func Wordings() ([]Wording, error) {
	clients, err := every()
	if err != nil {
		return nil, err
	}
	var out []Wording
	index := map[string]int{}
	for _, c := range clients {
		for _, l := range c.Lines {
			key := l.Text
			if l.Whole {
				key = "\x00" + key
			}
			if i, ok := index[key]; ok {
				if out[i].Status != l.Status {
					out[i].Status = 0
				}
				if st, _ := named(l.Text); st == "" && rank(l.Request.Stage()) < rank(out[i].Stage) {
					out[i].Stage = l.Request.Stage()
				}
				continue
			}
			index[key] = len(out)
			stage, head := named(l.Text)
			if stage == "" {
				stage = l.Request.Stage()
			}
			out = append(out, Wording{Client: Name(c.Name), Stage: stage, Version: l.Version, Template: l.Text, Status: l.Status, Whole: l.Whole, Head: head})
		}
	}
	return out, nil
}

// named is the stage of the request a line names, if it names one (docker's
// `Head ".../manifests/latest": unauthorized` is printed for a refused token, but a log
// reader sees a manifest's HEAD), and whether that request is a HEAD.
func named(text string) (Stage, bool) {
	head := strings.Contains(text, "HEAD ") || strings.Contains(text, `Head "`) || strings.Contains(text, "HEAD request")
	switch {
	case strings.Contains(text, "/token?"):
		return StageToken, false
	case strings.Contains(text, "/blobs/uploads/"):
		return StageUploadPost, false
	case head && strings.Contains(text, "/blobs/"):
		return StageHeadBlob, true
	case strings.Contains(text, "/manifests/") && (strings.Contains(text, "PUT ") || strings.Contains(text, "PUT request")):
		return StageManifestPut, false
	case strings.Contains(text, "/manifests/"):
		return StageManifestGet, head
	case strings.Contains(text, `/v2/"`) || strings.Contains(text, "/v2/:"):
		return StageLogin, false
	}
	return "", head
}

// rank orders the stages a shared text is reported at: docker's GET /v2/ line is its
// login's check whichever command prints it, and a line that names no request (oras's
// "Error response from registry: ...") is reported as the upload, the request a push
// is refused at most often; else the table's order decides.
func rank(s Stage) int {
	switch s {
	case StageLogin:
		return 0
	case StageUploadPost:
		return 1
	}
	return 2
}

// Matchers compiles every Wording into a Matcher.
func Matchers() ([]Matcher, error) {
	ws, err := Wordings()
	if err != nil {
		return nil, err
	}
	var out []Matcher
	for _, w := range ws {
		m, err := compile(w)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func compile(w Wording) (Matcher, error) {
	p := Matcher{Wording: w}
	var b strings.Builder
	last := 0
	lit := func(s string) {
		b.WriteString(regexp.QuoteMeta(s))
		p.literal += len(s)
		if len(s) > len(p.keyword) {
			p.keyword = s
		}
	}
	for _, loc := range placeholderRE().FindAllStringIndex(w.Template, -1) {
		name := w.Template[loc[0]+1 : loc[1]-1]
		ph, ok := placeholders[name]
		if !ok {
			// Not a placeholder (e.g. JSON braces): literal text.
			continue
		}
		lit(w.Template[last:loc[0]])
		pat := ph.re
		if name == "message" && loc[1] < len(w.Template) {
			// followed by more text: stop at the first place it fits
			pat = `(.+?)`
		}
		b.WriteString(pat)
		p.names = append(p.names, ph.names...)
		last = loc[1]
	}
	lit(w.Template[last:])
	expr := b.String()
	if w.Whole {
		expr = `^\s*` + expr + `\s*$`
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return Matcher{}, err
	}
	p.re = re
	p.keyword = strings.TrimSpace(p.keyword)
	return p, nil
}

// Specificity orders matchers: a match of a more specific one wins.
func (p Matcher) Specificity() int { return p.literal }

// Keyword is a literal a matching line must contain.
func (p Matcher) Keyword() string { return p.keyword }

// Match matches line and returns the placeholders' values by name.
func (p Matcher) Match(line string) (map[string]string, bool) {
	if !strings.Contains(line, p.keyword) {
		return nil, false
	}
	m := p.re.FindStringSubmatch(line)
	if m == nil {
		return nil, false
	}
	vals := make(map[string]string, len(p.names))
	for i, n := range p.names {
		vals[n] = m[i+1]
	}
	return vals, true
}
