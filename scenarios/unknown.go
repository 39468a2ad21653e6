package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// Fields a world may mark `unknown`: what GitHub's REST API does not tell
// an importer (a package's Manage Actions access and inheritance switch,
// its per-user and per-team roles, an organization's settings and people),
// and what a token may be refused (a repository's default workflow
// permissions, its collaborators and, when the repository cannot be read,
// whether a private-looking one is private or internal).
var unknowable = map[string][]string{
	"owners": {"members", "owners", "teams", "package_creation", "forbid_classic_pat",
		"forbid_workflow_write", "inherit_access_default"},
	"repositories": {"visibility", "workflow_permission", "collaborators"},
	"packages":     {"inherit_access", "actions_access", "users", "teams"},
}

// UnknownValue is the value that marks a field unknown.
const UnknownValue = "unknown"

// Unknown is one field a world file marks `unknown`. The world holds the
// field's zero value in its place; check predicts each plausible value,
// serve and verify refuse the world until it is filled in.
type Unknown struct {
	// Section is owners, repositories or packages; Name the entry's login
	// or name (lower case, as the world keys it); Key the field.
	Section, Name, Key string
	// Line and Column locate the mark in the file (zero for a world built
	// in code).
	Line, Column int
}

// Field is the unknown's path in the world, e.g.
// "packages[acme/api].actions_access".
func (u Unknown) Field() string { return u.Section + "[" + u.Name + "]." + u.Key }

// ErrUnknownFields is wrapped by RequireKnown's error.
var ErrUnknownFields = errors.New("the world marks fields unknown")

// Unknown reports whether section[name].key is marked unknown.
func (s *Scenario) Unknown(section, name, key string) bool {
	for _, u := range s.Unknowns {
		if u.Section == section && strings.EqualFold(u.Name, name) && u.Key == key {
			return true
		}
	}
	return false
}

// RequireKnown returns nil for a world with no unknown fields, else an
// error wrapping ErrUnknownFields that names each field to fill in and
// where it is written: serve and verify cannot answer as GHCR would from a
// guess.
func (s *Scenario) RequireKnown(file string) error {
	if len(s.Unknowns) == 0 {
		return nil
	}
	var lines []string
	for _, u := range s.Unknowns {
		at := ""
		if u.Line > 0 {
			at = fmt.Sprintf(" (%s:%d:%d)", file, u.Line, u.Column)
		}
		lines = append(lines, "  "+u.Field()+at)
	}
	return fmt.Errorf("%w: fill in these %d fields from github.com's settings pages before serving it, or run `fakeghcr check`, which predicts each plausible value:\n%s",
		ErrUnknownFields, len(lines), strings.Join(lines, "\n"))
}

// unknownMark is an `unknown` found in the file before decoding, at its
// file path ("packages[3].actions_access").
type unknownMark struct {
	section string
	index   int
	key     string
	line    int
	column  int
}

// takeUnknowns finds every unknowable field whose value is the plain
// scalar `unknown`, removes it from the tree (so the decoder sees the
// field absent) and returns where it was.
func takeUnknowns(body ast.Node) []unknownMark {
	root, ok := unwrap(body).(*ast.MappingNode)
	if !ok {
		return nil
	}
	var marks []unknownMark
	for _, mv := range root.Values {
		if mv == nil || mv.Key == nil {
			continue
		}
		section := keyString(mv.Key)
		keys := unknowable[section]
		seq, ok := unwrap(mv.Value).(*ast.SequenceNode)
		if keys == nil || !ok {
			continue
		}
		for i, item := range seq.Values {
			m, ok := unwrap(item).(*ast.MappingNode)
			if !ok {
				continue
			}
			m.Values = slices.DeleteFunc(m.Values, func(f *ast.MappingValueNode) bool {
				if f == nil || f.Key == nil || !slices.Contains(keys, keyString(f.Key)) {
					return false
				}
				s, ok := f.Value.(*ast.StringNode)
				// A quoted "unknown" is a string value, not the mark.
				if !ok || s.Value != UnknownValue || s.Token == nil || s.Token.Type != token.StringType {
					return false
				}
				mark := unknownMark{section: section, index: i, key: keyString(f.Key)}
				if tok := f.Key.GetToken(); tok != nil && tok.Position != nil {
					mark.line, mark.column = tok.Position.Line, tok.Position.Column
				}
				marks = append(marks, mark)
				return true
			})
		}
	}
	return marks
}

// unknowns turns the file's marks into world paths, once the builder knows
// each entry's name.
func (b *builder) unknowns(marks []unknownMark) {
	byFile := map[string]string{}
	for world, file := range b.index {
		byFile[file] = world
	}
	for _, m := range marks {
		file := m.section + "[" + strconv.Itoa(m.index) + "]"
		world, ok := byFile[file]
		if !ok {
			continue // the entry itself is invalid and reported
		}
		name := strings.TrimSuffix(strings.TrimPrefix(world, m.section+"["), "]")
		if m.section == "owners" {
			if o := b.s.World.Owners[name]; o.Type != "organization" {
				b.errorf(file+"."+m.key, "only for an owner of type organization")
				continue
			}
		}
		b.s.Unknowns = append(b.s.Unknowns, Unknown{Section: m.section, Name: name, Key: m.key, Line: m.line, Column: m.column})
	}
}
