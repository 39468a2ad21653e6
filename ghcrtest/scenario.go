package ghcrtest

import (
	"slices"
	"sync"

	"github.com/fakeghcr/fakeghcr/scenarios"
)

// builtins memoizes parsed built-in scenarios: parsing the default world's
// YAML costs more than the rest of New together, and a test suite starts
// many servers from the same few. Built-ins are embedded in the binary, so a
// parse is a pure function of the name; every server gets its own deep copy.
var builtins sync.Map // name ("" for the default) -> func() (*scenarios.Scenario, error)

func builtin(name string) (*scenarios.Scenario, error) {
	f, ok := builtins.Load(name)
	if !ok {
		f, _ = builtins.LoadOrStore(name, sync.OnceValues(func() (*scenarios.Scenario, error) {
			if name == "" {
				return scenarios.Default(), nil
			}
			return scenarios.Builtin(name)
		}))
	}
	sc, err := f.(func() (*scenarios.Scenario, error))()
	if err != nil {
		return nil, err
	}
	return cloneScenario(sc), nil
}

// cloneScenario deep-copies what a server could share with another.
func cloneScenario(sc *scenarios.Scenario) *scenarios.Scenario {
	c := *sc
	c.World = sc.World.Clone()
	c.Tags = make(map[string][]string, len(sc.Tags))
	for pkg, tags := range sc.Tags {
		c.Tags[pkg] = slices.Clone(tags)
	}
	c.Expect = slices.Clone(sc.Expect)
	return &c
}
