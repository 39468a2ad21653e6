package scenarios_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/fakeghcr/fakeghcr/scenarios"
)

func ExampleBuiltin() {
	s, err := scenarios.Builtin("actions-access-missing")
	if err != nil {
		fmt.Println(err)
		return
	}
	e := s.Expect[0]
	fmt.Println(e.Action, e.Package, "as", e.Credential, "->", e.Status, e.Code, e.Message)
	fix, _, _ := strings.Cut(s.Fix, "\n")
	fmt.Println(fix)

	_, err = scenarios.Builtin("actions-acess-missing")
	fmt.Println(err)
	// Output:
	// push acme/api as workflow -> 403 DENIED permission_denied: write_package
	// Package settings -> Manage Actions access -> Add repository acme/api with role Write
	// unknown built-in scenario "actions-acess-missing" (did you mean actions-access-missing?)
}

func ExampleLoad() {
	dir, err := os.MkdirTemp("", "scenario")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mine.yaml")
	err = os.WriteFile(path, []byte(`owners:
  - login: acme
    type: organization
repositories:
  - name: acme/api
packages:
  - name: acme/api
    actions_access:
      - repository: acme/api
        role: writer
`), 0o600)
	if err != nil {
		fmt.Println(err)
		return
	}

	_, err = scenarios.Load(path)
	var fe *scenarios.FileError
	if errors.As(err, &fe) {
		fmt.Printf("line %d, column %d, field %s: %v\n", fe.Line, fe.Column, fe.Field, fe.Err)
	}
	// Output:
	// line 10, column 15, field packages[0].actions_access[0].role: unknown role "writer" (want read, write or admin)
}
