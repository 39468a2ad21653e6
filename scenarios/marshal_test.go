package scenarios

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/authz"
)

// emptyScenario is what Parse gives for an empty file called n.yaml.
func emptyScenario() *Scenario {
	return &Scenario{Name: "n", World: authz.World{Owners: map[string]authz.Owner{},
		Repositories: map[string]authz.Repository{}, Packages: map[string]authz.Package{}},
		Tags: map[string][]string{}, Settings: Settings{AnonymousPrivateTokenStatus: 401}}
}

// roundTrip marshals s and parses it back, failing t unless it is equal.
func roundTrip(t *testing.T, s *Scenario) {
	t.Helper()
	out, err := Marshal(s)
	if err != nil {
		t.Errorf("Marshal: %v", err)
		return
	}
	back, err := Parse("n.yaml", out)
	if err != nil {
		t.Errorf("Parse: %v\n%s", err, out)
		return
	}
	if diff := cmp.Diff(s, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s\n%s", diff, out)
	}
}

func TestMarshalRejectsInvalidWorld(t *testing.T) {
	t.Parallel()
	s := Default()
	s.World.Packages["ghost/api"] = authz.Package{Name: "ghost/api"}
	if _, err := Marshal(s); err == nil || !strings.Contains(err.Error(), `owner "ghost"`) {
		t.Errorf("Marshal() = %v, want an error about the undeclared owner", err)
	}
	s = Default()
	s.Tags["acme/none"] = []string{"latest"}
	if _, err := Marshal(s); err == nil {
		t.Errorf("Marshal() with tags of a missing package succeeded")
	}
}

func TestScalarQuoting(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"*", "yes", "No", "null", "1000", "1e3", "0x10", "-a", "a: b", "a #b", "#", "[x]", "{x}",
		"a,b", "'q'", `"q"`, "tab\there", "nl\nhere", "\x00\x7f\u0085\u2028\ufeff", "~", "&a", "!t", "%d", "@x", "`x`",
		" lead", "trail ", "", "ünïcode", "a:", ":a", "- x", "? x", "|", ">", "2024-01-01", ".inf", "=", "<<"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			s := emptyScenario()
			s.Description = v
			s.Fix = v + "\n" + v + "\n"
			if v != "" {
				s.Name = v
			}
			s.World.Credentials = []authz.Credential{{Name: "c" + v, Secret: v + "x", Kind: authz.AppInstallation, App: v}}
			roundTrip(t, s)
		})
	}
}

// TestRandomStrings round-trips strings of the characters YAML treats
// specially.
func TestRandomStrings(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("ab :#-?|>'\"\\\n\t\r {}[],&*!%@`~\u0085\u2028\ufeff\x00é😀.=<")
	for range 1000 {
		rs := make([]rune, r.IntN(12))
		for j := range rs {
			rs[j] = alphabet[r.IntN(len(alphabet))]
		}
		v := string(rs)
		s := emptyScenario()
		s.Description, s.Fix = v, v+"\n"
		if v != "" {
			s.Name = v
		}
		s.World.Credentials = []authz.Credential{{Name: "c" + v, Secret: v + "x", Kind: authz.AppInstallation, App: v}}
		roundTrip(t, s)
		if t.Failed() {
			t.Fatalf("string %q", v)
		}
	}
}

// TestMarshalRuntimeWorld exports a world changed the way the registry
// changes it: a package created by a push, with its link and Actions grant.
func TestMarshalRuntimeWorld(t *testing.T) {
	t.Parallel()
	s := Default()
	workflow, _ := s.Credential("workflow")
	alice, _ := s.Credential("alice")
	s.World.Packages["acme/new"] = authz.NewPackage(s.World, authz.Principal{Credential: &workflow}, "acme/new", "")
	s.World.Packages["acme/tool"] = authz.NewPackage(s.World, authz.Principal{Credential: &alice}, "acme/tool", "https://github.com/acme/api")
	s.Tags["acme/new"] = []string{"latest", "v1"}
	if p := s.World.Packages["acme/new"]; len(p.ActionsAccess) == 0 || p.ActionsAccess[0].RepositoryID == 0 {
		t.Fatalf("NewPackage gave %+v, want an Actions grant with a repository id", p)
	}
	roundTrip(t, s)
}
