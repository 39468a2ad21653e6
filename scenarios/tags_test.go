package scenarios

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTagWithoutValue: "owners: !x" made go-yaml's decoder dereference nil
// and panic; it is a file:line error now.
func TestTagWithoutValue(t *testing.T) {
	t.Parallel()
	const head = "name: x\ndescription: x\nfix: x\n"
	for _, tt := range []struct {
		name, body string
		want       FileError
	}{
		{"custom tag on a list", "owners: !x\n", FileError{Line: 4, Column: 9}},
		{"core tag on a list", "owners: !!seq\n", FileError{Line: 4, Column: 9}},
		{"custom tag on a string", "description: !x\n", FileError{Line: 4, Column: 14}},
		{"inside a list item", "owners:\n  - login: a\n    type: user\n    package_creation: !x\n", FileError{Line: 7, Column: 23}},
		{"tag on expect", "expect: !x\n", FileError{Line: 4, Column: 9}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("x.yaml", []byte(head+tt.body))
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse = %v, want a *FileError", err)
			}
			got := FileError{Line: fe.Line, Column: fe.Column}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("position (-want +got):\n%s\nerror: %v", diff, err)
			}
			if fe.File != "x.yaml" || fe.Err == nil {
				t.Errorf("error %v: want the file and a reason", err)
			}
		})
	}
}
