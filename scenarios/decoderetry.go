package scenarios

import (
	"errors"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// decodeAll decodes body into doc and keeps going past type errors: each
// one is reported, the smallest entry holding it (a list item, or a key
// and its value) is dropped from the tree, and decoding starts again, so a
// `write: packages` early in a file no longer hides a bad value later
// (issue 19). A decoder panic, or an error whose place cannot be found,
// stops there. It returns the errors reported on the way; the last one is
// fatal when fatal is true.
func decodeAll(file string, body ast.Node, doc **fileDoc, opts ...yaml.DecodeOption) (errs []*FileError, fatal bool) {
	for {
		err := nodeToValue(file, body, *doc, opts...)
		if err == nil {
			return errs, false
		}
		fe, decoderPanicked := err.(*FileError)
		if !decoderPanicked {
			fe = yamlError(file, body, err).(*FileError)
		}
		errs = append(errs, fe)
		var typeErr *yaml.TypeError
		if decoderPanicked || fe.Line == 0 || fe.Field == "" || len(errs) >= maxErrors || !errors.As(err, &typeErr) {
			return errs, true
		}
		fe.Err = &droppedError{fe.Err}
		if _, removed := dropAt(body, fe.Line, fe.Column); !removed {
			return errs, true
		}
		*doc = &fileDoc{}
	}
}

// dropAt removes from n the smallest list item or mapping entry whose
// tokens include one at line:column. contains says n holds such a token;
// removed that something was removed below n.
func dropAt(n ast.Node, line, column int) (contains, removed bool) {
	n = unwrap(n)
	if n == nil {
		return false, false
	}
	at := func(nd ast.Node) bool {
		if nd == nil {
			return false
		}
		tok := nd.GetToken()
		return tok != nil && tok.Position != nil && tok.Position.Line == line && tok.Position.Column == column
	}
	switch v := n.(type) {
	case *ast.MappingNode:
		for i, mv := range v.Values {
			c, r := dropAt(mv, line, column)
			if r {
				return true, true
			}
			if c {
				v.Values = append(v.Values[:i], v.Values[i+1:]...)
				return true, true
			}
		}
		return at(v), false
	case *ast.MappingValueNode:
		c, r := dropAt(v.Value, line, column)
		if r {
			return true, true
		}
		return c || at(v) || at(v.Key), false
	case *ast.SequenceNode:
		for i, item := range v.Values {
			c, r := dropAt(item, line, column)
			if r {
				return true, true
			}
			if c {
				v.Values = append(v.Values[:i], v.Values[i+1:]...)
				return true, true
			}
		}
		return at(v), false
	}
	return at(n), false
}

// droppedError marks a type error whose entry decodeAll dropped: the
// builder then reports nothing else about that field (its "required" is
// the type error's consequence, not a second problem).
type droppedError struct{ err error }

func (e *droppedError) Error() string { return e.err.Error() }
func (e *droppedError) Unwrap() error { return e.err }

// withoutEchoes removes the problems reported at or below a dropped field.
func withoutEchoes(fes []*FileError) []*FileError {
	var dropped []string
	for _, fe := range fes {
		var d *droppedError
		if errors.As(fe.Err, &d) {
			dropped = append(dropped, fe.Field)
		}
	}
	if dropped == nil {
		return fes
	}
	out := fes[:0:0]
	for _, fe := range fes {
		var d *droppedError
		echo := false
		for _, f := range dropped {
			if !errors.As(fe.Err, &d) && (fe.Field == f || strings.HasPrefix(fe.Field, f+".") || strings.HasPrefix(fe.Field, f+"[")) {
				echo = true
			}
		}
		if !echo {
			out = append(out, fe)
		}
	}
	return out
}
