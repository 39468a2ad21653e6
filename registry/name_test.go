package registry

import (
	"regexp"
	"testing"
)

// ociNameRE is the OCI distribution-spec name grammar, lower case, for
// checking the hand-written validName against.
var ociNameRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)+$`)

func TestValidNameMatchesGrammar(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"acme/api", "acme/team/app", "a/b", "acme/my-app", "acme/my--app", "acme/my__app", "acme/my.app",
		"acme/my___app", "acme/my_.app", "acme/-app", "acme/app-", "acme/.app", "acme/app.", "acme//app",
		"acme", "/acme/app", "acme/app/", "Acme/app", "acme/APP", "acme/a_b-c.d", "acme/a..b", "acme/a-_b",
		"acme/a b", "acme/ä", "", "0/0", "acme/app:tag",
	} {
		if got, want := validName(name), ociNameRE.MatchString(name); got != want {
			t.Errorf("validName(%q) = %v, the OCI grammar says %v", name, got, want)
		}
	}
}

func FuzzValidName(f *testing.F) {
	for _, s := range []string{"acme/api", "acme/my--app", "acme/a__b", "a/b/c", "acme/_x", "x/y-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if len(name) > maxNameLen {
			return
		}
		if got, want := validName(name), ociNameRE.MatchString(name); got != want {
			t.Fatalf("validName(%q) = %v, the OCI grammar says %v", name, got, want)
		}
	})
}
