package scenarios

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const unknownWorld = `name: imported
owners:
  - login: acme
    type: organization
    members: unknown
    inherit_access_default: unknown
  - login: carol
    type: user
repositories:
  - name: acme/api
    id: 7
    visibility: private
    workflow_permission: unknown
packages:
  - name: acme/api
    visibility: private
    repository: acme/api
    inherit_access: unknown
    actions_access: unknown
    users: unknown
  - name: acme/tool
    visibility: public
    teams: unknown
`

// TestUnknownFields: fields marked unknown are listed with their place,
// kept by Marshal, and refused by RequireKnown with their names.
func TestUnknownFields(t *testing.T) {
	t.Parallel()
	s, err := Parse("imported.yaml", []byte(unknownWorld))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range s.Unknowns {
		got = append(got, u.Field())
	}
	want := []string{
		"owners[acme].members", "owners[acme].inherit_access_default",
		"repositories[acme/api].workflow_permission",
		"packages[acme/api].inherit_access", "packages[acme/api].actions_access", "packages[acme/api].users",
		"packages[acme/tool].teams",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("unknowns (-want +got):\n%s", diff)
	}
	if u := s.Unknowns[2]; u.Line != 13 || u.Column != 5 {
		t.Errorf("%s at %d:%d, want 13:5", u.Field(), u.Line, u.Column)
	}
	if !s.Unknown("packages", "acme/api", "actions_access") || s.Unknown("packages", "acme/tool", "actions_access") {
		t.Error("Unknown() disagrees with the file")
	}
	err = s.RequireKnown("imported.yaml")
	if !errors.Is(err, ErrUnknownFields) || !strings.Contains(err.Error(), "packages[acme/api].actions_access (imported.yaml:19:5)") {
		t.Errorf("RequireKnown: %v", err)
	}
	out, err := Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("back.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var again []string
	for _, u := range back.Unknowns {
		again = append(again, u.Field())
	}
	if diff := cmp.Diff(want, again, sortStrings); diff != "" {
		t.Errorf("unknowns after Marshal (-want +got):\n%s\n%s", diff, out)
	}
	if err := (&Scenario{}).RequireKnown("x"); err != nil {
		t.Errorf("a world without unknowns: %v", err)
	}
}

var sortStrings = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

// TestUnknownRefused: `unknown` is a mark only where GitHub may hide the
// value; elsewhere (a package's visibility, a user's organization
// settings) it is the bad value it looks like, and a quoted "unknown" is a
// plain string.
func TestUnknownRefused(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, yaml, want string }{
		{"visibility is always known", `owners: [{login: acme, type: organization}]
packages:
  - name: acme/api
    visibility: unknown
`, "packages[0].visibility"},
		{"a user has no organization settings", `owners:
  - login: carol
    type: user
    members: unknown
`, "owners[0].members: only for an owner of type organization"},
		{"quoted is a value", `owners: [{login: acme, type: organization}]
repositories:
  - name: acme/api
    workflow_permission: "unknown"
`, `unknown workflow permission "unknown"`},
	}
	for _, c := range cases {
		_, err := Parse("mine.yaml", []byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

// TestAllProblemsPastTypeError is FORMAT.md's promise (issue 19): a type
// error early in the file (write: packages, a mapping where a string
// belongs) no longer hides a bad value written after it.
func TestAllProblemsPastTypeError(t *testing.T) {
	t.Parallel()
	_, err := Parse("mine.yaml", []byte(`owners:
  - login: alice
    type: user
  - login: acme
    type: org
credentials:
  - name: ci
    secret: s
    type: classic_pat
    user: alice
    scopes: [write: packages]
expect:
  - credential: ci
    action: push
    package: acme/api
    status: many
`))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"credentials[0].scopes[0]: want a string, not the mapping", `owners[1].type`, "expect[0].status: want a whole number"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "status: required") {
		t.Errorf("a dropped field is reported again as missing:\n%v", err)
	}
}
