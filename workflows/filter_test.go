package workflows

import (
	"testing"
	"unicode/utf8"
)

// Filter rules and patterns from GitHub's docs ("Workflow syntax for GitHub
// Actions": on.push.<branches|tags|branches-ignore|tags-ignore>, "Filter
// pattern cheat sheet"), played on Dependabot's branch names
// (dependabot/<ecosystem>/<dependency>-<version>).
func TestRunsForBranch(t *testing.T) {
	t.Parallel()
	const dep = "dependabot/npm_and_yarn/lodash-4.17.21"
	for _, tc := range []struct {
		name string
		src  string
		want bool
	}{
		{"no filter", "on: push\n", true},
		{"push list", "on: [push]\n", true},
		{"empty push map", "on:\n  push:\n", true},
		{"main only", "on:\n  push:\n    branches: [main]\n", false},
		{"a single string", "on:\n  push:\n    branches: main\n", false},
		{"all branches with **", "on:\n  push:\n    branches: ['**']\n", true},
		{"* does not match /", "on:\n  push:\n    branches: ['*']\n", false},
		{"dependabot/**", "on:\n  push:\n    branches: ['dependabot/**']\n", true},
		{"dependabot/* does not reach the third level", "on:\n  push:\n    branches: ['dependabot/*']\n", false},
		{"ecosystem pattern", "on:\n  push:\n    branches: ['dependabot/npm_and_yarn/**']\n", true},
		{"negated after **", "on:\n  push:\n    branches: ['**', '!dependabot/**']\n", false},
		{"included again", "on:\n  push:\n    branches: ['**', '!dependabot/**', 'dependabot/npm_and_yarn/**']\n", true},
		{"branches-ignore dependabot", "on:\n  push:\n    branches-ignore: ['dependabot/**']\n", false},
		{"branches-ignore other", "on:\n  push:\n    branches-ignore: ['gh-pages', 'release/*']\n", true},
		{"tags only", "on:\n  push:\n    tags: ['v*']\n", false},
		{"tags-ignore only", "on:\n  push:\n    tags-ignore: ['v*']\n", false},
		{"tags and branches", "on:\n  push:\n    tags: ['v*']\n    branches: ['**']\n", true},
		{"paths only", "on:\n  push:\n    paths: ['Dockerfile']\n", true},
		{"empty branches list", "on:\n  push:\n    branches: []\n", false},
		{"question mark and plus", "on:\n  push:\n    branches: ['dependabot/npm_and_yarn/lodash-4+.17.21?']\n", true},
		{"character class", "on:\n  push:\n    branches: ['[d]ependabot/**']\n", true},
		{"escaped star is literal", "on:\n  push:\n    branches: ['dependabot/\\*']\n", false},
		{"unreadable positive pattern plays the run", "on:\n  push:\n    branches: ['[z-a]']\n", true},
		{"unreadable ignore pattern plays the run", "on:\n  push:\n    branches-ignore: ['[z-a]']\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wf, err := Read("f.yml", []byte(tc.src+"jobs:\n  a:\n    runs-on: x\n    steps:\n      - run: true\n"))
			if err != nil {
				t.Fatal(err)
			}
			var push *Trigger
			for i := range wf.On {
				if wf.On[i].Event == "push" {
					push = &wf.On[i]
				}
			}
			if push == nil {
				t.Fatal("no push trigger")
			}
			if got := push.Filters.RunsForBranch(dep); got != tc.want {
				t.Errorf("RunsForBranch(%q) = %v, want %v (filters %+v)", dep, got, tc.want, push.Filters)
			}
		})
	}
}

func TestFilterKeptAsWritten(t *testing.T) {
	t.Parallel()
	wf, err := Read("f.yml", []byte("on:\n  push:\n    branches: [main, 'release/**']\n    tags: ['v*']\n    paths-ignore: ['docs/**']\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	f := wf.On[0].Filters
	if len(f.Branches) != 2 || f.Branches[1] != "release/**" || len(f.Tags) != 1 || f.BranchesIgnore != nil || !f.HasPaths() {
		t.Errorf("filters not kept: %+v", f)
	}
}

// FuzzFilter: any pattern and ref give an answer, never a panic, and a
// (valid UTF-8) pattern matches itself when it has no special character;
// the fast paths for plain, prefix* and prefix** patterns agree with the
// regular expression.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{"dependabot/**", "dependabot/*", "main", "", "dependabot/npm_and_yarn/lodash-4.17.21", "*", "**", "!main", "v[0-9]+.*", "a?b+", `\*`, "[", "[z-a]", "?", "+x", "**/**"} {
		f.Add(s, "dependabot/npm_and_yarn/lodash-4.17.21")
	}
	f.Fuzz(func(t *testing.T, pattern, ref string) {
		ok, known := matchFilter(pattern, ref)
		if !known && ok {
			t.Fatalf("unknown pattern %q matched", pattern)
		}
		// The fast paths answer as the regular expression does.
		re, err := filterRegexp(pattern)
		if (err == nil) != known || err == nil && re.MatchString(ref) != ok {
			t.Fatalf("matchFilter(%q, %q) = %v, %v; the regular expression says %v (error %v)", pattern, ref, ok, known, err == nil && re.MatchString(ref), err)
		}
		plain := utf8.ValidString(pattern)
		for _, c := range pattern {
			switch c {
			case '*', '?', '+', '[', ']', '\\':
				plain = false
			}
		}
		if plain {
			if ok, known := matchFilter(pattern, pattern); !ok || !known {
				t.Fatalf("plain pattern %q does not match itself", pattern)
			}
		}
		_ = RefFilters{Branches: []string{pattern}}.RunsForBranch(ref)
	})
}
