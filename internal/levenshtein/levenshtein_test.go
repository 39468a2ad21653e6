package levenshtein

import (
	"strings"
	"testing"
)

func TestDistance(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 300)
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"ghcr.io", "ghcr.io", 0},
		{"ghrc.io", "ghcr.io", 2},
		{"gcr.io", "ghcr.io", 1},
		{"kitten", "sitting", 3},
		{"--scenaro", "--scenario", 1},
		{long, "a", 300},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%.10q, %.10q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := Distance(tc.b, tc.a); got != tc.want {
			t.Errorf("Distance(%.10q, %.10q) = %d, want %d (not symmetric)", tc.b, tc.a, got, tc.want)
		}
	}
}
