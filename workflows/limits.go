package workflows

import (
	"bytes"
	"fmt"
)

// Limits bound what Read accepts, so that a hostile file is refused
// before it costs time or memory. A zero field means the default.
type Limits struct {
	// Bytes is the largest file read (default MaxFileBytes).
	Bytes int64
	// Depth is the deepest nesting of mappings, sequences and flow
	// collections (default MaxDepth).
	Depth int
}

// Defaults. The largest public workflows are a few hundred kilobytes;
// GitHub documents no size limit for a workflow file.
const (
	MaxFileBytes = 1 << 20
	MaxDepth     = 200
)

func (l Limits) bytes() int64 {
	if l.Bytes > 0 {
		return l.Bytes
	}
	return MaxFileBytes
}

func (l Limits) depth() int {
	if l.Depth > 0 {
		return l.Depth
	}
	return MaxDepth
}

// checkSize refuses data over the byte limit, naming the flag that
// raises it.
func (l Limits) checkSize(file string, size int64) error {
	if size > l.bytes() {
		return &Error{File: file, Line: 1, Msg: fmt.Sprintf("file is %d bytes, over the limit of %d bytes (raise it with --max-file-bytes)", size, l.bytes())}
	}
	return nil
}

// checkDepth estimates the nesting depth of YAML text in one pass, before
// the YAML library builds a tree: the stack of block indentations, the
// "- " entries that open a sequence on the same line, and the open flow
// brackets ([ and {) outside quotes and comments. Block scalars (| and >)
// are skipped. It errs on the side of counting more, never less, than the
// parser's depth for the forms it counts; the parser's tree is checked
// again while it is converted.
func (l Limits) checkDepth(file string, data []byte) error {
	max := l.depth()
	var indents []int
	flow := 0
	blockIndent := -1 // > -1: inside a block scalar whose parent is at this indent
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		indent := 0
		for indent < len(line) && line[indent] == ' ' {
			indent++
		}
		rest := line[indent:]
		if len(bytes.TrimSpace(rest)) == 0 || rest[0] == '#' {
			continue
		}
		if blockIndent >= 0 {
			if indent > blockIndent {
				continue
			}
			blockIndent = -1
		}
		if flow == 0 {
			for len(indents) > 0 && indents[len(indents)-1] >= indent {
				indents = indents[:len(indents)-1]
			}
			indents = append(indents, indent)
		}
		dashes := 0
		for len(rest) >= 2 && rest[0] == '-' && rest[1] == ' ' {
			dashes++
			rest = rest[2:]
			for len(rest) > 0 && rest[0] == ' ' {
				rest = rest[1:]
			}
		}
		quote := byte(0)
		for i := 0; i < len(rest); i++ {
			c := rest[i]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '\'' || c == '"':
				if i == 0 || rest[i-1] == ' ' || rest[i-1] == '[' || rest[i-1] == '{' || rest[i-1] == ',' || rest[i-1] == ':' {
					quote = c
				}
			case c == '#' && (i == 0 || rest[i-1] == ' '):
				i = len(rest)
			case c == '[' || c == '{':
				flow++
			case c == ']' || c == '}':
				if flow > 0 {
					flow--
				}
			}
			if d := len(indents) + dashes + flow; d > max {
				return &Error{File: file, Line: lineNo, Msg: fmt.Sprintf("nesting deeper than %d levels (raise the limit with --max-depth)", max)}
			}
		}
		if d := len(indents) + dashes + flow; d > max {
			return &Error{File: file, Line: lineNo, Msg: fmt.Sprintf("nesting deeper than %d levels (raise the limit with --max-depth)", max)}
		}
		t := bytes.TrimRight(rest, " \t\r")
		if k := bytes.LastIndexAny(t, "|>"); k >= 0 && flow == 0 && (k == 0 || t[k-1] == ' ') && len(bytes.Trim(t[k+1:], "+-0123456789")) == 0 {
			blockIndent = indent
		}
	}
	return nil
}
