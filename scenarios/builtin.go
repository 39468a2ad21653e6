package scenarios

import (
	"cmp"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/internal/levenshtein"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// ErrUnknownBuiltin is wrapped by Builtin's error for a name that is not a
// built-in scenario.
var ErrUnknownBuiltin = errors.New("unknown built-in scenario")

// DefaultName is the name of the scenario Default returns.
const DefaultName = "default"

// Names lists the built-in scenarios, sorted.
func Names() []string {
	entries, err := fs.ReadDir(builtinFS, "builtin")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".yaml"); ok && !e.IsDir() {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// Builtin parses the built-in scenario called name; every call returns a
// fresh value. For an unknown name the error wraps ErrUnknownBuiltin and
// suggests the nearest names.
func Builtin(name string) (*Scenario, error) {
	names := Names()
	if !slices.Contains(names, name) {
		if near := nearest(name, names); len(near) > 0 {
			return nil, fmt.Errorf("%w %q (did you mean %s?)", ErrUnknownBuiltin, name, strings.Join(near, ", "))
		}
		return nil, fmt.Errorf("%w %q (built-ins: %s)", ErrUnknownBuiltin, name, strings.Join(names, ", "))
	}
	file := "builtin/" + name + ".yaml"
	data, err := builtinFS.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("built-in scenario %q: %w", name, err)
	}
	return Parse(file, data)
}

// Builtins parses every built-in scenario, sorted by name; every call
// returns fresh values.
func Builtins() []*Scenario {
	var all []*Scenario
	for _, name := range Names() {
		// The tests parse every built-in, so this cannot fail in a release.
		if s, err := Builtin(name); err == nil {
			all = append(all, s)
		}
	}
	return all
}

// Default is the world `fakeghcr serve` starts with when given no scenario
// (builtin/default.yaml): the 2022 seed case, ready to reproduce. A
// workflow token (password ghs_demo_workflow) is refused on the existing
// package acme/api with permission_denied: write_package, an org owner's
// classic PAT (ghp_demo_alice) pushes to it, and acme/public can be pulled
// anonymously.
func Default() *Scenario {
	s, err := Builtin(DefaultName)
	if err != nil {
		// Unreachable while the tests pass; never panic in library code.
		return &Scenario{
			Name:        DefaultName,
			Description: "empty world: the built-in default scenario did not load: " + err.Error(),
			World: authz.World{
				Owners:       map[string]authz.Owner{},
				Repositories: map[string]authz.Repository{},
				Packages:     map[string]authz.Package{},
			},
			Tags:     map[string][]string{},
			Settings: Settings{AnonymousPrivateTokenStatus: DefaultAnonymousPrivateTokenStatus},
		}
	}
	return s
}

// nearest returns the candidates close to s (a typo away, or containing it),
// closest first, at most five.
func nearest(s string, candidates []string) []string {
	type match struct {
		name string
		dist int
	}
	var matches []match
	low := strings.ToLower(s)
	for _, c := range candidates {
		d := levenshtein.Distance(low, strings.ToLower(c))
		if d <= max(2, len(s)/4) || (len(s) >= 3 && strings.Contains(c, low)) {
			matches = append(matches, match{c, d})
		}
	}
	slices.SortStableFunc(matches, func(a, b match) int { return cmp.Compare(a.dist, b.dist) })
	var names []string
	for i, m := range matches {
		if i == 5 {
			break
		}
		names = append(names, m.name)
	}
	return names
}
