package main

import (
	"os"
	"strings"
	"testing"
)

// TestDocsSayDataIsLostOnRestart: the README, the compose file and the
// compose example say in plain words that nothing survives a restart.
func TestDocsSayDataIsLostOnRestart(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"../../README.md", "../../docker-compose.yml", "../../examples/compose/README.md"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.ToLower(string(b)), "all data is lost on restart") {
			t.Errorf("%s does not say that all data is lost on restart", path)
		}
	}
}
