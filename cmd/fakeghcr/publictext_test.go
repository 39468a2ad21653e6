package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// privateRef matches references to the research notes that are not in the repository:
// section signs, bracketed source keys like [T13 #981] or [D1], spec rule numbers and
// paths into ../shared.
var privateRef = regexp.MustCompile(`§|\[(?:[^\]]*[ ,])?[TDQ][0-9]+\b[^\]]*\]|\.\./shared|shared/spec|spec section`)

// TestUserFacingTextCitesPublicSourcesOnly greps what users read (documentation, scenario
// files, and every string literal of the non-test Go code: explanations, fixes, CLI output)
// for references to notes a reader cannot open.
func TestUserFacingTextCitesPublicSourcesOnly(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "e2e") {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(path, ".md"), strings.HasSuffix(path, ".yaml"), strings.HasSuffix(path, ".yml"):
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for i, line := range strings.Split(string(data), "\n") {
				if privateRef.MatchString(line) {
					found = append(found, rel+":"+strconv.Itoa(i+1)+": "+strings.TrimSpace(line))
				}
			}
		case strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if ok && lit.Kind == token.STRING && privateRef.MatchString(lit.Value) {
					found = append(found, rel+":"+strconv.Itoa(fset.Position(lit.Pos()).Line)+": "+lit.Value)
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("user-facing text refers to notes outside the repository (cite a GitHub docs URL or a public issue instead): %s", f)
	}
}

func TestPrivateRefPattern(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"[§6 rule 4c, D1, T14]", "[T13 #981]", "[D5]", "[Q2]", "see ../shared/spec/x.md", "§9 row 7"} {
		if !privateRef.MatchString(s) {
			t.Errorf("%q is not caught", s)
		}
	}
	for _, s := range []string{"https://github.com/docker/build-push-action/issues/1240", "tags: [latest]",
		"[write:packages, read:packages]", "D1 of the alphabet", "[TODO]"} {
		if privateRef.MatchString(s) {
			t.Errorf("%q is caught, but is not a private reference", s)
		}
	}
}
