package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/registry"
)

// changeRecorder is an admin API that accepts every change and keeps it.
type changeRecorder struct {
	mu      sync.Mutex
	changes []registry.Change
}

func (c *changeRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var ch registry.Change
	if r.URL.Path != registry.AdminPrefix+"/changes" || json.NewDecoder(r.Body).Decode(&ch) != nil {
		http.Error(w, "unexpected request", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.changes = append(c.changes, ch)
	c.mu.Unlock()
	_, _ = w.Write([]byte(`{}`))
}

func boolPtr(b bool) *bool { return &b }

// TestArgs checks how arguments, flags and FAKEGHCR_* variables become
// changes: flags anywhere, the flag over its variable, and one-line usage
// errors (exit 2).
func TestArgs(t *testing.T) {
	t.Parallel()
	role := func(r string) []registry.Change {
		return []registry.Change{{Op: registry.OpSetActionsAccess, Package: "a", Repository: "b", Role: r}}
	}
	for _, tc := range []struct {
		name   string
		args   []string
		env    map[string]string
		want   []registry.Change
		code   int
		stderr string // the whole of stderr, when the code is not 0
	}{
		{name: "flags last", args: []string{"access", "add", "a", "b", "--role", "write"}, want: role("write")},
		{name: "flags first", args: []string{"access", "add", "--role=read", "a", "b"}, want: role("read")},
		{name: "flags between", args: []string{"access", "add", "a", "--role", "admin", "b"}, want: role("admin")},
		{name: "double dash", args: []string{"access", "add", "--role", "write", "--", "a", "b"}, want: role("write")},
		{name: "variable fills", args: []string{"access", "add", "a", "b"}, env: map[string]string{"FAKEGHCR_ROLE": "read"}, want: role("read")},
		{name: "flag beats variable", args: []string{"access", "add", "a", "b", "--role", "write"}, env: map[string]string{"FAKEGHCR_ROLE": "read"}, want: role("write")},
		{name: "bool flag alone", args: []string{"package", "set", "--inherit", "a"},
			want: []registry.Change{{Op: registry.OpSetInheritAccess, Package: "a", Inherit: boolPtr(true)}}},
		{name: "bool flag false", args: []string{"package", "set", "a", "--inherit=false"},
			want: []registry.Change{{Op: registry.OpSetInheritAccess, Package: "a", Inherit: boolPtr(false)}}},
		{name: "bool from variable", args: []string{"package", "set", "a"}, env: map[string]string{"FAKEGHCR_INHERIT": "false"},
			want: []registry.Change{{Op: registry.OpSetInheritAccess, Package: "a", Inherit: boolPtr(false)}}},
		{name: "changes in order", args: []string{"package", "set", "a", "--visibility", "public", "--link", "b", "--inherit"},
			want: []registry.Change{
				{Op: registry.OpLinkRepository, Package: "a", Repository: "b"},
				{Op: registry.OpSetInheritAccess, Package: "a", Inherit: boolPtr(true)},
				{Op: registry.OpSetVisibility, Package: "a", Visibility: "public"},
			}},
		{name: "scopes", args: []string{"credential", "add", "--name", "n", "--secret", "s", "--type", "classic_pat", "--scopes", "write:packages, read:packages,"},
			want: []registry.Change{{Op: registry.OpAddCredential, Credential: &registry.CredentialSpec{Name: "n", Secret: "s", Type: "classic_pat", Scopes: []string{"write:packages", "read:packages"}}}}},

		{name: "unknown flag", args: []string{"access", "add", "a", "b", "--nope"}, code: 2,
			stderr: "fakeghcr access add: unknown flag --nope (see 'fakeghcr access add --help')\n"},
		{name: "flag typo", args: []string{"access", "add", "a", "b", "--rol", "write"}, code: 2,
			stderr: "fakeghcr access add: unknown flag --rol (did you mean --role?)\n"},
		{name: "single dash", args: []string{"access", "add", "a", "-role", "admin", "b"}, code: 2,
			stderr: "fakeghcr access add: -role: flags take two dashes: --role\n"},
		{name: "missing flag value", args: []string{"access", "add", "a", "b", "--role"}, code: 2,
			stderr: "fakeghcr access add: flag needs an argument: --role\n"},
		{name: "duration without unit", args: []string{"serve", "--upload-ttl", "10"}, code: 2,
			stderr: "fakeghcr serve: --upload-ttl \"10\": want a duration with a unit, such as 10m, 30s or 1h30m\n"},
		{name: "duration variable without unit", args: []string{"serve"}, env: map[string]string{"FAKEGHCR_UPLOAD_TTL": "10"}, code: 2,
			stderr: "fakeghcr serve: FAKEGHCR_UPLOAD_TTL=\"10\": want a duration with a unit, such as 10m, 30s or 1h30m\n"},
		{name: "not a number", args: []string{"explain", "-n", "many"}, code: 2,
			stderr: "fakeghcr explain: --n \"many\": want a whole number\n"},
		{name: "not a bool", args: []string{"package", "set", "a", "--inherit=maybe"}, code: 2,
			stderr: "fakeghcr package set: --inherit \"maybe\": want true or false\n"},
		{name: "unexpected argument", args: []string{"serve", "now"}, code: 2,
			stderr: "fakeghcr serve: unexpected argument \"now\"\n"},
		{name: "too few arguments", args: []string{"access", "add", "a", "--role", "write"}, code: 2,
			stderr: "fakeghcr access add: want 2 argument(s): PACKAGE REPOSITORY; got 1\n"},
		{name: "missing required flag", args: []string{"access", "add", "a", "b"}, code: 2,
			stderr: "fakeghcr access add: --role is required (read, write or admin)\n"},
		{name: "unknown command", args: []string{"serv"}, code: 2,
			stderr: "fakeghcr: unknown command \"serv\"; did you mean serve?\n"},
		{name: "unknown command far from any", args: []string{"frobnicate"}, code: 2,
			stderr: "fakeghcr: unknown command \"frobnicate\" (see 'fakeghcr --help')\n"},
		{name: "unknown verb", args: []string{"access", "ad", "a", "b"}, code: 2,
			stderr: "fakeghcr access: unknown verb \"ad\"; did you mean add?\n"},
		{name: "unknown verb with flags", args: []string{"access", "ad", "a", "b", "--role", "write"}, code: 2,
			stderr: "fakeghcr access: unknown verb \"ad\"; did you mean add?\n"},
		{name: "unknown command with flags", args: []string{"acess", "add", "--role", "write"}, code: 2,
			stderr: "fakeghcr: unknown command \"acess\"; did you mean access?\n"},
		{name: "unknown flag of the root", args: []string{"--nope"}, code: 2,
			stderr: "fakeghcr: unknown flag --nope (see 'fakeghcr --help')\n"},
		{name: "unknown flag of a group", args: []string{"access", "--nope"}, code: 2,
			stderr: "fakeghcr access: unknown flag --nope (see 'fakeghcr access --help')\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &changeRecorder{}
			hs := httptest.NewServer(rec)
			t.Cleanup(hs.Close)
			env := map[string]string{"FAKEGHCR_SERVER": hs.URL, "FAKEGHCR_ADMIN_TOKEN": "t"}
			for k, v := range tc.env {
				env[k] = v
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, func(k string) string { return env[k] }, &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, tc.code, stderr.String())
			}
			if tc.code != 0 {
				if diff := cmp.Diff(tc.stderr, stderr.String()); diff != "" {
					t.Errorf("stderr (-want +got):\n%s", diff)
				}
				if len(rec.changes) > 0 {
					t.Errorf("a usage error sent changes: %+v", rec.changes)
				}
				return
			}
			if diff := cmp.Diff(tc.want, rec.changes); diff != "" {
				t.Errorf("changes sent (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHelpAndUsage: help goes to stdout with exit 0; a missing command or
// verb prints the usage to stderr with exit 2.
func TestHelpAndUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args       []string
		code       int
		stdoutHas  string
		stderrHas  string
		emptyOther bool
	}{
		{args: nil, code: 2, stderrHas: "Usage:\n  fakeghcr [command]\n\nRun and inspect:"},
		{args: []string{"--help"}, code: 0, stdoutHas: "Change a running server's world"},
		{args: []string{"help"}, code: 0, stdoutHas: "Run and inspect:"},
		{args: []string{"help", "serve"}, code: 0, stdoutHas: "--upload-ttl duration"},
		{args: []string{"serve", "-h"}, code: 0, stdoutHas: "[FAKEGHCR_UPLOAD_TTL]"},
		{args: []string{"access"}, code: 2, stderrHas: "fakeghcr access [command]"},
		{args: []string{"access", "help"}, code: 0, stdoutHas: "remove"},
		{args: []string{"access", "add", "--help"}, code: 0, stdoutHas: "fakeghcr access add PACKAGE REPOSITORY [flags]"},
		{args: []string{"completion", "bash"}, code: 0, stdoutHas: "bash completion V2 for fakeghcr"},
		{args: []string{"completion", "zsh"}, code: 0, stdoutHas: "#compdef fakeghcr"},
		{args: []string{"completion", "fish"}, code: 0, stdoutHas: "fish completion for fakeghcr"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, func(string) string { return "" }, &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.stdoutHas) || !strings.Contains(stderr.String(), tc.stderrHas) {
				t.Errorf("stdout %q\nstderr %q\nwant stdout with %q, stderr with %q", stdout.String(), stderr.String(), tc.stdoutHas, tc.stderrHas)
			}
			if (tc.code == 0 && stderr.Len() > 0) || (tc.code != 0 && stdout.Len() > 0) {
				t.Errorf("output on the wrong stream: stdout %q stderr %q", stdout.String(), stderr.String())
			}
		})
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"The happy path: the first push.", "The happy path: the first push."},
		{strings.Repeat("word ", 30), strings.TrimSpace(strings.Repeat("word ", 18)) + " ..."},
		{"One sentence. Two.", "One sentence."},
		{"Wrapped\nline one. Then more.\n\nSecond paragraph.", "Wrapped line one."},
		{"", ""},
	} {
		if got := summary(tc.in); got != tc.want {
			t.Errorf("summary(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
