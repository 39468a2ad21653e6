package clientlines

import (
	"github.com/fakeghcr/fakeghcr/answers"
	"regexp"
	"strconv"
	"strings"
)

// PrintVars fill a Wording's placeholders.
type PrintVars struct {
	Scheme, Host, Repo, Tag, Digest, Query string
	Answer                                 answers.Answer
}

// Print returns what client prints when the request of stage is answered
// with v.Answer, from the Current line of that client and stage (one
// carrying GHCR's message when the answer has one, else one with only the
// status). It reports false when no line is known.
func Print(client Name, stage Stage, v PrintVars) (string, bool) {
	for _, l := range Wordings {
		if l.Client == client && l.Stage == stage && l.Current && l.When != "" && l.when(v.Answer) {
			return l.fill(v), true
		}
	}
	body := v.Answer.Code != ""
	for _, l := range Wordings {
		if l.When != "" {
			continue
		}
		if l.Client != client || l.Stage != stage || !l.Current {
			continue
		}
		if l.hasBody() != body && l.Stage != StageReference && !(l.Client == LoginAction) {
			continue
		}
		return l.fill(v), true
	}
	return "", false
}

// when reports whether a narrowed line's condition holds for a.
func (l Wording) when(a answers.Answer) bool {
	return l.When == strconv.Itoa(a.Status) || l.When == a.Code || l.When == a.Message
}

func (l Wording) hasBody() bool { return strings.Contains(l.Template, "{message}") }

func (l Wording) fill(v PrintVars) string {
	if v.Scheme == "" {
		v.Scheme = "https"
	}
	if v.Host == "" {
		v.Host = "ghcr.io"
	}
	if v.Tag == "" {
		v.Tag = "latest"
	}
	if v.Digest == "" {
		v.Digest = "sha256:…"
	}
	r := strings.NewReplacer(
		"{scheme}", v.Scheme, "{host}", v.Host, "{repo}", v.Repo, "{tag}", v.Tag,
		"{ref}", v.Host+"/"+v.Repo+":"+v.Tag, "{image}", v.Host+"/"+v.Repo,
		"{digest}", v.Digest, "{query}", v.Query,
		"{CODE}", v.Answer.Code, "{code}", strings.ToLower(v.Answer.Code), "{message}", v.Answer.Message,
		"{status}", answers.StatusText(v.Answer.Status), "{statuscode}", strconv.Itoa(v.Answer.Status), "{any}", "…",
		"{statustext}", strings.TrimPrefix(answers.StatusText(v.Answer.Status), strconv.Itoa(v.Answer.Status)+" "),
	)
	return r.Replace(l.Prefix + l.Template)
}

// placeholders maps each placeholder to the pattern it matches.
var placeholders = map[string]string{
	"scheme":     `(https?)`,
	"host":       `([A-Za-z0-9][A-Za-z0-9.\-]*(?::[0-9]+)?)`,
	"repo":       `([A-Za-z0-9._\-]+(?:/[A-Za-z0-9._\-]+)*)`,
	"tag":        `([A-Za-z0-9_][A-Za-z0-9_.\-]{0,127})`,
	"ref":        `(\S+?)`,
	"image":      `(\S+?)`,
	"digest":     `([a-z0-9]+:[^\s"]*?)`,
	"query":      `([^\s"]*?)`,
	"CODE":       `([A-Z_]+)`,
	"code":       `\b(` + lowerCodes() + `)`,
	"message":    `(.+)`,
	"status":     `([0-9]{3}(?: [A-Z][a-z]+)+)`,
	"statuscode": `([0-9]{3})`,
	"statustext": `([A-Z][A-Za-z ]*)`,
	"any":        `(.*?)`,
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

var placeholderRE = regexp.MustCompile(`\{[A-Za-z]+\}`)

// Matchers compiles every Wording into a Matcher.
func Matchers() ([]Matcher, error) {
	var out []Matcher
	for _, l := range Wordings {
		p, err := compile(l)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func compile(l Wording) (Matcher, error) {
	p := Matcher{Wording: l}
	var b strings.Builder
	last := 0
	lit := func(s string) {
		b.WriteString(regexp.QuoteMeta(s))
		p.literal += len(s)
		if len(s) > len(p.keyword) {
			p.keyword = s
		}
	}
	for _, loc := range placeholderRE.FindAllStringIndex(l.Template, -1) {
		name := l.Template[loc[0]+1 : loc[1]-1]
		pat, ok := placeholders[name]
		if !ok {
			// Not a placeholder (e.g. JSON braces): literal text.
			continue
		}
		lit(l.Template[last:loc[0]])
		if name == "message" && loc[1] < len(l.Template) {
			// followed by more text: stop at the first place it fits
			pat = `(.+?)`
		}
		b.WriteString(pat)
		p.names = append(p.names, name)
		last = loc[1]
	}
	lit(l.Template[last:])
	expr := b.String()
	if l.Whole {
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

// Specificity orders patterns: a match of a more specific one wins.
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
