package scenarios

import (
	"errors"
	"fmt"

	"github.com/goccy/go-yaml/ast"
)

// emptyTagError finds a YAML tag with no value ("owners: !x"), on which
// go-yaml's decoder dereferences nil and panics when the field is a list;
// it is reported at the tag instead. A scenario file never needs tags.
func emptyTagError(file string, body ast.Node) error {
	var found *ast.TagNode
	ast.Walk(visitorFunc(func(n ast.Node) bool {
		if t, ok := n.(*ast.TagNode); ok && found == nil {
			if _, null := t.Value.(*ast.NullNode); null || t.Value == nil {
				found = t
			}
		}
		return found == nil
	}), body)
	if found == nil {
		return nil
	}
	fe := &FileError{File: file, Err: fmt.Errorf("YAML tag %s has no value", tagName(found))}
	if tok := found.Start; tok != nil && tok.Position != nil {
		fe.Line, fe.Column = tok.Position.Line, tok.Position.Column
		fe.Field = fieldAt(body, tok.Position)
	}
	return fe
}

func tagName(t *ast.TagNode) string {
	if t.Start != nil {
		return t.Start.Value
	}
	return "!"
}

// visitorFunc is an ast.Visitor that keeps walking while f returns true.
type visitorFunc func(ast.Node) bool

func (f visitorFunc) Visit(n ast.Node) ast.Visitor {
	if n == nil || !f(n) {
		return nil
	}
	return f
}

// decodePanic turns a panic inside go-yaml's decoder into an error naming
// the file, so that bad input never crashes the caller.
func decodePanic(file string, p any) error {
	return &FileError{File: file, Line: 1, Column: 1, Err: errors.New("the YAML decoder failed on this file: " + fmt.Sprint(p))}
}
