package scenarios

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse checks that Parse never panics, that every failure is a
// *FileError, and that whatever parses marshals and parses back equal.
func FuzzParse(f *testing.F) {
	for _, name := range Names() {
		data, err := builtinFS.ReadFile("builtin/" + name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		"", "name: x\n", world, world + "packages:\n  - name: acme/api\n    tags: [latest]\n",
		"owners: &o\n  - login: a\n    type: user\nexpect: []\n",
		"description: \"a\\tb\\u2028\"\nfix: |+\n  x\n\n",
		"owners:\n  - login: acme\n    type: organization\n    package_creation: []\n    inherit_access_default: false\n",
		world + "packages:\n  - name: acme/api\n    actions_access: [{repository: acme/gone, role: write, repository_id: 7}]\n",
		// go-yaml v1.19.2 panicked on a tag before a scalar where a sequence belongs.
		"name: x\nowners: !000000\n000000000000000:0000000000000000000000000000000000:00000000000000000000000000000",
		world + "packages:\n  - name: acme/api\n    actions_access: unknown\n    inherit_access: unknown\n    users: \"unknown\"\n",
		unknownWorld,
		world + "packages:\n  - name: acme/api\n    tags: [v0]\n    indexes: [{tag: v1, platforms: [linux/amd64]}]\n    artifacts: [{subject: v1, artifact_type: application/json}]\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse() error %v (%T) is not a *FileError", err, err)
			}
			return
		}
		out, err := Marshal(s)
		if err != nil {
			t.Fatalf("Marshal(Parse(%q)): %v", data, err)
		}
		back, err := Parse("fuzz.yaml", out)
		if err != nil {
			t.Fatalf("Parse(Marshal(Parse(%q))): %v\n%s", data, err, out)
		}
		// Warnings are about the file, not the world: an empty file's
		// world is written with its name, which makes it no longer empty.
		s.Warnings, back.Warnings = nil, nil
		// Unknown fields are written in the world's order, at new places.
		s.Unknowns, back.Unknowns = placeless(s.Unknowns), placeless(back.Unknowns)
		if diff := cmp.Diff(s, back); diff != "" {
			t.Fatalf("round trip of %q (-first +second):\n%s\n%s", data, diff, out)
		}
	})
}

// placeless sorts unknowns by field and drops their file positions.
func placeless(us []Unknown) []Unknown {
	out := make([]Unknown, 0, len(us))
	for _, u := range us {
		u.Line, u.Column = 0, 0
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b Unknown) int { return strings.Compare(a.Field(), b.Field()) })
	if len(out) == 0 {
		return nil
	}
	return out
}

// FuzzValidTag: validTag accepts exactly what the OCI tag expression
// accepts.
func FuzzValidTag(f *testing.F) {
	for _, s := range []string{"v1", "latest", "_x", ".x", "-x", "a.b-c_d", "", "x y", "Ä", strings.Repeat("a", 128), strings.Repeat("a", 129)} {
		f.Add(s)
	}
	re := regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validTag(s), re.MatchString(s); got != want {
			t.Fatalf("validTag(%q) = %v, the expression says %v", s, got, want)
		}
	})
}
