package clientlines

import (
	"testing"

	"github.com/fakeghcr/fakeghcr/answers"
)

// TestRenderMatchesItself: every Current line check renders is recognized
// by the pattern compiled from it, with the same values back.
func TestRenderMatchesItself(t *testing.T) {
	t.Parallel()
	pats, err := Matchers()
	if err != nil {
		t.Fatal(err)
	}
	withBody := answers.Answer{Status: 403, Code: "DENIED", Message: "permission_denied: write_package"}
	bodyless := answers.Answer{Status: 403}
	for _, p := range pats {
		if !p.Wording.Current {
			continue
		}
		a := withBody
		if !p.Wording.hasBody() {
			a = bodyless
		}
		switch p.Wording.When {
		case "":
		case answers.MsgResourceDenied:
			a = answers.Answer{Status: 403, Code: "DENIED", Message: answers.MsgResourceDenied}
		case "401":
			a = answers.Answer{Status: 401}
		default:
			a = answers.Answer{Status: 404, Code: p.Wording.When, Message: "manifest unknown"}
		}
		line := p.Wording.fill(PrintVars{Repo: "acme/api", Tag: "v1", Digest: "sha256:abc", Query: "scope=repository%3Aacme%2Fapi%3Apush%2Cpull&service=ghcr.io", Answer: a})
		vals, ok := p.Match(line)
		if !ok {
			t.Errorf("%s %s: %q does not match its own pattern", p.Wording.Client, p.Wording.Stage, line)
			continue
		}
		if m, ok := vals["message"]; ok && m != a.Message {
			t.Errorf("%s %s: message %q, want %q", p.Wording.Client, p.Wording.Stage, m, a.Message)
		}
		if r, ok := vals["repo"]; ok && r != "acme/api" {
			t.Errorf("%s %s: repo %q", p.Wording.Client, p.Wording.Stage, r)
		}
	}
}
