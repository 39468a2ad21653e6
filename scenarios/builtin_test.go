package scenarios

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/answers"
	"github.com/fakeghcr/fakeghcr/authz"
)

// clientQuote matches a description line that quotes a client by name, as in
// "  crane:    POST https://ghcr.io/...".
var clientQuote = regexp.MustCompile(`^\s+(docker|buildx|crane|skopeo|oras|BuildKit|containerd|podman|regctl|helm|cosign)\b[^:]*:\s+\S`)

func TestBuiltinsValid(t *testing.T) {
	t.Parallel()
	names := Names()
	if len(names) < 25 {
		t.Fatalf("Names() = %d built-ins, want about 30", len(names))
	}
	if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Fatalf("Names() not sorted and unique: %q", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, err := Builtin(name)
			if err != nil {
				t.Fatalf("Builtin(%q): %v", name, err)
			}
			if s.Name != name {
				t.Errorf("name: %q in file builtin/%s.yaml", s.Name, name)
			}
			if strings.TrimSpace(s.Description) == "" || strings.TrimSpace(s.Fix) == "" {
				t.Errorf("description and fix are required for a built-in")
			}
			if len(s.Expect) == 0 {
				t.Errorf("no expect entries")
			}
			// What each client prints is derived from the client tables (fakeghcr scenario
			// show, asserted by the e2e suite), never retyped in a description.
			for _, l := range strings.Split(s.Description, "\n") {
				if clientQuote.MatchString(l) {
					t.Errorf("description retypes a client's output (derive it from the client tables): %q", l)
				}
			}
			for _, e := range s.Expect {
				checkAnswer(t, e)
			}

			out, err := Marshal(s)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			back, err := Parse(name+".yaml", out)
			if err != nil {
				t.Fatalf("Parse(Marshal(s)): %v\n%s", err, out)
			}
			if diff := cmp.Diff(s, back); diff != "" {
				t.Errorf("round trip through Marshal and Parse (-want +got):\n%s", diff)
			}
		})
	}
}

// checkAnswer checks an expectation against GHCR's answer for its reason,
// from the answers package's table (the one registry writes from).
func checkAnswer(t *testing.T, e Expect) {
	t.Helper()
	want, deny := answers.For(e.Reason, e.Package)
	got := answers.Answer{Status: e.Status, Code: e.Code, Message: e.Message}
	switch {
	case e.Status < 400:
		if e.Reason != "" && deny {
			t.Errorf("%s: success with denial reason %s", e.Name, e.Reason)
		}
	case e.Reason == "":
		// A denial whose reason is left open must still be one of GHCR's answers.
		found := false
		for _, r := range answers.Reasons(e.Status, e.Message) {
			a, _ := answers.For(r, e.Package)
			found = found || a == got
		}
		if !found {
			t.Errorf("%s: %d %s %q is none of GHCR's answers", e.Name, e.Status, e.Code, e.Message)
		}
	case !deny:
		t.Errorf("%s: reason %s has no GHCR answer in answers' table", e.Name, e.Reason)
	case got != want:
		t.Errorf("%s: reason %s answers %+v, the expect says %+v", e.Name, e.Reason, want, got)
	}
}

func TestBuiltinsCoverReasons(t *testing.T) {
	t.Parallel()
	seen := map[authz.Reason]bool{}
	for _, s := range Builtins() {
		for _, e := range s.Expect {
			seen[e.Reason] = true
		}
	}
	// Reasons no push, pull or login can show: a bearer that authenticates
	// nobody (anonymous read/write on /v2/), and deletes.
	unreachable := []authz.Reason{authz.DenyAnonymousRead, authz.DenyAnonymousWrite, authz.DenyDeletePackage}
	for _, r := range authz.DenyReasons() {
		if !seen[r] && !slices.Contains(unreachable, r) {
			t.Errorf("no built-in expects reason %s", r)
		}
	}
}

func TestBuiltinsFresh(t *testing.T) {
	t.Parallel()
	a, b := Default(), Default()
	a.World.Packages["acme/api"] = authz.Package{Name: "acme/api", Visibility: authz.Public}
	a.World.Credentials[0].Scopes = append(a.World.Credentials[0].Scopes, "repo")
	a.Tags["acme/api"][0] = "changed"
	if diff := cmp.Diff(Default(), b); diff != "" {
		t.Errorf("changing one Default() changed another (-want +got):\n%s", diff)
	}
	if all, names := Builtins(), Names(); len(all) != len(names) {
		t.Errorf("Builtins() = %d scenarios, Names() = %d", len(all), len(names))
	}
}

func TestDefault(t *testing.T) {
	t.Parallel()
	s := Default()
	if s.Name != DefaultName {
		t.Errorf("Default().Name = %q", s.Name)
	}
	byKind := map[authz.CredentialKind]authz.Credential{}
	for _, c := range s.World.Credentials {
		byKind[c.Kind] = c
		if strings.ContainsFunc(c.Secret, func(r rune) bool { return r < '!' || r > '~' }) {
			t.Errorf("credential %s: secret %q is not simple and printable", c.Name, c.Secret)
		}
	}
	if w := byKind[authz.GitHubToken]; w.Repository != "acme/api" || w.Packages != authz.RoleWrite {
		t.Errorf("no GITHUB_TOKEN of acme/api with packages: write: %+v", w)
	}
	pat := byKind[authz.ClassicPAT]
	if !pat.HasScope("write:packages") || !slices.Contains(s.World.Owners["acme"].Members, authz.Member{Login: pat.User, Owner: true}) {
		t.Errorf("no classic PAT with write:packages of an acme owner: %+v", pat)
	}
	if p := s.World.Packages["acme/api"]; p.Repository != "" || len(p.ActionsAccess) > 0 {
		t.Errorf("acme/api must be unlinked and without Actions access: %+v", p)
	}
	if p := s.World.Packages["acme/public"]; p.Visibility != authz.Public || len(s.Tags["acme/public"]) == 0 {
		t.Errorf("acme/public must be public with a tag: %+v %q", p, s.Tags["acme/public"])
	}
	if e := s.Expect[0]; e.Reason != authz.DenyActionsAccess {
		t.Errorf("first expect = %+v, want the seed case", e)
	}
}

func TestBuiltinUnknown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, want string
	}{
		{"actions-acess-missing", "actions-access-missing"},
		{"actions-access", "actions-access-fixed"},
		{"fork", "fork-pull-request"},
		{"nothing-like-it-at-all", "built-ins: "},
		{"../parse", "unknown built-in scenario"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Builtin(tt.name)
			if !errors.Is(err, ErrUnknownBuiltin) {
				t.Fatalf("Builtin(%q) = %v, want ErrUnknownBuiltin", tt.name, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Builtin(%q) = %q, want it to mention %q", tt.name, err, tt.want)
			}
		})
	}
}
