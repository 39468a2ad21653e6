package githubrest

import (
	"strings"
	"testing"
)

// FuzzNextLink: any Link header gives a next URL without angle brackets,
// found only where rel="next" is written.
func FuzzNextLink(f *testing.F) {
	// GitHub's shape (https://docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api).
	f.Add(`<https://api.github.com/organizations/1/packages?page=2>; rel="next", <https://api.github.com/organizations/1/packages?page=5>; rel="last"`)
	f.Add(`<https://api.github.com/x?page=1>; rel="prev"`)
	f.Add(`;;,<>`)
	f.Fuzz(func(t *testing.T, h string) {
		got := nextLink(h)
		if got != "" && !strings.Contains(h, `rel="next"`) {
			t.Errorf("%q gave %q without a next relation", h, got)
		}
		if strings.HasPrefix(got, "<") || strings.HasSuffix(got, ">") {
			t.Errorf("%q gave %q with its brackets", h, got)
		}
	})
}
