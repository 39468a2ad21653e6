package scenarios_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/faults"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

func TestParseFaults(t *testing.T) {
	t.Parallel()
	const file = `name: faulty
faults:
  - {status: 429, method: POST, times: 2}
  - {lag: 2s, path: "/v2/*/manifests/*", id: lag}
  - {reset_after: 1MiB, path: "/v2/*/blobs/uploads/*"}
`
	sc, err := scenarios.Parse("faulty.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	want := []faults.Rule{
		{Status: 429, Method: "POST", Times: 2},
		{ID: "lag", Lag: faults.Duration(2 * time.Second), Path: "/v2/*/manifests/*"},
		{ResetAfter: 1 << 20, Path: "/v2/*/blobs/uploads/*"},
	}
	if diff := cmp.Diff(want, sc.Faults); diff != "" {
		t.Errorf("faults (-want +got):\n%s", diff)
	}
}

func TestParseFaultsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, faults, want string }{
		{"bad status", "  - {status: 404}", "faulty.yaml:3:5: faults[0]: invalid fault: status 404: must be one of [429 500 502 503 504]"},
		{"bad duration", "  - {lag: soon}", "faults[0].lag: \"soon\": want a duration such as 2s or 150ms"},
		{"bad size", "  - {reset_after: lots}", "faults[0].reset_after: \"lots\": want a size such as 512, 64KiB or 1MiB"},
		{"duplicate id", "  - {status: 429, id: a}\n  - {status: 503, id: a}", "faults[1].id: \"a\" is already the id of another fault"},
		{"unknown key", "  - {status: 429, retries: 3}", "unknown field \"retries\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := scenarios.Parse("faulty.yaml", []byte("name: faulty\nfaults:\n"+tt.faults+"\n"))
			var fe *scenarios.FileError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
