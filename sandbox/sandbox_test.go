//go:build linux

package sandbox_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/sandbox"
)

// Modes of this test binary when it runs as a client inside a sandbox.
const (
	getEnv  = "SANDBOX_TEST_GET"  // GET the URL, print the body
	dialEnv = "SANDBOX_TEST_DIAL" // dial each comma-separated address, print ok or the error
	// nonRootEnv marks the run of this binary as nobody (TestAsNobody).
	nonRootEnv = "SANDBOX_TEST_NONROOT"
)

func TestMain(m *testing.M) {
	if sandbox.IsChild() {
		sandbox.ChildMain()
	}
	if url := os.Getenv(getEnv); url != "" {
		os.Exit(goGet(url))
	}
	if os.Getenv(idleEnv) == "1" {
		os.Exit(idleProbe())
	}
	if os.Getenv(holdEnv) == "1" {
		hold()
	}
	if os.Getenv(attemptEnv) == "1" {
		tryAll()
		os.Exit(0)
	}
	if addrs := os.Getenv(dialEnv); addrs != "" {
		dialAll(strings.Split(addrs, ","))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// goGet is a Go client with the system's trust store, as Go tools have.
func goGet(url string) int {
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer resp.Body.Close()
	_, _ = io.Copy(os.Stdout, resp.Body)
	return 0
}

// dialAll prints one line per address: "ADDR ok" or "ADDR fail".
func dialAll(addrs []string) {
	for _, a := range addrs {
		var err error
		if host, ok := strings.CutPrefix(a, "dns:"); ok {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			var ips []string
			ips, err = net.DefaultResolver.LookupHost(ctx, host)
			cancel()
			if err == nil {
				fmt.Printf("%s ok %s\n", a, strings.Join(ips, " "))
				continue
			}
		} else {
			network, addr := "tcp", a
			if path, ok := strings.CutPrefix(a, "unix:"); ok {
				network, addr = "unix", path
			}
			var c net.Conn
			c, err = net.DialTimeout(network, addr, 3*time.Second)
			if err == nil {
				c.Close()
			}
		}
		if err != nil {
			fmt.Printf("%s fail\n", a)
			fmt.Fprintf(os.Stderr, "%s: %v\n", a, err)
			continue
		}
		fmt.Printf("%s ok\n", a)
	}
}

// hello answers every request with its host and path.
var hello = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "hello from %s%s", r.Host, r.URL.Path)
})

// run runs command in a sandbox serving handler and returns its exit code and output.
func run(t *testing.T, handler http.Handler, env []string, command ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := sandbox.Config{
		Command: command,
		Handler: handler,
		Stdout:  &stdout,
		Stderr:  &stderr,
		Started: func(info sandbox.Info) {
			if os.Getenv(nonRootEnv) == "1" && !info.UserNamespace {
				t.Errorf("running as uid %d: want a user namespace", os.Getuid())
			}
		},
	}
	if env != nil {
		cfg.Env = append(os.Environ(), env...)
	}
	code, err := sandbox.Run(ctx, cfg)
	if err != nil {
		t.Fatalf("sandbox.Run(%q): %v\nstderr:\n%s", command, err, stderr.String())
	}
	return code, stdout.String(), stderr.String()
}

func self(t *testing.T) string {
	t.Helper()
	p, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestServesHostsOverTLS(t *testing.T) {
	t.Parallel()
	want := "hello from ghcr.io/v2/"
	tests := []struct {
		name    string
		tool    string // must be installed
		env     []string
		command []string
	}{
		{"curl", "curl", nil, []string{"curl", "-sS", "https://ghcr.io/v2/"}},
		{"go", "", []string{getEnv + "=https://ghcr.io/v2/"}, []string{self(t)}},
		{"python", "python3", nil, []string{"python3", "-c",
			"import sys,urllib.request; sys.stdout.write(urllib.request.urlopen('https://ghcr.io/v2/').read().decode())"}},
		{"node", "node", nil, []string{"node", "-e",
			"require('https').get('https://ghcr.io/v2/', r => r.pipe(process.stdout)).on('error', e => { console.error(e.message); process.exit(1) })"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.tool != "" {
				if _, err := exec.LookPath(tc.tool); err != nil {
					t.Skipf("%s is not installed", tc.tool)
				}
			}
			code, stdout, stderr := run(t, hello, tc.env, tc.command...)
			if code != 0 || stdout != want {
				t.Errorf("%s: exit %d, stdout %q, want exit 0 and %q\nstderr:\n%s", tc.name, code, stdout, want, stderr)
			}
		})
	}
}

func TestExitStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		script string
		want   int
	}{
		{"exit 0", 0},
		{"exit 3", 3},
		{"kill -TERM $$", 128 + 15},
	}
	for _, tc := range tests {
		t.Run(tc.script, func(t *testing.T) {
			t.Parallel()
			if code, _, stderr := run(t, hello, nil, "sh", "-c", tc.script); code != tc.want {
				t.Errorf("sh -c %q: exit %d, want %d\nstderr:\n%s", tc.script, code, tc.want, stderr)
			}
		})
	}
}

func TestCommandErrors(t *testing.T) {
	t.Parallel()
	notExecutable := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(notExecutable, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     sandbox.Config
		wantErr string
	}{
		{"not found", sandbox.Config{Command: []string{"no-such-command-xyz"}, Handler: hello}, "no-such-command-xyz: command not found in the PATH"},
		{"not executable", sandbox.Config{Command: []string{notExecutable}, Handler: hello}, "executing " + notExecutable + ": permission denied"},
		{"bad dir", sandbox.Config{Command: []string{"true"}, Dir: "/no/such/dir", Handler: hello}, "chdir /no/such/dir: no such file or directory"},
		{"no command", sandbox.Config{Handler: hello}, "sandbox: no command to run"},
		{"no handler", sandbox.Config{Command: []string{"true"}}, "sandbox: no handler to serve"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, err := sandbox.Run(context.Background(), tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Run: exit %d, error %v, want an error containing %q", code, err, tc.wantErr)
			}
		})
	}
}

func TestCancelStopsTheCommand(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	go func() {
		<-started
		cancel()
	}()
	code, err := sandbox.Run(ctx, sandbox.Config{
		Command: []string{"sleep", "60"},
		Handler: hello,
		Started: func(sandbox.Info) { close(started) },
	})
	if err != nil || code != 128+15 {
		t.Errorf("Run: exit %d, error %v; want 143 (SIGTERM), no error", code, err)
	}
}
