package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Parse decodes and validates a scenario file. filename is used only in
// error messages and as the default name (its base name without extension).
// An invalid file gives a *FileError, or several joined with errors.Join
// (in file order); find them with errors.As.
func Parse(filename string, data []byte) (*Scenario, error) {
	if s, ok := parseSimple(filename, data); ok {
		return s, nil
	}
	doc, pos, unknown, marks, err := decode(filename, data)
	if err != nil {
		return nil, err
	}
	return build(filename, doc, pos, unknown, marks)
}

// Load reads and parses the scenario file at path.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load scenario: %w", err)
	}
	return Parse(path, data)
}

// defaultName is a file's base name without its extension.
func defaultName(filename string) string {
	base := filepath.Base(filename)
	if base == "." || base == string(filepath.Separator) {
		return ""
	}
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// decode parses YAML into a fileDoc and indexes the positions of its
// fields. Unknown fields are returned as problems, not an error, so that
// the rest of the file is still validated.
func decode(file string, data []byte) (*fileDoc, *positions, []*FileError, []unknownMark, error) {
	if !utf8.Valid(data) {
		line, col := invalidUTF8At(data)
		return nil, nil, nil, nil, &FileError{File: file, Line: line, Column: col, Err: errors.New("file is not valid UTF-8")}
	}
	// Duplicate keys are left to the decoder, which reports them with the
	// AST at hand, so the error can name the field.
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return nil, nil, nil, nil, yamlError(file, nil, err)
	}
	var body ast.Node
	for _, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if body != nil {
			fe := &FileError{File: file, Err: errors.New("a scenario file holds one YAML document; found a second")}
			if tok := d.Body.GetToken(); tok != nil && tok.Position != nil {
				fe.Line, fe.Column = tok.Position.Line, tok.Position.Column
			}
			return nil, nil, nil, nil, fe
		}
		body = d.Body
	}
	doc := &fileDoc{}
	var unknown []*FileError
	var marks []unknownMark
	if body != nil {
		if err := emptyTagError(file, body); err != nil {
			return nil, nil, nil, nil, err
		}
		if _, null := body.(*ast.NullNode); !null {
			marks = takeUnknowns(body)
			unknown = unknownFields(file, body, "")
			// With unknown fields reported, decode the rest leniently; with
			// none found, strictly, which also catches a mapping an alias
			// reuses where its keys do not belong.
			var opts []yaml.DecodeOption
			if len(unknown) == 0 {
				opts = append(opts, yaml.Strict())
			}
			typeErrs, fatal := decodeAll(file, body, &doc, opts...)
			unknown = append(unknown, typeErrs...)
			if fatal {
				return nil, nil, nil, nil, joinFileErrors(unknown)
			}
		}
	}
	pos := &positions{byPath: map[string]*token.Position{}}
	pos.index(body, "")
	return doc, pos, unknown, marks, nil
}

// unknownFields finds every key of a mapping that is not a field of the
// file format at that path (keys of free-form maps, such as teams, are
// never unknown).
func unknownFields(file string, n ast.Node, path string) []*FileError {
	return fieldChecker{file: file, lists: map[string][]string{}}.unknown(n, path, path)
}

// fieldChecker is unknownFields' walk. lists memoizes fieldsAt by the
// path's shape: the path with every list index left out ("packages[].users"),
// which fieldsAt reads the same way (it only looks at a segment's "["), so
// each mapping of a list is not walked through reflection again (a tenth of
// a scenario's decoding; serve's start-up, issue 19).
type fieldChecker struct {
	file  string
	lists map[string][]string
}

func (c fieldChecker) fieldsAt(shape string) []string {
	allowed, ok := c.lists[shape]
	if !ok {
		allowed = fieldsAt(shape)
		c.lists[shape] = allowed
	}
	return allowed
}

func (c fieldChecker) unknown(n ast.Node, path, shape string) []*FileError {
	var out []*FileError
	n = unwrap(n)
	switch n := n.(type) {
	case *ast.MappingNode:
		for _, mv := range n.Values {
			out = append(out, c.unknown(mv, path, shape)...)
		}
	case *ast.MappingValueNode:
		if n.Key == nil {
			return nil
		}
		key := keyString(n.Key)
		field := joinField(path, key)
		if allowed := c.fieldsAt(shape); allowed != nil && !slices.Contains(allowed, key) {
			fe := &FileError{File: c.file, Field: field, Err: unknownField(field)}
			if tok := n.Key.GetToken(); tok != nil && tok.Position != nil {
				fe.Line, fe.Column = tok.Position.Line, tok.Position.Column
			}
			return append(out, fe)
		}
		out = append(out, c.unknown(n.Value, field, joinField(shape, key))...)
	case *ast.SequenceNode:
		for i, v := range n.Values {
			out = append(out, c.unknown(v, path+"["+strconv.Itoa(i)+"]", shape+"[]")...)
		}
	}
	return out
}

// nodeToValue decodes body into doc, recovering from a panic in the
// decoder: that is reported as a *FileError, any other failure as go-yaml's
// error.
func nodeToValue(file string, body ast.Node, doc *fileDoc, opts ...yaml.DecodeOption) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = decodePanic(file, p)
		}
	}()
	return yaml.NodeToValue(body, doc, opts...)
}

// yamlError turns a go-yaml error into a *FileError with the field's path.
func yamlError(file string, body ast.Node, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return &FileError{File: file, Err: err}
	}
	fe := &FileError{File: file}
	tok := ye.GetToken()
	if tok != nil && tok.Position != nil {
		fe.Line, fe.Column = tok.Position.Line, tok.Position.Column
		fe.Field = fieldAt(body, tok.Position)
	}
	var (
		unknown  *yaml.UnknownFieldError
		typeErr  *yaml.TypeError
		overflow *yaml.OverflowError
		nodeType *yaml.UnexpectedNodeTypeError
	)
	switch {
	case errors.As(err, &unknown):
		fe.Err = unknownField(fe.Field)
	case errors.As(err, &typeErr):
		fe.Err = fmt.Errorf("want %s", kindName(typeErr.DstType))
		if hint := colonHint(tok, typeErr.DstType); hint != "" {
			fe.Err = errors.New(hint)
		}
	case errors.As(err, &nodeType):
		fe.Err = fmt.Errorf("want %s", nodeTypeName(nodeType.Expected))
	case errors.As(err, &overflow):
		fe.Err = fmt.Errorf("number %s out of range", overflow.SrcNum)
	default:
		fe.Err = errors.New(ye.GetMessage())
	}
	return fe
}

// colonHint explains a "key: value" written where a string belongs, as in
// scopes: [write: packages]: YAML reads a colon followed by a space as a
// mapping. (write:packages, without the space, is a string.)
func colonHint(tok *token.Token, dst reflect.Type) string {
	if dst == nil || dst.Kind() != reflect.String || tok == nil || tok.Type != token.MappingValueType ||
		tok.Prev == nil || tok.Next == nil {
		return ""
	}
	k, v := tok.Prev.Value, tok.Next.Value
	return fmt.Sprintf("want a string, not the mapping %q (YAML reads a colon and a space as a key and its value): write %s:%s, or quote it: %q",
		k+": "+v, k, v, k+":"+v)
}

// unknownField explains an unknown key, naming the fields allowed there.
func unknownField(field string) error {
	parent, key := splitField(field)
	allowed := fieldsAt(parent)
	if len(allowed) == 0 {
		return fmt.Errorf("unknown field %q", key)
	}
	if slices.Contains(allowed, key) {
		// The mapping is allowed where it is written, so an alias (*name)
		// reuses it somewhere it is not.
		return fmt.Errorf("unknown field %q where an alias reuses this mapping", key)
	}
	if near := nearest(key, allowed); len(near) > 0 {
		return fmt.Errorf("unknown field %q (did you mean %q?)", key, near[0])
	}
	return fmt.Errorf("unknown field %q (want one of %s)", key, strings.Join(allowed, ", "))
}

// splitField splits "a[1].b" into "a[1]" and "b".
func splitField(field string) (parent, key string) {
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		return field[:i], field[i+1:]
	}
	return "", field
}

// fieldsAt lists the YAML keys of the struct a field path leads to in the
// file format, or nil if it leads to no struct.
func fieldsAt(path string) []string {
	t := reflect.TypeFor[fileDoc]()
	for path != "" {
		var seg string
		if strings.HasPrefix(path, "[") {
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return nil
			}
			seg, path = path[:end+1], path[end+1:]
		} else {
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			seg, path = path[:end], path[end:]
		}
		path = strings.TrimPrefix(path, ".")
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch {
		case strings.HasPrefix(seg, "["):
			if t.Kind() != reflect.Slice {
				return nil
			}
			t = t.Elem()
		case t.Kind() == reflect.Map:
			t = t.Elem()
		case t.Kind() == reflect.Struct:
			f, ok := structField(t, seg)
			if !ok {
				return nil
			}
			t = f.Type
		default:
			return nil
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		names = append(names, yamlKey(f))
	}
	return names
}

func structField(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if yamlKey(f) == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func yamlKey(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

func kindName(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return t.String()
}

func nodeTypeName(t ast.NodeType) string {
	switch t {
	case ast.MappingType:
		return "a mapping"
	case ast.SequenceType:
		return "a list"
	case ast.StringType:
		return "a string"
	}
	return t.YAMLName()
}

func invalidUTF8At(data []byte) (line, col int) {
	line, col = 1, 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			return line, col
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		data = data[size:]
	}
	return line, col
}

// positions maps field paths ("packages[1].actions_access[0].role") to
// where they are written.
type positions struct {
	byPath map[string]*token.Position
}

func (p *positions) index(n ast.Node, path string) {
	n = unwrap(n)
	if n == nil {
		return
	}
	if tok := n.GetToken(); tok != nil && tok.Position != nil {
		if _, seen := p.byPath[path]; !seen {
			p.byPath[path] = tok.Position
		}
	}
	switch n := n.(type) {
	case *ast.MappingNode:
		for _, mv := range n.Values {
			p.indexValue(mv, path)
		}
	case *ast.MappingValueNode:
		p.indexValue(n, path)
	case *ast.SequenceNode:
		for i, v := range n.Values {
			p.index(v, path+"["+strconv.Itoa(i)+"]")
		}
	}
}

func (p *positions) indexValue(mv *ast.MappingValueNode, path string) {
	if mv == nil || mv.Key == nil {
		return
	}
	child := joinField(path, keyString(mv.Key))
	if v := unwrap(mv.Value); v != nil {
		if _, isNull := v.(*ast.NullNode); !isNull {
			p.index(v, child)
		}
	}
	if _, seen := p.byPath[child]; !seen {
		if tok := mv.Key.GetToken(); tok != nil && tok.Position != nil {
			p.byPath[child] = tok.Position
		}
	}
}

// of returns where field is written, or where its closest written parent
// is (a missing field is reported at the mapping that lacks it).
func (p *positions) of(field string) (line, col int) {
	for {
		if pos, ok := p.byPath[field]; ok {
			return pos.Line, pos.Column
		}
		if field == "" {
			return 1, 1
		}
		if i := strings.LastIndexAny(field, ".["); i >= 0 {
			field = field[:i]
		} else {
			field = ""
		}
	}
}

// fieldAt finds the path of the key or value written at pos, preferring the
// deepest match.
func fieldAt(root ast.Node, pos *token.Position) string {
	best, bestDepth := "", -1
	var walk func(n ast.Node, path string, depth int)
	match := func(tok *token.Token, path string, depth int) {
		if tok != nil && tok.Position != nil && tok.Position.Line == pos.Line &&
			tok.Position.Column == pos.Column && depth > bestDepth {
			best, bestDepth = path, depth
		}
	}
	walk = func(n ast.Node, path string, depth int) {
		n = unwrap(n)
		if n == nil {
			return
		}
		match(n.GetToken(), path, depth)
		switch n := n.(type) {
		case *ast.MappingNode:
			for _, mv := range n.Values {
				walk(mv, path, depth)
			}
		case *ast.MappingValueNode:
			if n.Key == nil {
				return
			}
			child := joinField(path, keyString(n.Key))
			match(n.Key.GetToken(), child, depth+1)
			walk(n.Value, child, depth+1)
		case *ast.SequenceNode:
			for i, v := range n.Values {
				walk(v, path+"["+strconv.Itoa(i)+"]", depth+1)
			}
		}
	}
	walk(root, "", 0)
	return best
}

func unwrap(n ast.Node) ast.Node {
	for i := 0; i < 100; i++ {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
	return n
}

func keyString(k ast.MapKeyNode) string {
	switch k := k.(type) {
	case *ast.StringNode:
		return k.Value
	case *ast.MappingKeyNode:
		if s, ok := unwrap(k.Value).(*ast.StringNode); ok {
			return s.Value
		}
	}
	if tok := k.GetToken(); tok != nil {
		return tok.Value
	}
	return ""
}

func joinField(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
