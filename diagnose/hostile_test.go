package diagnose_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/diagnose"
)

// TestSizeCap: a log over the cap is refused with the line and the limit.
func TestSizeCap(t *testing.T) {
	t.Parallel()
	log := strings.Repeat("denied: permission_denied: write_package\n", 100)
	_, err := diagnose.Read(strings.NewReader(log), diagnose.Options{MaxBytes: 1000})
	var se *diagnose.SizeError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a SizeError", err)
	}
	if se.Line != 25 || se.Limit != 1000 || !strings.Contains(err.Error(), "--max-bytes") {
		t.Errorf("SizeError = %+v (%v), want line 25, limit 1000, naming --max-bytes", se, err)
	}
}

// TestRepeatedFailuresGrouped: the same failure printed many times, and
// many distinct ones, give a bounded result.
func TestRepeatedFailuresGrouped(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := 0; i < 3000; i++ {
		b.WriteString("Error: POST https://ghcr.io/v2/acme/app")
		b.WriteString(strings.Repeat("x", i%2000))
		b.WriteString("/blobs/uploads/: DENIED: permission_denied: write_package\n")
	}
	res, err := diagnose.Read(strings.NewReader(b.String()), diagnose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) != 1000 || res.Omitted != 1000 {
		t.Errorf("%d failures, %d omitted; want 1000 listed and 1000 omitted (2000 distinct)", len(res.Failures), res.Omitted)
	}
}
