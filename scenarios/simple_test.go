package scenarios

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// parseFull is Parse without its fast path: go-yaml's AST and decoder.
func parseFull(filename string, data []byte) (*Scenario, error) {
	doc, pos, unknown, marks, err := decode(filename, data)
	if err != nil {
		return nil, err
	}
	return build(filename, doc, pos, unknown, marks)
}

// sameAsFull fails when parseSimple accepts data and the full path does not
// build the same scenario from it.
func sameAsFull(t *testing.T, data []byte) (accepted bool) {
	t.Helper()
	fast, ok := parseSimple("f.yaml", data)
	if !ok {
		return false
	}
	full, err := parseFull("f.yaml", data)
	if err != nil {
		t.Fatalf("parseSimple accepted %q, the full path refuses it: %v", data, err)
	}
	if diff := cmp.Diff(full, fast); diff != "" {
		t.Fatalf("parseSimple(%q) (-full +simple):\n%s", data, diff)
	}
	return true
}

// TestParseSimpleTakesTheBuiltins: every built-in world and the benchmark's
// world take the fast path (serve's start-up depends on it) and build what
// the full path builds.
func TestParseSimpleTakesTheBuiltins(t *testing.T) {
	files := map[string][]byte{}
	for _, name := range Names() {
		data, err := builtinFS.ReadFile("builtin/" + name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		files[name] = data
	}
	bench, err := os.ReadFile(filepath.Join("..", "bench", "testdata", "bench.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files["bench"] = bench
	for name, data := range files {
		if !sameAsFull(t, data) {
			t.Errorf("%s: parseSimple refused it", name)
		}
	}
}

// TestParseSimpleRefuses: what the fast path leaves to go-yaml, so that
// its errors, positions and readings stay go-yaml's.
func TestParseSimpleRefuses(t *testing.T) {
	for _, in := range []string{
		"",
		world + "nope: 1\n",                  // unknown key: reported with its place
		world + "name: [x]\n",                // type error
		world + "name: yes\n",                // a YAML 1.1 boolean
		world + "name: 0x1f\n",               // a number
		world + "name: \"a\\tb\"\n",          // an escape
		world + "name: x\nname: y\n",         // duplicate key
		world + "description: &a x\n",        // anchor
		world + "description: !!str x\n",     // tag
		world + "description:\n",             // null
		world + "description: >\n  a\n  b\n", // folded
		world + "---\nname: x\n",             // second document
		world + "packages:\n  - name: acme/api\n    actions_access: unknown\n",
		"owners:\n  - login: acme\n    type: organization\n    package_creation: []\n", // empty list: nil or empty
		"{}\n", // a warning (empty world)
	} {
		if _, ok := parseSimple("f.yaml", []byte(in)); ok {
			t.Errorf("parseSimple accepted %q", in)
		}
	}
}

// FuzzParseSimple: whatever the fast path accepts, the full path builds
// equal.
func FuzzParseSimple(f *testing.F) {
	for _, name := range Names() {
		data, err := builtinFS.ReadFile("builtin/" + name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		world,
		world + "description: |\n  one\n   two\n  three\n",
		world + "credentials:\n  - name: c\n    secret: 'ghp_x'\n    type: classic_pat\n    user: alice\n    scopes: [write:packages,read:packages]\n",
		world + "faults:\n  - status: 429\n    probability: 0.25\n    path: /v2/\n",
		world + "packages:\n  - name: alice/x\n    users: {alice: admin}\n    tags: [v1, \"v2\"]\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) { sameAsFull(t, data) })
}

// TestParseSimpleScalars writes scalars that YAML versions and decoders
// read differently at every kind of place the file format has (string,
// bool, whole number, fraction, list item, map key and value, block text)
// and checks that the fast path either refuses the file or builds what the
// full path builds.
func TestParseSimpleScalars(t *testing.T) {
	scalars := []string{
		"x", "yes", "No", "on", "OFF", "y", "n", "true", "True", "FALSE", "null", "Null", "~", "unknown",
		"0", "7", "007", "0x1f", "0o17", "1e3", "1_000", "+1", "-1", ".5", "1.", "1.50", "0.25", "12:30",
		"18446744073709551616", "9223372036854775807", ".inf", "-.inf", ".nan", "v1.0", "a,b", "a, b",
		"x #y", "x# y", "a:b", "a: b", "x:", ":x", "'q'", "\"q\"", "'a''b'", "\"a\\tb\"", "\"a\\u00e9\"",
		"a'b", "(x)", "@x", "`x`", "a+b", "a b  ", "é", "<<", "=", "!x", "&a x", "*a", "|", ">", "-", "- x",
		"[x]", "{x: y}", "[]", "{}", "[x, y]", "{x: [y]}", "a - b", "a/b", "acme/api", "write:packages",
	}
	places := []string{
		"name: %s\n",
		"description: %s\n",
		"repositories:\n  - name: acme/api\n    id: %s\n",
		"repositories:\n  - name: acme/api\n    collaborators: {alice: %s}\n",
		"repositories:\n  - name: acme/api\n    collaborators:\n      %s: write\n",
		"credentials:\n  - name: c\n    secret: s\n    type: classic_pat\n    user: alice\n    scopes: [%s]\n",
		"credentials:\n  - name: c\n    secret: s\n    type: github_token\n    repository: acme/api\n    fork: %s\n",
		"credentials:\n  - name: c\n    secret: %s\n    type: classic_pat\n    user: alice\n",
		"faults:\n  - status: 429\n    probability: %s\n",
		"faults:\n  - status: %s\n",
		"settings:\n  anonymous_private_token_status: %s\n",
		"owners:\n  - login: o\n    type: organization\n    inherit_access_default: %s\n",
		"packages:\n  - name: acme/api\n    tags:\n      - %s\n",
	}
	accepted := 0
	for _, p := range places {
		for _, v := range scalars {
			if sameAsFull(t, []byte(world+fmt.Sprintf(p, v))) {
				accepted++
			}
		}
	}
	for _, block := range []string{
		"|\n  a\n\n  b\n", "|\n  a\n    b\n", "|\n\n  a\n", "|\n  a\n  b  \n", "|\n  a\n\n", "|-\n  a\n",
		"|+\n  a\n\n", "|2\n    a\n", "|\n    a\n  b\n", "|\n  a # b\n", "|\n  \"q\" 'r' \\ x\n", "|\n  é—\n",
		"| # c\n  a\n", "|\n  a\n \n  b\n", "|\n  a\n\t\n",
	} {
		for _, key := range []string{"description", "fix"} {
			if sameAsFull(t, []byte(world+key+": "+block)) {
				accepted++
			}
			sameAsFull(t, []byte(key+": "+block+world))
		}
	}
	// The comparison is not vacuous: plain names, numbers and booleans
	// take the fast path.
	if accepted < 50 {
		t.Errorf("the fast path accepted %d of the %d files; want at least 50", accepted, len(places)*len(scalars)+30)
	}
	t.Logf("the fast path accepted %d of %d files", accepted, len(places)*len(scalars)+30)
}
