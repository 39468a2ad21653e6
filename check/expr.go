package check

import (
	"strconv"
	"strings"
)

// Text values carry two kinds of marked spans, so that what could not be
// evaluated is never mistaken for a value:
//   - unresolvedOpen ... unresolvedClose: a part shown as written
//     (${{ expr }} or $VAR), with spaces replaced by hiddenSpace so shell
//     splitting keeps it in one word;
//   - secretOpen NAME secretClose: the value of secrets.NAME (GITHUB_TOKEN
//     for github.token), known by name only.
const (
	unresolvedOpen  = '\x01'
	unresolvedClose = '\x02'
	secretOpen      = '\x03'
	secretClose     = '\x04'
	hiddenSpace     = '\x05'
	hiddenSlash     = '\x06'
	hiddenColon     = '\x07'
)

// hider hides the characters that split words and references inside an
// unresolved part; display shows them again.
var hider = strings.NewReplacer(" ", string(hiddenSpace), "/", string(hiddenSlash), ":", string(hiddenColon))

func unresolved(shown string) string {
	return string(unresolvedOpen) + hider.Replace(shown) + string(unresolvedClose)
}

func secretValue(name string) string {
	return string(secretOpen) + name + string(secretClose)
}

// resolved reports whether s has no unresolved part.
func resolved(s string) bool { return !strings.ContainsRune(s, unresolvedOpen) }

// display renders s for people: unresolved parts as written, secrets as
// ${{ secrets.NAME }}.
func display(s string) string {
	if !strings.ContainsAny(s, "\x01\x02\x03\x04\x05\x06\x07") {
		return s
	}
	var b strings.Builder
	inSecret := false
	for _, r := range s {
		switch r {
		case unresolvedOpen, unresolvedClose:
		case hiddenSpace:
			b.WriteByte(' ')
		case hiddenSlash:
			b.WriteByte('/')
		case hiddenColon:
			b.WriteByte(':')
		case secretOpen:
			inSecret = true
			b.WriteString("${{ secrets.")
		case secretClose:
			if inSecret {
				b.WriteString(" }}")
			}
			inSecret = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// secretsIn returns the secret names s contains.
func secretsIn(s string) []string {
	var out []string
	for {
		i := strings.IndexRune(s, secretOpen)
		if i < 0 {
			return out
		}
		j := strings.IndexRune(s[i:], secretClose)
		if j < 0 {
			return out
		}
		out = append(out, s[i+1:i+j])
		s = s[i+j+1:]
	}
}

// scope is what expressions can see in one step of one event.
type scope struct {
	// ctx maps a dotted context path (github.repository, env.IMAGE,
	// steps.meta.outputs.tags, matrix.arch, inputs.image) to its value.
	ctx map[string]string
	// typed holds context values that are not strings (booleans such as
	// github.event.pull_request.head.repo.fork).
	typed map[string]val
	// null lists path prefixes known to be absent in this event (e.g.
	// github.event.pull_request on a push): they evaluate to null.
	null []string
	// assumed lists what evaluating took for granted (an || default).
	assumed []string
}

// assume records an assumption once.
func (sc *scope) assume(s string) {
	for _, a := range sc.assumed {
		if a == s {
			return
		}
	}
	if len(sc.assumed) < 20 {
		sc.assumed = append(sc.assumed, s)
	}
}

// interpolate replaces every ${{ expr }} in s by its value or an
// unresolved marker.
func (sc *scope) interpolate(s string) string {
	if !strings.Contains(s, "${{") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${{")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		expr := strings.TrimSpace(s[i+3 : i+j])
		if v, ok := sc.eval(expr); ok {
			b.WriteString(v.str())
		} else {
			b.WriteString(unresolved(s[i : i+j+2]))
		}
		s = s[i+j+2:]
	}
}

// condition evaluates an if: expression: true, false, or unknown (ok
// false). An empty condition is true.
func (sc *scope) condition(s string) (value bool, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return true, true
	}
	if strings.HasPrefix(s, "${{") && strings.HasSuffix(s, "}}") {
		s = strings.TrimSpace(s[3 : len(s)-2])
	}
	v, ok := sc.eval(s)
	if !ok {
		return false, false
	}
	return v.truthy(), true
}

// val is an expression value: a string, a bool or a number.
type val struct {
	kind byte // 's', 'b', 'n', 'z' (null)
	s    string
	b    bool
	n    float64
}

func (v val) str() string {
	switch v.kind {
	case 'b':
		return strconv.FormatBool(v.b)
	case 'n':
		return strconv.FormatFloat(v.n, 'f', -1, 64)
	case 'z':
		return ""
	}
	return v.s
}

// partial reports whether a string value has unresolved parts.
func (v val) partial() bool { return v.kind == 's' && !resolved(v.s) }

func (v val) truthy() bool {
	switch v.kind {
	case 'b':
		return v.b
	case 'n':
		return v.n != 0
	case 'z':
		return false
	}
	return v.s != ""
}

// equal compares as GitHub does: strings case-insensitively, otherwise by
// coercing to numbers.
func equal(a, b val) bool {
	if a.kind == 's' && b.kind == 's' {
		return strings.EqualFold(a.s, b.s)
	}
	if a.kind == b.kind {
		return a == b
	}
	if a.kind == 'b' && b.kind == 's' {
		a, b = b, a
	}
	if a.kind == 's' && b.kind == 'b' && (a.s == "true" || a.s == "false") {
		return (a.s == "true") == b.b
	}
	return toNumber(a) == toNumber(b)
}

func toNumber(v val) float64 {
	switch v.kind {
	case 'b':
		if v.b {
			return 1
		}
		return 0
	case 'n':
		return v.n
	case 'z':
		return 0
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v.s), 64)
	if err != nil {
		return -1e308 // NaN-like: equal to nothing GitHub would call equal
	}
	return f
}

// eval evaluates an expression; ok is false when any part it needs is
// unknown.
func (sc *scope) eval(expr string) (val, bool) {
	p := &exprParser{src: expr, sc: sc}
	p.next()
	v, ok := p.or()
	if p.tok.kind != tEOF || p.failed {
		return val{}, false
	}
	return v, ok
}
