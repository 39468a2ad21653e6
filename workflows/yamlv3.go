package workflows

import (
	"fmt"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// maxAliases bounds the alias references followed in one file: an alias
// is shared, never copied, but a reader walking many references to a big
// anchor still does work for each.
const maxAliases = 1000

// converter turns a go.yaml.in/yaml/v3 node tree into a Node tree.
type converter struct {
	maxDepth int
	aliases  int
	// done maps an anchored node to its conversion, so an alias shares it.
	done map[*yaml.Node]*Node
}

// parseYAML reads the first document of data.
func parseYAML(file string, data []byte, maxDepth int) (*Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(file, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 || doc.Content[0].Kind == yaml.ScalarNode && doc.Content[0].Tag == "!!null" {
		return nil, &Error{File: file, Line: 1, Msg: "empty file: a workflow needs \"on\" and \"jobs\""}
	}
	c := &converter{maxDepth: maxDepth, done: map[*yaml.Node]*Node{}}
	return c.convert(file, doc.Content[0], 0)
}

func (c *converter) convert(file string, n *yaml.Node, depth int) (*Node, error) {
	if depth > c.maxDepth {
		return nil, &Error{File: file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf("nesting deeper than %d levels (raise the limit with --max-depth)", c.maxDepth)}
	}
	if n.Kind == yaml.AliasNode {
		c.aliases++
		if c.aliases > maxAliases {
			return nil, &Error{File: file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf("more than %d alias references", maxAliases)}
		}
		if n.Alias == nil {
			return nil, &Error{File: file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf("alias *%s names no anchor defined before it", n.Value)}
		}
		if done, ok := c.done[n.Alias]; ok {
			return done, nil
		}
		return c.convert(file, n.Alias, depth+1)
	}
	out := &Node{Line: n.Line, Col: n.Column}
	if n.Anchor != "" {
		c.done[n] = out
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			out.Kind = Null
			return out, nil
		}
		out.Kind, out.Value = Scalar, scalarText(n)
		out.Block = n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0
	case yaml.SequenceNode:
		out.Kind = Seq
		for _, item := range n.Content {
			v, err := c.convert(file, item, depth+1)
			if err != nil {
				return nil, err
			}
			out.Values = append(out.Values, v)
		}
	case yaml.MappingNode:
		out.Kind = Map
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn, vn := n.Content[i], n.Content[i+1]
			if kn.Tag == "!!merge" {
				if err := c.merge(file, out, vn, depth); err != nil {
					return nil, err
				}
				continue
			}
			k, err := c.convert(file, kn, depth+1)
			if err != nil {
				return nil, err
			}
			if k.Kind != Scalar {
				return nil, &Error{File: file, Line: kn.Line, Col: kn.Column, Msg: "a mapping key must be a plain value"}
			}
			v, err := c.convert(file, vn, depth+1)
			if err != nil {
				return nil, err
			}
			out.Keys = append(out.Keys, k)
			out.Values = append(out.Values, v)
		}
	default:
		return nil, &Error{File: file, Line: n.Line, Col: n.Column, Msg: "unsupported YAML node"}
	}
	return out, nil
}

// merge adds the pairs of a merge key's value (a mapping, an alias of
// one, or a list of them) to out.
func (c *converter) merge(file string, out *Node, vn *yaml.Node, depth int) error {
	sources := []*yaml.Node{vn}
	if vn.Kind == yaml.SequenceNode {
		sources = vn.Content
	}
	for _, s := range sources {
		v, err := c.convert(file, s, depth+1)
		if err != nil {
			return err
		}
		if v.Kind == Map {
			out.Keys = append(out.Keys, v.Keys...)
			out.Values = append(out.Values, v.Values...)
		}
	}
	return nil
}

// scalarText is a scalar's value as GitHub reads it: strings as written,
// numbers as their JSON value (a matrix entry 1.20 is "1.2").
func scalarText(n *yaml.Node) string {
	switch n.Tag {
	case "!!float":
		if f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
	case "!!int":
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return strconv.FormatInt(i, 10)
		}
	case "!!bool":
		return strings.ToLower(n.Value)
	}
	return n.Value
}

// yamlError turns the YAML library's error ("yaml: line N: message") into
// an *Error.
func yamlError(file string, err error) error {
	e := &Error{File: file, Msg: "invalid YAML"}
	msg := err.Error()
	rest, _ := strings.CutPrefix(msg, "yaml: ")
	var line int
	if _, scanErr := fmt.Sscanf(rest, "line %d:", &line); scanErr == nil {
		e.Line = line
		if i := strings.Index(rest, ": "); i >= 0 {
			rest = rest[i+2:]
		}
	} else {
		e.Line = 1
	}
	e.Msg = "invalid YAML: " + strings.TrimSpace(rest)
	return e
}
