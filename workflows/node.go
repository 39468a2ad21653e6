package workflows

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
// YAML library's.
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
