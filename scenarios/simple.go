package scenarios

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/token"
	yaml "go.yaml.in/yaml/v3"
)

// parseSimple is Parse's fast path for a plain, valid scenario file, such
// as every built-in one: go.yaml.in/yaml/v3 reads it about four times
// faster than go-yaml's AST and decoder, which serve's start-up pays
// before its first answer (issue 19). It accepts only what both decoders
// read the same way, and a file that builds without a problem or a
// warning; anything else (an error, an unknown key, an alias, a tag, a
// null, an empty list, an escape, a scalar that could be read as another
// type, `unknown`) returns ok false, and Parse decodes the file with
// go-yaml, so every error and its position stay as they were.
// FuzzParseSimple checks that whatever it accepts Parse's full path
// builds equal.
func parseSimple(filename string, data []byte) (s *Scenario, ok bool) {
	if !utf8.Valid(data) {
		return nil, false
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		return nil, false
	}
	var second yaml.Node
	if err := dec.Decode(&second); !errors.Is(err, io.EOF) {
		return nil, false // a second document, or a syntax error after the first
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 {
		return nil, false
	}
	r := simpleReader{lines: strings.Split(string(data), "\n"), fields: map[reflect.Type]map[string][]int{}}
	doc := &fileDoc{}
	if !r.decode(root.Content[0], reflect.ValueOf(doc).Elem()) {
		return nil, false
	}
	s, err := build(filename, doc, &positions{byPath: map[string]*token.Position{}}, nil, nil)
	if err != nil || len(s.Warnings) > 0 {
		return nil, false
	}
	return s, true
}

// simpleReader decodes a yaml.v3 node tree into the file types, refusing
// (false) whatever it is not sure go-yaml reads the same way.
type simpleReader struct {
	lines  []string                          // the file, to see how a scalar is written
	fields map[reflect.Type]map[string][]int // a struct's fields by YAML key
}

func (r simpleReader) decode(n *yaml.Node, v reflect.Value) bool {
	if n.Anchor != "" || n.Kind == yaml.AliasNode || n.Style&yaml.TaggedStyle != 0 {
		return false
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		if !r.decode(n, elem.Elem()) {
			return false
		}
		v.Set(elem)
		return true
	case reflect.Struct:
		return r.decodeStruct(n, v)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
			return false
		}
		out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			if !r.decode(item, out.Index(i)) {
				return false
			}
		}
		v.Set(out)
		return true
	case reflect.Map:
		if n.Kind != yaml.MappingNode || len(n.Content) == 0 || v.Type().Key().Kind() != reflect.String {
			return false
		}
		out := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, ok := r.str(n.Content[i])
			if !ok || out.MapIndex(reflect.ValueOf(key)).IsValid() {
				return false
			}
			elem := reflect.New(v.Type().Elem()).Elem()
			if !r.decode(n.Content[i+1], elem) {
				return false
			}
			out.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), elem)
		}
		v.Set(out)
		return true
	case reflect.String:
		s, ok := r.str(n)
		if ok {
			v.SetString(s)
		}
		return ok
	case reflect.Bool:
		raw, ok := r.plain(n)
		if !ok || (raw != "true" && raw != "false") {
			return false
		}
		v.SetBool(raw == "true")
		return true
	case reflect.Int, reflect.Int64:
		raw, ok := r.plain(n)
		if !ok || !decimal(raw) {
			return false
		}
		i, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || v.OverflowInt(i) {
			return false
		}
		v.SetInt(i)
		return true
	case reflect.Float64:
		raw, ok := r.plain(n)
		whole, frac, _ := strings.Cut(raw, ".")
		if !ok || !decimal(whole) || (frac != "" && strings.Trim(frac, "0123456789") != "") || strings.HasSuffix(raw, ".") {
			return false
		}
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return false
		}
		v.SetFloat(f)
		return true
	}
	return false
}

func (r simpleReader) decodeStruct(n *yaml.Node, v reflect.Value) bool {
	if n.Kind != yaml.MappingNode {
		return false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, ok := r.str(n.Content[i])
		if !ok || seen[key] {
			return false
		}
		seen[key] = true
		index, found := r.fieldsOf(v.Type())[key]
		if !found {
			return false
		}
		if !r.decode(n.Content[i+1], v.FieldByIndex(index)) {
			return false
		}
	}
	return true
}

// fieldsOf indexes struct type t's fields by YAML key, once per Parse.
func (r simpleReader) fieldsOf(t reflect.Type) map[string][]int {
	byKey, ok := r.fields[t]
	if !ok {
		byKey = map[string][]int{}
		for i := range t.NumField() {
			f := t.Field(i)
			if _, dup := byKey[yamlKey(f)]; !dup {
				byKey[yamlKey(f)] = f.Index
			}
		}
		r.fields[t] = byKey
	}
	return byKey
}

// str is a string scalar written so that both decoders read the same
// characters: plain or quoted on one line exactly as its value (no escape,
// no folding), or a literal block (|, clipped) with no trailing spaces.
func (r simpleReader) str(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" || n.Anchor != "" || n.Style&yaml.TaggedStyle != 0 {
		return "", false
	}
	switch n.Style {
	case 0:
		raw, ok := r.plain(n)
		if !ok || !plainString(raw) {
			return "", false
		}
		return raw, true
	case yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
		q := "'"
		if n.Style == yaml.DoubleQuotedStyle {
			q = `"`
		}
		rest, ok := r.at(n)
		if !ok || !strings.HasPrefix(rest, q+n.Value+q) || strings.ContainsAny(n.Value, `'"\`) || n.Value == UnknownValue {
			return "", false
		}
		return n.Value, true
	case yaml.LiteralStyle:
		rest, ok := r.at(n)
		if !ok || strings.TrimRight(rest, " ") != "|" || !strings.HasSuffix(n.Value, "\n") ||
			strings.HasSuffix(n.Value, "\n\n") || strings.ContainsAny(n.Value, "\t\r") {
			return "", false
		}
		for _, line := range strings.Split(strings.TrimSuffix(n.Value, "\n"), "\n") {
			if strings.HasSuffix(line, " ") {
				return "", false
			}
		}
		return n.Value, true
	}
	return "", false
}

// plain is a plain scalar's text when the file holds exactly its value at
// its place, ended by the line's end, a comment, a key's colon, a comma or
// a closing bracket.
func (r simpleReader) plain(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Style != 0 || n.Value == "" {
		return "", false
	}
	rest, ok := r.at(n)
	if !ok || !strings.HasPrefix(rest, n.Value) {
		return "", false
	}
	after := strings.TrimLeft(rest[len(n.Value):], " ")
	if after != "" && !strings.HasPrefix(after, "#") && strings.IndexByte(":,]}", after[0]) < 0 {
		return "", false
	}
	return n.Value, true
}

// at is the rest of the line from where n is written.
func (r simpleReader) at(n *yaml.Node) (string, bool) {
	if n.Line < 1 || n.Line > len(r.lines) || n.Column < 1 {
		return "", false
	}
	line := r.lines[n.Line-1]
	if strings.ContainsAny(line, "\t\r") || n.Column-1 > len(line) || !isASCII(line) {
		return "", false
	}
	return line[n.Column-1:], true
}

// plainString is a plain scalar no YAML version reads as anything but
// this string: it starts with a letter, is not a YAML 1.1 boolean or null,
// and holds only characters with no meaning to either decoder.
func plainString(s string) bool {
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null", UnknownValue:
		return false
	}
	c := s[0]
	if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("_-./:@ ()',+", c) >= 0) {
			return false
		}
	}
	return !strings.Contains(s, ": ") && !strings.HasSuffix(s, ":") && !strings.Contains(s, " #")
}

// decimal is a non-negative whole number without leading zeros.
func decimal(s string) bool {
	if s == "" || len(s) > 18 || (len(s) > 1 && s[0] == '0') {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
