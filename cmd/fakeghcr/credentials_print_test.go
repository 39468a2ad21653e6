package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServePrintsCredentialsOfEveryScenario: serve prints the credentials
// of whatever world it loads, built-in or file; a file's secret shaped like
// a real GitHub token is named but not printed.
func TestServePrintsCredentialsOfEveryScenario(t *testing.T) {
	real := "ghp_" + strings.Repeat("A1b2C3d4E5", 4) // 44 characters, a token's shape
	file := filepath.Join(t.TempDir(), "mine.yaml")
	world := `name: mine
owners:
  - {login: alice, type: user}
credentials:
  - {name: demo, secret: ghp_made_up, type: classic_pat, user: alice, scopes: ["write:packages"]}
  - {name: real, secret: ` + real + `, type: classic_pat, user: alice, scopes: ["read:packages"]}
`
	if err := os.WriteFile(file, []byte(world), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		scenario   string
		want, hide []string
	}{
		{"", []string{"credentials of scenario default", "ghs_demo_workflow", "ghp_demo_alice"}, nil},
		{"package-cleanup", []string{"credentials of scenario package-cleanup", "ghp_demo_cleanup_alice", "delete:packages"}, nil},
		{"classic-pat-missing-write-packages", []string{"credentials of scenario classic-pat-missing-write-packages"}, nil},
		{file, []string{"credentials of scenario mine", "ghp_made_up", "real", "(not printed)"}, []string{real}},
	} {
		sc, err := loadScenario(tc.scenario)
		if err != nil {
			t.Fatalf("%q: %v", tc.scenario, err)
		}
		var out bytes.Buffer
		printCredentials(&cliEnv{stdout: &out}, sc, scenarioFile(tc.scenario))
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%q: output lacks %q:\n%s", tc.scenario, w, out.String())
			}
		}
		for _, h := range tc.hide {
			if strings.Contains(out.String(), h) {
				t.Errorf("%q: output prints %q:\n%s", tc.scenario, h, out.String())
			}
		}
		for _, c := range sc.World.Credentials {
			if !strings.Contains(out.String(), "  "+c.Name+" ") {
				t.Errorf("%q: credential %s not listed:\n%s", tc.scenario, c.Name, out.String())
			}
		}
	}
}
