package authz

import (
	"regexp"
	"strings"
	"testing"
)

// FuzzNameSyntax: the hand-written name checks accept exactly what the
// regular expressions they replace accept (validate.go lists them).
func FuzzNameSyntax(f *testing.F) {
	for _, s := range []string{"acme", "acme/api", "acme/api.v2", "a-b/c_d", "a--b", "-a", "a-", "a/b/c", "a//b", "a/",
		"/a", "acme/.", "acme/..", "A", "a.b", "a_b", "push", "pull_request", "_x", "x_", "a__b", "", "é", "a/b-",
		strings.Repeat("a", 39), strings.Repeat("a", 40), "acme/" + strings.Repeat("r", 101)} {
		f.Add(s)
	}
	var (
		loginRE   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
		repoRE    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*/[a-z0-9._-]+$`)
		packageRE = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)+$`)
		slugRE    = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*$`)
		eventRE   = regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)
	)
	f.Fuzz(func(t *testing.T, s string) {
		owner, rest, _ := strings.Cut(s, "/")
		for _, c := range []struct {
			name      string
			got, want bool
		}{
			{"ValidLogin", ValidLogin(s), len(s) <= 39 && loginRE.MatchString(s)},
			{"ValidRepositoryName", ValidRepositoryName(s),
				repoRE.MatchString(s) && rest != "." && rest != ".." && len(owner) <= 39 && len(rest) <= 100},
			{"ValidPackageName", ValidPackageName(s), packageRE.MatchString(s)},
			{"ValidTeamSlug", ValidTeamSlug(s), slugRE.MatchString(s)},
			{"event", words(s, false, "_"), eventRE.MatchString(s)},
		} {
			if c.got != c.want {
				t.Errorf("%s(%q) = %v, the expression says %v", c.name, s, c.got, c.want)
			}
		}
	})
}
