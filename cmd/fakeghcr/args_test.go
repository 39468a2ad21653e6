package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseArgs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		args     []string
		env      map[string]string
		wantPos  []string
		wantRole string
		wantBool optBool
		wantCode int
	}{
		{name: "flags last", args: []string{"a", "b", "--role", "write"}, wantPos: []string{"a", "b"}, wantRole: "write", wantCode: -1},
		{name: "flags first", args: []string{"--role=read", "a", "b"}, wantPos: []string{"a", "b"}, wantRole: "read", wantCode: -1},
		{name: "flags between", args: []string{"a", "-role", "admin", "b"}, wantPos: []string{"a", "b"}, wantRole: "admin", wantCode: -1},
		{name: "bool takes no value", args: []string{"--inherit", "a"}, wantPos: []string{"a"}, wantBool: optBool{set: true, value: true}, wantCode: -1},
		{name: "bool with value", args: []string{"a", "--inherit=false"}, wantPos: []string{"a"}, wantBool: optBool{set: true}, wantCode: -1},
		{name: "double dash", args: []string{"--", "--role", "x"}, wantPos: []string{"--role", "x"}, wantCode: -1},
		{name: "env fills", args: []string{"a"}, env: map[string]string{"FAKEGHCR_ROLE": "read"}, wantPos: []string{"a"}, wantRole: "read", wantCode: -1},
		{name: "flag beats env", args: []string{"a", "--role", "write"}, env: map[string]string{"FAKEGHCR_ROLE": "read"}, wantPos: []string{"a"}, wantRole: "write", wantCode: -1},
		{name: "unknown flag", args: []string{"a", "--nope"}, wantCode: 2},
		{name: "help", args: []string{"-h"}, wantCode: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			env := &cliEnv{getenv: func(k string) string { return tc.env[k] }, stdout: &out, stderr: &out}
			fs := newFlagSet(env, "test", "a test")
			role := fs.String("role", "", "role")
			var inherit optBool
			fs.Var(&inherit, "inherit", "inherit")
			pos, code := parseArgs(fs, env, tc.args)
			if code != tc.wantCode {
				t.Fatalf("code %d, want %d\n%s", code, tc.wantCode, out.String())
			}
			if code >= 0 {
				return
			}
			if diff := cmp.Diff(tc.wantPos, pos); diff != "" {
				t.Errorf("positional (-want +got):\n%s", diff)
			}
			if *role != tc.wantRole || inherit != tc.wantBool {
				t.Errorf("role %q inherit %+v, want %q %+v", *role, inherit, tc.wantRole, tc.wantBool)
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
