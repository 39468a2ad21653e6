package scenarios

import (
	"slices"
	"strconv"
	"testing"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/google/go-cmp/cmp"
)

// unknownFieldsByPath is unknownFields as it was before fieldChecker
// memoized fieldsAt by the path's shape: fieldsAt of the full path at every
// key. FuzzUnknownFieldsShape compares the two.
func unknownFieldsByPath(file string, n ast.Node, path string) []*FileError {
	var out []*FileError
	n = unwrap(n)
	switch n := n.(type) {
	case *ast.MappingNode:
		for _, mv := range n.Values {
			out = append(out, unknownFieldsByPath(file, mv, path)...)
		}
	case *ast.MappingValueNode:
		if n.Key == nil {
			return nil
		}
		key := keyString(n.Key)
		field := joinField(path, key)
		if allowed := fieldsAt(path); allowed != nil && !slices.Contains(allowed, key) {
			fe := &FileError{File: file, Field: field, Err: unknownField(field)}
			if tok := n.Key.GetToken(); tok != nil && tok.Position != nil {
				fe.Line, fe.Column = tok.Position.Line, tok.Position.Column
			}
			return append(out, fe)
		}
		out = append(out, unknownFieldsByPath(file, n.Value, field)...)
	case *ast.SequenceNode:
		for i, v := range n.Values {
			out = append(out, unknownFieldsByPath(file, v, path+"["+strconv.Itoa(i)+"]")...)
		}
	}
	return out
}

// FuzzUnknownFieldsShape: unknownFields reports exactly what walking every
// full path through fieldsAt reports (same fields, places and messages),
// map keys holding "[", "]" or "." included.
func FuzzUnknownFieldsShape(f *testing.F) {
	for _, name := range Names() {
		data, err := builtinFS.ReadFile("builtin/" + name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		"owners:\n  - login: a\n    tpye: user\n    teams: {\"x[1]\": {y: 1}, \"a.b\": [1], \"c]\": {login: 2}}\n",
		"packages:\n  - name: a/b\n    users: [{login: x, rol: read}]\n  - name: a/c\n    usres: []\n",
		"owners: &o\n  - login: a\n    nope: 1\nrepositories: *o\n",
		"expect: [{name: x, credential: y, actoin: push}]\nfaults: [[{a: 1}]]\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
		if err != nil {
			return
		}
		for _, d := range file.Docs {
			if d == nil || d.Body == nil {
				continue
			}
			got, want := unknownFields("f.yaml", d.Body, ""), unknownFieldsByPath("f.yaml", d.Body, "")
			if diff := cmp.Diff(errorLines(want), errorLines(got)); diff != "" {
				t.Fatalf("unknownFields(%q) (-by path +by shape):\n%s", data, diff)
			}
		}
	})
}

func errorLines(fes []*FileError) []string {
	var out []string
	for _, fe := range fes {
		out = append(out, fe.Error()+" field="+fe.Field)
	}
	return out
}
