package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/authz"
)

// world is a valid prefix for the test files below.
const world = `owners:
  - login: acme
    type: organization
    members: [alice]
    teams: {platform: [alice]}
  - login: alice
    type: user
repositories:
  - name: acme/api
`

// TestParseInvalid checks that each invalid file gives a *FileError at the
// line marked "# <-" (the first line when nothing is marked), naming the
// field and explaining it.
func TestParseInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, field, want string
	}{
		{"unknown field", world + `packages:
  - name: acme/api
    visibilty: public # <-
`, "packages[0].visibilty", `unknown field "visibilty" (did you mean "visibility"?)`},
		{"unknown top-level field", `name: x
expects: [] # <-
`, "expects", `unknown field "expects" (did you mean "expect"?)`},
		{"unknown credential type", world + `credentials:
  - name: ci
    secret: s
    type: pat # <-
`, "credentials[0].type", `unknown type "pat" (want classic_pat, oauth, fine_grained_pat, github_token or app_installation)`},
		{"missing credential type", world + `credentials:
  - name: ci # <-
    secret: s
`, "credentials[0].type", "required (want classic_pat, oauth"},
		{"bad role", world + `  - name: acme/web
packages:
  - name: acme/api
  - name: acme/web
    actions_access:
      - repository: acme/api
        role: writer # <-
`, "packages[1].actions_access[0].role", `unknown role "writer" (want read, write or admin)`},
		{"bad package name", world + `packages:
  - name: acme/API # <-
`, "packages[0].name", "must be lower case"},
		{"package name without owner", world + `packages:
  - name: api # <-
`, "packages[0].name", "want owner/name"},
		{"package of an unknown owner", world + `packages:
  - name: nobody/api # <-
`, "packages[0].name", `owner "nobody" of package nobody/api is not declared under owners`},
		{"dangling repository reference", world + `packages:
  - name: acme/api
    repository: acme/nope # <-
`, "packages[0].repository", `unknown repository "acme/nope"`},
		{"dangling actions access", world + `packages:
  - name: acme/api
    actions_access: [{repository: acme/web, role: read}] # <-
`, "packages[0].actions_access[0].repository", `unknown repository "acme/web"`},
		{"unknown team", world + `packages:
  - name: acme/api
    teams: {core: read} # <-
`, "packages[0].teams.core", `unknown team "core"`},
		{"user grant to an undeclared user", world + `packages:
  - name: acme/api
    users: {bob: read} # <-
`, "packages[0].users.bob", `unknown user "bob"`},
		{"negative grant id", world + `packages:
  - name: acme/api
    actions_access: [{repository: acme/api, role: read, repository_id: -1}] # <-
`, "packages[0].actions_access[0].repository_id", "must be positive"},
		{"repository of an unknown owner", world + `  - name: other/api # <-
`, "repositories[1].name", `owner "other" of repository other/api is not declared`},
		{"duplicate repository", world + `  - name: ACME/api # <-
`, "repositories[1].name", `duplicate repository "acme/api" (also repositories[0])`},
		{"unknown member", `owners:
  - login: acme
    type: organization
    members: [alice, bob] # <-
  - login: alice
    type: user
`, "owners[0].members[1]", `unknown user "bob" (declare it under owners with type: user)`},
		{"members of a user", `owners:
  - login: alice
    type: user
    members: [alice] # <-
`, "owners[0].members", "only for an owner of type organization"},
		{"duplicate credential", world + `credentials:
  - name: ci
    secret: one
    type: app_installation
  - name: ci # <-
    secret: two
    type: app_installation
`, "credentials[1].name", `duplicate credential "ci" (also credentials[0])`},
		{"two wildcards", world + `credentials:
  - name: any
    secret: "*"
    type: app_installation
  - name: other
    secret: "*" # <-
    type: app_installation
`, "credentials[1].secret", `a second wildcard credential (credentials[0] already has secret "*")`},
		{"classic PAT of an organization", world + `credentials:
  - name: pat
    secret: s
    type: classic_pat
    user: acme # <-
`, "credentials[0].user", `"acme" is an organization, not a user`},
		{"field of another credential type", world + `credentials:
  - name: ci
    secret: s
    type: github_token
    repository: acme/api
    scopes: [write:packages] # <-
`, "credentials[0].scopes", "only for classic_pat or oauth credentials"},
		{"unknown scope", world + `credentials:
  - name: pat
    secret: s
    type: classic_pat
    user: alice
    scopes: [write_packages] # <-
`, "credentials[0].scopes[0]", `unknown scope "write_packages" (did you mean "write:packages"?)`},
		{"unknown action", world + `expect:
  - action: delete # <-
    package: acme/api
    status: 405
`, "expect[0].action", `unknown action "delete" (want push, pull or login)`},
		{"unknown expect credential", world + `expect:
  - action: pull
    credential: ghost # <-
    package: acme/api
    status: 401
`, "expect[0].credential", `unknown credential "ghost"`},
		{"bad status", world + `expect:
  - action: push
    package: acme/api
    status: 200 # <-
`, "expect[0].status", "a successful push answers 201, not 200"},
		{"status not a number", world + `expect:
  - action: push
    package: acme/api
    status: forbidden # <-
`, "expect[0].status", "want a whole number"},
		{"unknown reason", world + `expect:
  - action: push
    package: acme/api
    status: 403
    reason: write-package # <-
`, "expect[0].reason", `unknown reason "write-package" (did you mean "write_package"?)`},
		{"pull of a missing tag", world + `packages:
  - name: acme/api
expect:
  - action: pull # <-
    package: acme/api
    status: 200
`, "expect[0].tag", "the package has no such tag"},
		{"bad anonymous status setting", `settings:
  anonymous_private_token_status: 404 # <-
`, "settings.anonymous_private_token_status", "must be 401 or 403, not 404"},
		{"bad yaml syntax", world + `packages: [acme/api # <-
`, "", "not found"},
		// One key only: with several, which unknown key the decoder meets
		// first varies from run to run.
		{"alias reused where its fields are unknown", `owners: &o
  - login: alice # <-
repositories: *o
`, "owners[0].login", `unknown field "login" where an alias reuses this mapping`},
		{"duplicate key", `name: x
name: y # <-
`, "name", `duplicate key "name"`},
		{"duplicate map key", world + `packages:
  - name: acme/api
    users:
      alice: read
      alice: write # <-
`, "packages[0].users.alice", `duplicate key "alice"`},
		{"a list where a mapping is expected", `settings: [] # <-
`, "settings", "want a mapping"},
		{"two documents", `name: x
---
name: y # <-
`, "", "found a second"},
		{"invalid utf-8", "name: \xff\xfe # <-\n", "", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("mine.yaml", []byte(tt.yaml))
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse() error = %v (%T), want a *FileError", err, err)
			}
			if errors.Unwrap(err) != fe.Err && err != fe {
				t.Errorf("Parse() gave several errors, want one:\n%v", err)
			}
			wantLine := 1
			for i, l := range strings.Split(tt.yaml, "\n") {
				if strings.Contains(l, "# <-") {
					wantLine = i + 1
				}
			}
			if fe.File != "mine.yaml" || fe.Line != wantLine || fe.Field != tt.field {
				t.Errorf("error at %s:%d field %q, want mine.yaml:%d field %q\n%v", fe.File, fe.Line, fe.Field, wantLine, tt.field, err)
			}
			if !strings.Contains(fe.Err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", fe.Err, tt.want)
			}
			if fe.Column < 1 {
				t.Errorf("column %d", fe.Column)
			}
		})
	}
}

func TestFileErrorFormat(t *testing.T) {
	t.Parallel()
	src := world + `  - name: acme/web
packages:
  - name: acme/api
  - name: acme/web
    actions_access:
      - repository: acme/api
        role: writer
`
	_, err := Parse("mine.yaml", []byte(src))
	want := `mine.yaml:16:15: packages[1].actions_access[0].role: unknown role "writer" (want read, write or admin)`
	if err == nil || err.Error() != want {
		t.Errorf("Parse() error =\n%v\nwant\n%s", err, want)
	}
	syntax := &FileError{File: "f.yaml", Line: 2, Column: 3, Err: errors.New("bad")}
	if got := syntax.Error(); got != "f.yaml:2:3: bad" {
		t.Errorf("Error() = %q", got)
	}
}

func TestParseSeveralErrors(t *testing.T) {
	t.Parallel()
	src := world + `packages:
  - name: acme/api
    visibility: secret
    users: {ghost: read}
credentials:
  - name: x
`
	_, err := Parse("mine.yaml", []byte(src))
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d errors, want 4:\n%v", len(lines), err)
	}
	var fe *FileError
	if !errors.As(err, &fe) || fe.Field != "packages[0].visibility" {
		t.Errorf("first error = %v, want the visibility (errors in file order)", fe)
	}
}

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	src := world + `  - name: acme/web
    id: 1000
  - name: acme/worker
    workflow_permission: write
packages:
  - name: acme/api
    tags: [latest]
credentials:
  - name: ci
    secret: s
    type: github_token
    repository: acme/api
expect:
  - action: pull
    credential: ci
    package: acme/api
    status: 200
`
	s, err := Parse("dir/my-world.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := &Scenario{
		Name: "my-world",
		World: authz.World{
			Owners: map[string]authz.Owner{
				"acme":  {Login: "acme", Type: authz.Organization, Members: []authz.Member{{Login: "alice"}}, Teams: map[string][]string{"platform": {"alice"}}},
				"alice": {Login: "alice", Type: authz.User},
			},
			Repositories: map[string]authz.Repository{
				"acme/api":    {Name: "acme/api", ID: 1001, Visibility: authz.Private, WorkflowPermission: authz.RoleRead},
				"acme/web":    {Name: "acme/web", ID: 1000, Visibility: authz.Private, WorkflowPermission: authz.RoleRead},
				"acme/worker": {Name: "acme/worker", ID: 1002, Visibility: authz.Private, WorkflowPermission: authz.RoleWrite},
			},
			Packages:    map[string]authz.Package{"acme/api": {Name: "acme/api", Visibility: authz.Private}},
			Credentials: []authz.Credential{{Name: "ci", Secret: "s", Kind: authz.GitHubToken, Repository: "acme/api"}},
		},
		Tags:     map[string][]string{"acme/api": {"latest"}},
		Settings: Settings{AnonymousPrivateTokenStatus: 401},
		Expect: []Expect{{Name: "pull acme/api:latest as ci", Credential: "ci", Action: ActionPull,
			Package: "acme/api", Tag: "latest", Status: 200}},
	}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("Parse() (-want +got):\n%s", diff)
	}
	if c, ok := s.Credential("ci"); !ok || c.Repository != "acme/api" {
		t.Errorf("Credential(ci) = %+v, %v", c, ok)
	}
	if _, ok := s.Credential("nope"); ok {
		t.Errorf("Credential(nope) found")
	}
}

func TestParseEmpty(t *testing.T) {
	t.Parallel()
	for _, src := range []string{"", "# nothing\n", "~\n", "{}\n"} {
		s, err := Parse("empty.yaml", []byte(src))
		if err != nil {
			t.Errorf("Parse(%q): %v", src, err)
			continue
		}
		if s.Name != "empty" || s.World.Packages == nil || s.Tags == nil {
			t.Errorf("Parse(%q) = %+v", src, s)
		}
		if len(s.Warnings) != 1 || !strings.HasPrefix(s.Warnings[0], "empty.yaml is empty: ") {
			t.Errorf("Parse(%q) warnings %q, want one saying the file is empty", src, s.Warnings)
		}
	}
	if s, err := Parse("named.yaml", []byte("name: x\n")); err != nil || len(s.Warnings) != 0 {
		t.Errorf("a file with a name: %v, warnings %q", err, s.Warnings)
	}
	if _, err := Parse("", nil); err == nil {
		t.Errorf("Parse without a name or file name succeeded")
	}
}

func TestOrganizationOwnersAreMembers(t *testing.T) {
	t.Parallel()
	src := `owners:
  - login: Acme
    type: organization
    members: [bob]
    owners: [alice, BOB]
  - login: alice
    type: user
  - login: bob
    type: user
`
	s, err := Parse("o.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []authz.Member{{Login: "bob", Owner: true}, {Login: "alice", Owner: true}}
	if diff := cmp.Diff(want, s.World.Owners["acme"].Members); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(path, []byte("name: x\nbogus: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	var fe *FileError
	if !errors.As(err, &fe) || fe.File != path || fe.Line != 2 {
		t.Errorf("Load() = %v, want a FileError for %s line 2", err, path)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want os.ErrNotExist", err)
	}
}

// TestFormatExample parses the complete example in FORMAT.md.
func TestFormatExample(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no yaml block in FORMAT.md")
	}
	s, err := Parse("FORMAT.md", []byte(example))
	if err != nil {
		t.Fatalf("the example in FORMAT.md does not parse: %v", err)
	}
	if len(s.World.Credentials) != 3 || len(s.Expect) != 1 || s.World.Packages["acme/api"].RepositoryID != 999 {
		t.Errorf("example parsed to %+v", s)
	}
	roundTrip(t, s)
}

// TestExpectReasonsFromAuthz: an expect may name any reason authz declares,
// for allowing (credential_token included), for denying, and for the wire
// refusals made before a decision.
func TestExpectReasonsFromAuthz(t *testing.T) {
	t.Parallel()
	for _, r := range authz.AllowReasons() {
		src := world + "credentials:\n  - name: pat\n    secret: ghp_x\n    type: classic_pat\n    user: alice\nexpect:\n  - credential: pat\n    action: login\n    status: 200\n    reason: " + string(r) + "\n"
		if _, err := Parse("allow.yaml", []byte(src)); err != nil {
			t.Errorf("allow reason %s: %v", r, err)
		}
	}
	for _, r := range append(authz.DenyReasons(), authz.WireReasons()...) {
		src := world + "expect:\n  - action: pull\n    package: acme/api\n    status: 403\n    reason: " + string(r) + "\n"
		if _, err := Parse("deny.yaml", []byte(src)); err != nil {
			t.Errorf("deny reason %s: %v", r, err)
		}
	}
}

// TestParseKeepsValidatingAfterUnknownField: an unknown field is reported
// with every other problem of the file, not alone.
func TestParseKeepsValidatingAfterUnknownField(t *testing.T) {
	t.Parallel()
	src := world + `packages:
  - name: acme/api
    visibilty: public
    users: {nobody: write}
credentials:
  - name: pat
    secret: x
    type: classic_pat
    user: alice
    scopez: [read:packages]
`
	_, err := Parse("f.yaml", []byte(src))
	var fields []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *FileError
		if errors.As(e, &fe) {
			fields = append(fields, fe.Field)
		}
	}
	want := []string{"packages[0].visibilty", "packages[0].users.nobody", "credentials[0].scopez"}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("fields reported (-want +got):\n%s\nerror: %v", diff, err)
	}
}

// TestParseScopes: write:packages unquoted in a flow list is a string; with
// a space after the colon it is a mapping, and the message says how to
// write it.
func TestParseScopes(t *testing.T) {
	t.Parallel()
	cred := world + "credentials:\n  - name: pat\n    secret: x\n    type: classic_pat\n    user: alice\n    scopes: "
	s, err := Parse("f.yaml", []byte(cred+"[write:packages, read:packages]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"write:packages", "read:packages"}, s.World.Credentials[0].Scopes); diff != "" {
		t.Errorf("scopes (-want +got):\n%s", diff)
	}
	_, err = Parse("f.yaml", []byte(cred+"[write: packages]\n"))
	want := `credentials[0].scopes[0]: want a string, not the mapping "write: packages" (YAML reads a colon and a space as a key and its value): write write:packages, or quote it: "write:packages"`
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("got %v, want an error ending %q", err, want)
	}
}
