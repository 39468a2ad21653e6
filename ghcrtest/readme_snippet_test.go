package ghcrtest_test

import (
	"os"
	"strings"
	"testing"
)

// TestREADMESnippetIsReadmeTest: the README's ghcrtest example is
// readme_test.go verbatim, so the example a reader copies compiles and
// passes with this package's tests.
func TestREADMESnippetIsReadmeTest(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## In Go tests: `ghcrtest`")
	if !ok {
		t.Fatal("README has no section \"In Go tests: `ghcrtest`\"")
	}
	_, block, ok := strings.Cut(section, "```go\n")
	if !ok {
		t.Fatal("the README's ghcrtest section has no ```go block")
	}
	block, _, ok = strings.Cut(block, "```\n")
	if !ok {
		t.Fatal("the README's ```go block is not closed")
	}
	if block != string(file) {
		t.Errorf("the README's ghcrtest example differs from ghcrtest/readme_test.go: copy one to the other\nREADME:\n%s", block)
	}
}
