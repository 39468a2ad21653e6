package authz_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/authz"
)

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	creds := []authz.Credential{
		{Name: "laptop", Secret: "ghp_one", Kind: authz.ClassicPAT, User: "bob"},
		{Name: "old", Secret: "ghp_old", Kind: authz.ClassicPAT, User: "bob", Revoked: true},
		{Name: "blank", Secret: "", Kind: authz.ClassicPAT, User: "eve"},
		{Name: "any", Secret: authz.Wildcard, Kind: authz.ClassicPAT, User: "anyone"},
		{Name: "dup", Secret: "ghp_one", Kind: authz.ClassicPAT, User: "carol"},
		{Name: "any2", Secret: authz.Wildcard, Kind: authz.OAuth, User: "second"},
	}
	withWildcard := authz.World{Credentials: creds}
	noWildcard := authz.World{Credentials: creds[:3]}
	tests := []struct {
		name     string
		w        authz.World
		secret   string
		wantName string
		wantOK   bool
	}{
		{"exact match", withWildcard, "ghp_one", "laptop", true},
		{"exact match beats wildcard and later duplicates", withWildcard, "ghp_one", "laptop", true},
		{"revoked still returned", withWildcard, "ghp_old", "old", true},
		{"unknown secret falls to first wildcard", withWildcard, "ghp_whatever", "any", true},
		{"secret that is a prefix", noWildcard, "ghp_on", "", false},
		{"secret case matters", noWildcard, "GHP_ONE", "", false},
		{"unknown secret without wildcard", noWildcard, "ghp_whatever", "", false},
		{"empty secret never matches", withWildcard, "", "", false},
		{"empty secret does not match an empty Secret", noWildcard, "", "", false},
		{"literal star without wildcard", noWildcard, "*", "", false},
		{"empty world", authz.World{}, "ghp_one", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tc.w.Authenticate(tc.secret)
			if ok != tc.wantOK || got.Name != tc.wantName {
				t.Errorf("Authenticate(%q) = (%q, %v), want (%q, %v)", tc.secret, got.Name, ok, tc.wantName, tc.wantOK)
			}
		})
	}
}

// The wildcard credential decides like any other credential of its kind.
func TestWildcardCredentialDecides(t *testing.T) {
	t.Parallel()
	w := world()
	w.Credentials = []authz.Credential{{Name: "any", Secret: authz.Wildcard, Kind: authz.ClassicPAT, User: "dave", Scopes: []string{wr}}}
	c, ok := w.Authenticate("ghp_never_seen")
	if !ok {
		t.Fatal("wildcard did not match")
	}
	p := authz.Principal{Credential: &c}
	got := authz.Decide(w, p, write("acme/private-img"))
	record(got.Reason)
	if !got.Allow || got.Reason != authz.AllowRole {
		t.Errorf("got (%v, %s), want (true, %s)", got.Allow, got.Reason, authz.AllowRole)
	}
	checkInvariants(t, p, got)
}

func TestLookups(t *testing.T) {
	t.Parallel()
	w := world()
	w.Packages["Mixed/Case"] = authz.Package{Name: "Mixed/Case"}
	if _, ok := w.Package("ACME/Public-Img"); !ok {
		t.Error("Package: upper-case name not found")
	}
	if _, ok := w.Package("mixed/case"); !ok {
		t.Error("Package: mixed-case key not found")
	}
	if _, ok := w.Package("acme/nope"); ok {
		t.Error("Package: found a missing package")
	}
	if r, ok := w.Repository("Acme/API"); !ok || r.ID != 101 {
		t.Errorf("Repository(Acme/API) = %v, %v", r, ok)
	}
	if o, ok := w.Owner("ACME"); !ok || o.Type != authz.Organization {
		t.Errorf("Owner(ACME) = %v, %v", o, ok)
	}
	if _, ok := (authz.World{}).Owner("acme"); ok {
		t.Error("Owner found in an empty world")
	}
}

func TestClone(t *testing.T) {
	t.Parallel()
	orig := world()
	orig.Credentials = []authz.Credential{{Name: "c", Secret: "s", Scopes: []string{r}}}
	c := orig.Clone()
	if !reflect.DeepEqual(orig, c) {
		t.Fatal("clone differs from original")
	}

	// Change everything reachable through the clone.
	c.Owners["acme"].Members[0].Owner = false
	c.Owners["acme"].Teams["platform"][0] = "mallory"
	c.Owners["pubonly"].PackageCreation[0] = authz.Private
	*c.Owners["noinherit"].InheritAccessDefault = true
	c.Owners["new"] = authz.Owner{}
	c.Repositories["acme/api"].Collaborators["frank"] = authz.RoleAdmin
	c.Packages["acme/api"].ActionsAccess[0].Role = authz.RoleRead
	c.Packages["acme/private-img"].Users["bob"] = authz.RoleAdmin
	c.Packages["acme/private-img"].Teams["platform"] = authz.RoleAdmin
	c.Credentials[0].Scopes[0] = "admin:org"
	c.Credentials[0].Secret = "changed"

	if !reflect.DeepEqual(orig, freshWithCreds()) {
		t.Error("changing the clone changed the original")
	}
}

func freshWithCreds() authz.World {
	w := world()
	w.Credentials = []authz.Credential{{Name: "c", Secret: "s", Scopes: []string{r}}}
	return w
}

// Nil means "GitHub's default" for some fields; Clone must keep nil and
// empty apart.
func TestCloneKeepsNilAndEmpty(t *testing.T) {
	t.Parallel()
	w := authz.World{Owners: map[string]authz.Owner{
		"nil":   {Login: "nil", Type: authz.Organization},
		"empty": {Login: "empty", Type: authz.Organization, PackageCreation: []authz.Visibility{}},
	}}
	c := w.Clone()
	if c.Owners["nil"].PackageCreation != nil || c.Owners["nil"].InheritAccessDefault != nil {
		t.Error("nil became non-nil")
	}
	if c.Owners["empty"].PackageCreation == nil {
		t.Error("empty PackageCreation became nil (which means all visibilities)")
	}
	if c.Packages != nil || c.Repositories != nil || c.Credentials != nil {
		t.Error("nil maps or slices became non-nil")
	}
}

// The authz package imports only the standard library (STYLE.md).
func TestImportsOnlyStandardLibrary(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(path, "/")
			if strings.Contains(first, ".") {
				t.Errorf("%s imports %q, which is not in the standard library", name, path)
			}
			switch path {
			case "net/http", "log", "log/slog", "os", "io", "time", "unsafe", "reflect":
				t.Errorf("%s imports %q: authz is pure (no I/O, logging, clock or HTTP)", name, path)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no source files checked")
	}
}
