package main

import (
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
)

// configRow is a row of the README's Configuration table: | `--flag`, `--flag` | default | ... |
var configRow = regexp.MustCompile("^\\| (`--[a-z-]+`(?:, `--[a-z-]+`)*) \\|([^|]*)\\|")

// TestREADMEConfigurationTable: the README's table names every serve flag
// once, no other, and a default written as code is the flag's default.
func TestREADMEConfigurationTable(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defaults := map[string]string{}
	var documented []string
	for line := range strings.Lines(string(data)) {
		m := configRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for name := range strings.SplitSeq(m[1], ", ") {
			name = strings.Trim(name, "`-")
			documented = append(documented, name)
			if d := strings.TrimSpace(m[2]); strings.HasPrefix(d, "`") && strings.HasSuffix(d, "`") {
				defaults[name] = strings.Trim(d, "`")
			}
		}
	}

	serve := newServeCmd(&cliEnv{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard})
	var flags []string
	serve.Flags().VisitAll(func(f *pflag.Flag) {
		flags = append(flags, f.Name)
		want, ok := defaults[f.Name]
		if !ok {
			return
		}
		if !sameDefault(f, want) {
			t.Errorf("README says --%s defaults to %q; the flag's default is %q", f.Name, want, f.DefValue)
		}
	})
	slices.Sort(flags)
	slices.Sort(documented)
	if diff := cmp.Diff(flags, documented); diff != "" {
		t.Errorf("README Configuration table vs fakeghcr serve's flags (-flags +README):\n%s", diff)
	}
}

// sameDefault compares durations by value (10m is 10m0s).
func sameDefault(f *pflag.Flag, documented string) bool {
	if f.Value.Type() == "duration" {
		a, errA := time.ParseDuration(f.DefValue)
		b, errB := time.ParseDuration(documented)
		return errA == nil && errB == nil && a == b
	}
	return f.DefValue == documented
}

// TestREADMEFirstScreen: the README's first code block is the whole
// set-up, two commands: run the server, run the tests.
func TestREADMEFirstScreen(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "```sh\n")
	block, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("README.md has no ```sh block")
	}
	var commands []string
	for line := range strings.Lines(block) {
		cmd, _, _ := strings.Cut(line, "#")
		if cmd = strings.TrimSpace(cmd); cmd != "" {
			commands = append(commands, cmd)
		}
	}
	want := []string{"go run ./cmd/fakeghcr serve", "go test -race ./..."}
	if diff := cmp.Diff(want, commands); diff != "" {
		t.Errorf("README's first commands (-want +got):\n%s", diff)
	}
}
