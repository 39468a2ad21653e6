package check

import (
	"strings"
)

// command is one simple command of a run: script, with its words
// expanded as far as the known environment allows.
type command struct {
	// line is the index of the script line it starts on (from 0).
	line int
	args []string
	// env holds the variables a tool reads from its environment (only
	// KO_DOCKER_REPO today), prefix assignments included.
	env map[string]string
	// stdin is what a pipe feeds the command when the command before the
	// pipe is echo, printf or cat of a here-string (for --password-stdin).
	stdin string
}

// maxScriptBytes bounds the script fakeghcr reads; the rest is ignored.
const maxScriptBytes = 1 << 20

// shell expands a bash script as far as known: it splits it into simple
// commands, follows VAR=value assignments, and expands $VAR, ${VAR} and
// ${VAR,,}. It runs nothing, and what it cannot know stays unresolved.
type shell struct {
	vars map[string]string
	// pending collects the commands found inside $(...) while a command's
	// words are expanded; they run before it.
	pending  []command
	subDepth int
	// lineNo is the script line of the command being expanded.
	lineNo int
}

// maxSubstitutionDepth bounds $( $( ... ) ) nesting followed.
const maxSubstitutionDepth = 8

func (sh *shell) commands(script string) []command {
	if len(script) > maxScriptBytes {
		script = script[:maxScriptBytes]
	}
	var out []command
	lines := strings.Split(script, "\n")
	var logical strings.Builder
	for i := 0; i < len(lines); i++ {
		start := i
		// A line ending in a backslash continues on the next: joined in
		// one builder, in linear time.
		logical.Reset()
		cur := lines[i]
		for {
			t := strings.TrimRight(cur, " \t")
			if !strings.HasSuffix(t, "\\") || i+1 >= len(lines) {
				logical.WriteString(cur)
				break
			}
			logical.WriteString(strings.TrimSuffix(t, "\\"))
			logical.WriteByte(' ')
			i++
			cur = lines[i]
		}
		out = append(out, sh.line(start, logical.String())...)
	}
	return out
}

// line splits one logical line into its commands: on ;, &&, || and |.
func (sh *shell) line(n int, s string) []command {
	sh.lineNo = n
	words := splitWords(s)
	var out []command
	var cur []string
	var pipeFrom []string
	flush := func(pipe bool) {
		if len(cur) == 0 {
			return
		}
		c := sh.expandCommand(n, cur)
		if len(pipeFrom) > 0 && c.stdin == "" {
			c.stdin = stdinOf(sh.expandCommand(n, pipeFrom).args)
		}
		out = append(out, sh.pending...)
		sh.pending = nil
		if c.args != nil {
			out = append(out, c)
		}
		if pipe {
			pipeFrom = cur
		} else {
			pipeFrom = nil
		}
		cur = nil
	}
	for _, w := range words {
		switch w.text {
		case ";", "&&", "||":
			if !w.quoted {
				flush(false)
				continue
			}
		case "|":
			if !w.quoted {
				flush(true)
				continue
			}
		}
		if strings.HasPrefix(w.raw, "#") {
			break // a comment runs to the end of the line
		}
		cur = append(cur, w.raw)
	}
	flush(false)
	return out
}

// stdinOf returns what echo/printf print, for a pipe into --password-stdin.
func stdinOf(args []string) string {
	if len(args) == 0 {
		return ""
	}
	switch args[0] {
	case "echo", "printf", "Write-Output", "write-output":
		var rest []string
		for _, a := range args[1:] {
			if strings.HasPrefix(a, "-") && len(rest) == 0 {
				continue
			}
			rest = append(rest, a)
		}
		return strings.Join(rest, " ")
	}
	return ""
}

// expandCommand expands words; leading VAR=value words are assignments
// (kept for later commands when nothing follows, as bash does).
func (sh *shell) expandCommand(n int, raw []string) command {
	c := command{line: n}
	i := 0
	if raw[0] == "export" {
		i = 1
	}
	var assigns [][2]string
	for ; i < len(raw); i++ {
		name, value, ok := strings.Cut(raw[i], "=")
		if !ok || !isShellName(name) {
			break
		}
		assigns = append(assigns, [2]string{name, sh.expand(value)})
	}
	if i == len(raw) {
		for _, a := range assigns {
			sh.vars[a[0]] = a[1]
		}
		return command{}
	}
	for _, w := range raw[i:] {
		c.args = append(c.args, sh.expand(w))
	}
	c.args, c.stdin = redirections(c.args)
	if len(c.args) > 0 && c.args[0] == "ko" {
		c.env = map[string]string{}
		if v, ok := sh.vars["KO_DOCKER_REPO"]; ok {
			c.env["KO_DOCKER_REPO"] = v
		}
		for _, a := range assigns {
			c.env[a[0]] = a[1]
		}
	}
	return c
}

func isShellName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// expand expands one raw word: quotes removed, $VAR, ${VAR}, ${VAR,,}
// and the lower-casing idiom $(echo X | tr '[A-Z]' '[a-z]') replaced.
func (sh *shell) expand(raw string) string {
	var b strings.Builder
	quote := byte(0)
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == unresolvedOpen {
			end := strings.IndexByte(raw[i:], unresolvedClose)
			if end < 0 {
				end = len(raw) - i - 1
			}
			b.WriteString(raw[i : i+end+1])
			i += end
			continue
		}
		switch {
		case quote == 0 && (c == '\'' || c == '"'):
			quote = c
		case quote != 0 && c == quote:
			quote = 0
		case quote != '\'' && c == '\\' && i+1 < len(raw):
			i++
			b.WriteByte(raw[i])
		case quote != '\'' && c == '$' && i+1 < len(raw):
			v, n := sh.variable(raw[i:])
			b.WriteString(v)
			i += n - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// variable expands the $... at the start of s; it returns the value and
// the bytes consumed.
func (sh *shell) variable(s string) (string, int) {
	switch {
	case strings.HasPrefix(s, "$(("):
		end := strings.Index(s, "))")
		if end < 0 {
			return unresolved(s), len(s)
		}
		return unresolved(s[:end+2]), end + 2
	case strings.HasPrefix(s, "$("):
		end := matchParen(s[1:])
		if end < 0 {
			return unresolved(s), len(s)
		}
		inner := s[2 : end+1]
		if v, ok := sh.lowercaseIdiom(inner); ok {
			return v, end + 2
		}
		if sh.subDepth < maxSubstitutionDepth {
			// The commands inside run too (a push whose digest is captured).
			sh.subDepth++
			saved := sh.pending
			sh.pending = nil
			outer := sh.lineNo
			cmds := sh.line(outer, inner)
			sh.lineNo = outer
			sh.pending = append(saved, cmds...)
			sh.subDepth--
		}
		return unresolved(s[:end+2]), end + 2
	case strings.HasPrefix(s, "${"):
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return unresolved(s), len(s)
		}
		inner := s[2:end]
		if len(inner) > 4 && strings.EqualFold(inner[:4], "env:") {
			inner = inner[4:] // PowerShell's ${env:NAME}
		}
		name, lower := strings.CutSuffix(inner, ",,")
		if !lower {
			name, lower = strings.CutSuffix(inner, "@L")
		}
		v, ok := sh.lookupVar(name)
		if !ok {
			return unresolved(s[:end+1]), end + 1
		}
		if lower {
			v = lowerResolved(v)
		}
		return v, end + 1
	}
	if len(s) > 5 && strings.EqualFold(s[:5], "$env:") {
		// PowerShell's $env:NAME (shell: pwsh steps).
		n := 5
		for n < len(s) && (s[n] == '_' || s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z' || s[n] >= '0' && s[n] <= '9') {
			n++
		}
		if v, ok := sh.lookupVar(s[5:n]); ok {
			return v, n
		}
		return unresolved(s[:n]), n
	}
	n := 1
	for n < len(s) && (s[n] == '_' || s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z' || s[n] >= '0' && s[n] <= '9') {
		n++
	}
	if n == 1 {
		return "$", 1
	}
	if v, ok := sh.lookupVar(s[1:n]); ok {
		return v, n
	}
	return unresolved(s[:n]), n
}

func (sh *shell) lookupVar(name string) (string, bool) {
	if !isShellName(name) {
		return "", false
	}
	v, ok := sh.vars[name]
	return v, ok
}

// lowercaseIdiom evaluates echo X | tr '[A-Z]' '[a-z]' (and the
// [:upper:] [:lower:] and A-Z a-z spellings), GitHub's old starter
// workflow's way of lower-casing an image name.
func (sh *shell) lowercaseIdiom(inner string) (string, bool) {
	src, tr, ok := strings.Cut(inner, "|")
	if !ok {
		return "", false
	}
	trWords := splitWords(strings.TrimSpace(tr))
	if len(trWords) != 3 || trWords[0].text != "tr" {
		return "", false
	}
	from, to := strings.Trim(trWords[1].text, "'\""), strings.Trim(trWords[2].text, "'\"")
	if !(from == "[A-Z]" && to == "[a-z]" || from == "[:upper:]" && to == "[:lower:]" || from == "A-Z" && to == "a-z") {
		return "", false
	}
	words := splitWords(strings.TrimSpace(src))
	if len(words) < 2 || words[0].text != "echo" {
		return "", false
	}
	var parts []string
	for _, w := range words[1:] {
		parts = append(parts, sh.expand(w.raw))
	}
	return lowerResolved(strings.Join(parts, " ")), true
}

// lowerResolved lower-cases the resolved parts of s.
func lowerResolved(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch r {
		case unresolvedOpen, secretOpen:
			in = true
		case unresolvedClose, secretClose:
			in = false
		}
		if !in && r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func matchParen(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

type word struct {
	raw, text string
	quoted    bool
}

// splitWords splits a line into shell words and operators, keeping each
// word's raw text (quotes and $ included) for expansion.
func splitWords(s string) []word {
	var out []word
	var raw, text strings.Builder
	quoted := false
	quote := byte(0)
	parens := 0
	emit := func() {
		if raw.Len() > 0 {
			out = append(out, word{raw: raw.String(), text: text.String(), quoted: quoted})
		}
		raw.Reset()
		text.Reset()
		quoted = false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			raw.WriteByte(c)
			if c == quote {
				quote = 0
			} else {
				text.WriteByte(c)
			}
			continue
		}
		if parens > 0 {
			raw.WriteByte(c)
			text.WriteByte(c)
			switch c {
			case '(':
				parens++
			case ')':
				parens--
			}
			continue
		}
		switch {
		case c == '\'' || c == '"':
			quote, quoted = c, true
			raw.WriteByte(c)
		case c == '$' && i+1 < len(s) && s[i+1] == '(':
			parens = 1
			raw.WriteString("$(")
			text.WriteString("$(")
			i++
		case c == ' ' || c == '\t' || c == '\r':
			emit()
		case c == ';':
			emit()
			out = append(out, word{raw: ";", text: ";"})
		case (c == '&' || c == '|') && i+1 < len(s) && s[i+1] == c:
			emit()
			out = append(out, word{raw: s[i : i+2], text: s[i : i+2]})
			i++
		case c == '|':
			emit()
			out = append(out, word{raw: "|", text: "|"})
		case c == '\\' && i+1 < len(s):
			raw.WriteByte(c)
			raw.WriteByte(s[i+1])
			text.WriteByte(s[i+1])
			i++
		default:
			raw.WriteByte(c)
			text.WriteByte(c)
		}
	}
	emit()
	return out
}

// redirections removes a command's redirections (> f, >> f, 2>&1, < f)
// from its words and returns what a here-string (<<< WORD) feeds it.
// echo and printf keep theirs: a write to $GITHUB_ENV is read from them.
func redirections(args []string) ([]string, string) {
	if len(args) == 0 || args[0] == "echo" || args[0] == "printf" {
		return args, ""
	}
	out := args[:0:0]
	stdin := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		op := strings.TrimLeft(a, "0123456789&")
		switch {
		case op == "<<<":
			if i+1 < len(args) {
				stdin = args[i+1]
				i++
			}
		case op == ">" || op == ">>" || op == "<" || op == ">|":
			i++ // the target is the next word
		case strings.HasPrefix(op, ">") || strings.HasPrefix(op, "<") && !strings.HasPrefix(op, "<<"):
			// >file, >&2, 2>&1, <file: glued to its target
		default:
			out = append(out, a)
		}
	}
	return out, stdin
}
