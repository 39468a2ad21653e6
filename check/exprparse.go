package check

import (
	"strconv"
	"strings"
)

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tOp
)

type token struct {
	kind tokKind
	s    string
}

// exprParser is a recursive-descent reader of GitHub's expression syntax:
// literals, context paths, ==, !=, <, >, <=, >=, !, &&, ||, parentheses
// and the functions fakeghcr can evaluate.
type exprParser struct {
	src    string
	pos    int
	tok    token
	sc     *scope
	failed bool
	depth  int
}

func (p *exprParser) next() {
	s := p.src
	for p.pos < len(s) && (s[p.pos] == ' ' || s[p.pos] == '\t' || s[p.pos] == '\n' || s[p.pos] == '\r') {
		p.pos++
	}
	if p.pos >= len(s) {
		p.tok = token{kind: tEOF}
		return
	}
	c := s[p.pos]
	switch {
	case c == '\'':
		var b strings.Builder
		i := p.pos + 1
		for {
			if i >= len(s) {
				p.failed = true
				p.tok = token{kind: tEOF}
				return
			}
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i += 2
					continue
				}
				break
			}
			b.WriteByte(s[i])
			i++
		}
		p.pos = i + 1
		p.tok = token{kind: tString, s: b.String()}
	case c >= '0' && c <= '9' || c == '-' && p.pos+1 < len(s) && s[p.pos+1] >= '0' && s[p.pos+1] <= '9':
		i := p.pos + 1
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == 'x' || s[i] >= 'a' && s[i] <= 'f') {
			i++
		}
		p.tok = token{kind: tNumber, s: s[p.pos:i]}
		p.pos = i
	case isIdentByte(c):
		i := p.pos
		for i < len(s) {
			switch {
			case isIdentByte(s[i]) || s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == '-':
				i++
				continue
			case s[i] == '[':
				// index: ['name'] or [*] or [0]
				j := strings.IndexByte(s[i:], ']')
				if j < 0 {
					p.failed = true
					p.tok = token{kind: tEOF}
					return
				}
				i += j + 1
				continue
			}
			break
		}
		p.tok = token{kind: tIdent, s: s[p.pos:i]}
		p.pos = i
	default:
		for _, op := range []string{"==", "!=", "<=", ">=", "&&", "||", "!", "<", ">", "(", ")", ","} {
			if strings.HasPrefix(s[p.pos:], op) {
				p.tok = token{kind: tOp, s: op}
				p.pos += len(op)
				return
			}
		}
		p.failed = true
		p.tok = token{kind: tEOF}
	}
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func (p *exprParser) is(op string) bool { return p.tok.kind == tOp && p.tok.s == op }

func (p *exprParser) or() (val, bool) {
	v, ok := p.and()
	for p.is("||") && !p.failed {
		p.next()
		w, wok := p.and()
		switch {
		case ok && v.truthy():
			// a known truthy left side decides.
		case ok:
			v, ok = w, wok
		case wok && w.truthy():
			// unknown || true is true: the default on the right is taken,
			// as GitHub takes it when the left side is unset; named as an
			// assumption.
			v, ok = w, true
			p.sc.assume("in ${{ " + strings.TrimSpace(p.src) + " }}, the left side of || could not be evaluated: assumed unset (empty), so the value on the right is used")
		default:
			// unknown left: unknown, whatever the right is.
			ok = false
		}
	}
	return v, ok
}

func (p *exprParser) and() (val, bool) {
	v, ok := p.unary()
	for p.is("&&") && !p.failed {
		p.next()
		w, wok := p.unary()
		switch {
		case ok && !v.truthy():
			// a known falsy left side decides.
		case ok:
			v, ok = w, wok
		case wok && !w.truthy():
			// unknown && false is false.
			v, ok = val{kind: 'b'}, true
		default:
			ok = false
		}
	}
	return v, ok
}

func (p *exprParser) unary() (val, bool) {
	if p.is("!") {
		p.depth++
		if p.depth > 100 {
			p.failed = true
			return val{}, false
		}
		p.next()
		v, ok := p.unary()
		p.depth--
		return val{kind: 'b', b: !v.truthy()}, ok
	}
	return p.compare()
}

func (p *exprParser) compare() (val, bool) {
	v, ok := p.primary()
	for p.tok.kind == tOp {
		op := p.tok.s
		switch op {
		case "==", "!=", "<", ">", "<=", ">=":
		default:
			return v, ok
		}
		p.next()
		w, wok := p.primary()
		ok = ok && wok && !v.partial() && !w.partial()
		var r bool
		switch op {
		case "==":
			r = equal(v, w)
		case "!=":
			r = !equal(v, w)
		case "<":
			r = toNumber(v) < toNumber(w)
		case ">":
			r = toNumber(v) > toNumber(w)
		case "<=":
			r = toNumber(v) <= toNumber(w)
		case ">=":
			r = toNumber(v) >= toNumber(w)
		}
		v = val{kind: 'b', b: r}
	}
	return v, ok
}

func (p *exprParser) primary() (val, bool) {
	t := p.tok
	switch t.kind {
	case tString:
		p.next()
		return val{kind: 's', s: t.s}, true
	case tNumber:
		p.next()
		f, err := strconv.ParseFloat(t.s, 64)
		if err != nil {
			return val{}, false
		}
		return val{kind: 'n', n: f}, true
	case tOp:
		if t.s == "(" {
			p.depth++
			if p.depth > 100 {
				p.failed = true
				return val{}, false
			}
			p.next()
			v, ok := p.or()
			p.depth--
			if !p.is(")") {
				p.failed = true
				return val{}, false
			}
			p.next()
			return v, ok
		}
		p.failed = true
		return val{}, false
	case tIdent:
		p.next()
		switch strings.ToLower(t.s) {
		case "true":
			return val{kind: 'b', b: true}, true
		case "false":
			return val{kind: 'b'}, true
		case "null":
			return val{kind: 'z'}, true
		}
		if p.is("(") {
			return p.call(t.s)
		}
		return p.sc.lookup(t.s)
	}
	p.failed = true
	return val{}, false
}

func (p *exprParser) call(name string) (val, bool) {
	p.next() // (
	var args []val
	ok := true
	for !p.is(")") && !p.failed {
		if p.tok.kind == tEOF {
			p.failed = true
			return val{}, false
		}
		p.depth++
		if p.depth > 100 {
			p.failed = true
			return val{}, false
		}
		v, vok := p.or()
		p.depth--
		args = append(args, v)
		ok = ok && vok
		if p.is(",") {
			p.next()
		}
	}
	p.next() // )
	switch strings.ToLower(name) {
	case "always", "success":
		return val{kind: 'b', b: true}, true
	case "failure", "cancelled":
		return val{kind: 'b'}, true
	}
	if !ok {
		return val{}, false
	}
	for _, a := range args {
		if a.partial() && strings.ToLower(name) != "format" {
			return val{}, false
		}
	}
	switch strings.ToLower(name) {
	case "startswith":
		if len(args) == 2 {
			return val{kind: 'b', b: strings.HasPrefix(strings.ToLower(args[0].str()), strings.ToLower(args[1].str()))}, true
		}
	case "endswith":
		if len(args) == 2 {
			return val{kind: 'b', b: strings.HasSuffix(strings.ToLower(args[0].str()), strings.ToLower(args[1].str()))}, true
		}
	case "contains":
		if len(args) == 2 {
			return val{kind: 'b', b: strings.Contains(strings.ToLower(args[0].str()), strings.ToLower(args[1].str()))}, true
		}
	case "format":
		if len(args) >= 1 {
			s := args[0].str()
			for i, a := range args[1:] {
				s = strings.ReplaceAll(s, "{"+strconv.Itoa(i)+"}", a.str())
			}
			return val{kind: 's', s: s}, true
		}
	}
	return val{}, false
}

// lookup resolves a context path.
func (sc *scope) lookup(path string) (val, bool) {
	low := strings.ToLower(path)
	if name, ok := strings.CutPrefix(low, "secrets."); ok {
		if name == "github_token" {
			return val{kind: 's', s: secretValue("GITHUB_TOKEN")}, true
		}
		return val{kind: 's', s: secretValue(path[len("secrets."):])}, true
	}
	if low == "github.token" {
		return val{kind: 's', s: secretValue("GITHUB_TOKEN")}, true
	}
	for _, prefix := range sc.null {
		if low == prefix || strings.HasPrefix(low, prefix+".") {
			return val{kind: 'z'}, true
		}
	}
	if v, ok := sc.typed[low]; ok {
		return v, true
	}
	if v, ok := sc.ctx[low]; ok {
		// A value with unresolved parts is still a value to interpolate;
		// comparisons and functions on it are unknown.
		return val{kind: 's', s: v}, true
	}
	return val{}, false
}
