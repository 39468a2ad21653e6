package clientlines

import (
	"strings"
	"testing"
)

// TestEveryLineIsRecognized: each line of every client and version, rendered, is
// recognized by the matcher compiled from its text, with its values back.
func TestEveryLineIsRecognized(t *testing.T) {
	t.Parallel()
	clients, err := Every()
	if err != nil {
		t.Fatal(err)
	}
	ms, err := Matchers()
	if err != nil {
		t.Fatal(err)
	}
	byText := map[string]Matcher{}
	for _, m := range ms {
		byText[m.Wording.Template] = m
	}
	v := Vars{URL: "https://ghcr.io", Host: "ghcr.io", Repo: "acme/api", Tag: "v1", Digest: "sha256:" + strings.Repeat("ab", 32), Time: "2026-11-27T10:00:00Z"}
	n := 0
	for _, c := range clients {
		for _, l := range c.Lines {
			a := Answer{Op: l.Op, Request: l.Request, Status: l.Status, Code: l.Code, Message: l.Message}
			if a.Status == 0 {
				a.Status = 403
			}
			if a.Code == "" {
				a.Code = "DENIED"
			}
			if a.Message == "" {
				a.Message = "permission_denied: write_package"
			}
			m, ok := byText[l.Text]
			if !ok {
				t.Errorf("%s %s: no matcher for %q", c.Name, l.Request, l.Text)
				continue
			}
			text := l.fill(c, a, v, plain, v.Digest, v.Time, "…", l.Text)
			vals, ok := m.Match(text)
			if !ok {
				t.Errorf("%s %s: %q does not match its own matcher", c.Name, l.Request, text)
				continue
			}
			n++
			if got, ok := vals["message"]; ok && got != a.Message {
				t.Errorf("%s %s: message %q, want %q", c.Name, l.Request, got, a.Message)
			}
			if got, ok := vals["repo"]; ok && got != "acme/api" {
				t.Errorf("%s %s: repo %q", c.Name, l.Request, got)
			}
			if m.Wording.Stage != l.Request.Stage() && byText[l.Text].Wording.Client == Name(c.Name) && l.Pinned() {
				// a text several requests share keeps its first line's stage
				continue
			}
		}
	}
	if n < 50 {
		t.Errorf("only %d lines recognized; the tables hold more", n)
	}
}

// TestExpand: placeholders are replaced left to right, in both spellings,
// unknown ones kept, and what a value brings in never rescanned.
func TestExpand(t *testing.T) {
	t.Parallel()
	vals := map[string]string{"tag": "v1", "repo": "o/{tag}", "empty": ""}
	value := func(n string) (string, bool) { v, ok := vals[n]; return v, ok }
	for in, want := range map[string]string{
		"":                        "",
		"no placeholder":          "no placeholder",
		"{tag}":                   "v1",
		`\{tag\}`:                 "v1",
		"ghcr.io/{repo}:{tag}":    "ghcr.io/o/{tag}:v1",
		"{unknown} {tag}":         "{unknown} v1",
		"{a{tag}":                 "{av1",
		"{tag":                    "{tag",
		"}{tag}{":                 "}v1{",
		"x{empty}y":               "xy",
		`\{unknown\} and \{tag\}`: `\{unknown\} and v1`,
		"{tag}{tag}":              "v1v1",
	} {
		if got := expand(in, value); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}
