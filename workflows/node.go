package workflows

import (
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Kind is a YAML node's kind.
type Kind int

// Node kinds.
const (
	Null Kind = iota
	Scalar
	Map
	Seq
)

// Node is a YAML node with its position: a small tree independent of the
// YAML library's AST.
type Node struct {
	Kind      Kind
	Line, Col int
	// Value of a scalar; Block marks a block scalar (| or >), whose text
	// starts on the line after Line.
	Value string
	Block bool
	// Keys of a map (scalars) and the values beside them; items of a
	// sequence in Values.
	Keys   []*Node
	Values []*Node
}

// Get returns the value of key in a map, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Map {
		return nil
	}
	for i, k := range n.Keys {
		if k.Value == key {
			return n.Values[i]
		}
	}
	return nil
}

// Str returns a scalar's value, or "".
func (n *Node) Str() string {
	if n == nil || n.Kind != Scalar {
		return ""
	}
	return n.Value
}

// convert turns a goccy AST node into a Node, resolving aliases to their
// anchors.
func convert(n ast.Node, anchors map[string]*Node, depth, maxDepth int) (*Node, error) {
	if n == nil {
		return &Node{Kind: Null}, nil
	}
	if depth > maxDepth {
		return nil, errorAt(n, "nesting deeper than %d levels (raise the limit with --max-depth)", maxDepth)
	}
	line, col := pos(n)
	switch v := n.(type) {
	case *ast.DocumentNode:
		return convert(v.Body, anchors, depth+1, maxDepth)
	case *ast.NullNode:
		return &Node{Kind: Null, Line: line, Col: col}, nil
	case *ast.MappingNode:
		out := &Node{Kind: Map, Line: line, Col: col}
		for _, mv := range v.Values {
			if err := addPair(out, mv, anchors, depth, maxDepth); err != nil {
				return nil, err
			}
		}
		if len(out.Keys) > 0 {
			out.Line, out.Col = out.Keys[0].Line, out.Keys[0].Col
		}
		return out, nil
	case *ast.MappingValueNode:
		out := &Node{Kind: Map, Line: line, Col: col}
		if err := addPair(out, v, anchors, depth, maxDepth); err != nil {
			return nil, err
		}
		out.Line, out.Col = out.Keys[0].Line, out.Keys[0].Col
		return out, nil
	case *ast.SequenceNode:
		out := &Node{Kind: Seq, Line: line, Col: col}
		for _, item := range v.Values {
			c, err := convert(item, anchors, depth+1, maxDepth)
			if err != nil {
				return nil, err
			}
			out.Values = append(out.Values, c)
		}
		return out, nil
	case *ast.AnchorNode:
		c, err := convert(v.Value, anchors, depth+1, maxDepth)
		if err != nil {
			return nil, err
		}
		if v.Name != nil {
			anchors[v.Name.String()] = c
		}
		return c, nil
	case *ast.AliasNode:
		name := ""
		if v.Value != nil {
			name = v.Value.String()
		}
		if c, ok := anchors[name]; ok {
			return c, nil
		}
		return nil, errorAt(n, "alias *%s names no anchor defined before it", name)
	case *ast.TagNode:
		return convert(v.Value, anchors, depth+1, maxDepth)
	case *ast.LiteralNode:
		s := ""
		if v.Value != nil {
			s = v.Value.Value
		}
		return &Node{Kind: Scalar, Line: line, Col: col, Value: s, Block: true}, nil
	case *ast.StringNode:
		return &Node{Kind: Scalar, Line: line, Col: col, Value: v.Value}, nil
	case *ast.CommentNode, *ast.CommentGroupNode:
		return &Node{Kind: Null, Line: line, Col: col}, nil
	case ast.ScalarNode:
		return &Node{Kind: Scalar, Line: line, Col: col, Value: fmt.Sprint(v.GetValue())}, nil
	}
	return nil, errorAt(n, "unsupported YAML node %s", n.Type())
}

func addPair(out *Node, mv *ast.MappingValueNode, anchors map[string]*Node, depth, maxDepth int) error {
	if mv.Key == nil {
		return errorAt(mv, "mapping entry without a key")
	}
	if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
		v, err := convert(mv.Value, anchors, depth+1, maxDepth)
		if err != nil {
			return err
		}
		if v.Kind == Map {
			out.Keys = append(out.Keys, v.Keys...)
			out.Values = append(out.Values, v.Values...)
		}
		return nil
	}
	k, err := convert(mv.Key, anchors, depth+1, maxDepth)
	if err != nil {
		return err
	}
	if k.Kind != Scalar {
		return errorAt(mv.Key, "a mapping key must be a plain value")
	}
	v, err := convert(mv.Value, anchors, depth+1, maxDepth)
	if err != nil {
		return err
	}
	if v.Kind == Null && v.Line == 0 {
		v.Line, v.Col = k.Line, k.Col
	}
	out.Keys = append(out.Keys, k)
	out.Values = append(out.Values, v)
	return nil
}

func pos(n ast.Node) (int, int) {
	if n == nil {
		return 0, 0
	}
	t := n.GetToken()
	if t == nil || t.Position == nil {
		return 0, 0
	}
	return t.Position.Line, t.Position.Column
}

// nodeError is an error at a goccy node, turned into an *Error by Read.
type nodeError struct {
	line, col int
	msg       string
}

func (e *nodeError) Error() string { return e.msg }

func errorAt(n ast.Node, format string, args ...any) error {
	l, c := pos(n)
	return &nodeError{line: l, col: c, msg: strings.TrimSpace(fmt.Sprintf(format, args...))}
}
