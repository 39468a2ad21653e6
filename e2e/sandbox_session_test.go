//go:build linux

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// sandboxSession is one `fakeghcr sandbox` whose command is sandboxrelay: the test runs
// clients inside it through the relay's socket, and reaches fakeghcr's registry and admin API
// from outside through --admin-addr.
type sandboxSession struct {
	admin      string // http://127.0.0.1:PORT, the --admin-addr
	adminToken string
	socket     string
	relay      *http.Client
	cmd        *exec.Cmd
	output     bytes.Buffer // fakeghcr sandbox's stdout and stderr
	done       chan error
	stopped    bool // stop ran
	code       int  // fakeghcr sandbox's exit code, once stopped

	// buildkitd inside, started once by sandboxBuildkitd.
	dir    string // short: for sockets
	bkOnce sync.Once
	bkAddr string
	bkErr  error
}

// startSandbox starts `fakeghcr sandbox --scenario SCENARIO [flags] -- sandboxrelay SOCKET`
// and waits until the relay answers. It is stopped (and its exit checked) by stop, or when the
// test ends.
func startSandbox(t *testing.T, scenario string, flags ...string) *sandboxSession {
	t.Helper()
	if fakeghcr.err != nil {
		t.Fatalf("fakeghcr binary not available: %v", fakeghcr.err)
	}
	relay := builtProgram(t, "sandboxrelay")
	abs, err := filepath.Abs(scenario)
	if err != nil {
		t.Fatal(err)
	}
	// A short directory: the socket path must stay under 108 bytes.
	dir, err := os.MkdirTemp("", "sbx-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &sandboxSession{
		adminToken: "e2e-sandbox-admin",
		socket:     filepath.Join(dir, "relay.sock"),
		dir:        dir,
		done:       make(chan error, 1),
	}
	s.relay = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", s.socket)
		},
	}}
	addrFile := filepath.Join(dir, "admin-addr")
	args := append([]string{"sandbox",
		"--scenario", abs,
		"--admin-token", s.adminToken,
		"--admin-addr", "127.0.0.1:0",
		"--addr-file", addrFile,
	}, flags...)
	args = append(args, "--", relay, s.socket)
	s.cmd = exec.Command(fakeghcr.path, args...)
	s.cmd.Env = cleanEnv()
	// One writer for both: exec.Cmd then shares one pipe, and one goroutine writes.
	s.cmd.Stdout, s.cmd.Stderr = &s.output, &s.output
	t.Logf("$ fakeghcr %s", strings.Join(args, " "))
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting fakeghcr sandbox: %v", err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		// Not s.cmd.ProcessState: the goroutine waiting for the process writes it.
		if !s.stopped && s.admin != "" {
			s.stop(t, 0)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, err := os.ReadFile(addrFile)
		// The relay is ready when it accepts a connection (its socket file exists a moment before).
		conn, cerr := net.Dial("unix", s.socket)
		if cerr == nil {
			conn.Close()
		}
		if err == nil && cerr == nil && strings.HasSuffix(string(b), "\n") {
			s.admin = "http://" + strings.TrimSpace(string(b))
			break
		}
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("fakeghcr sandbox exited: %v\n%s", err, s.output.String())
		default:
		}
		if time.Now().After(deadline) {
			_ = s.cmd.Process.Kill()
			<-s.done
			t.Fatalf("fakeghcr sandbox not ready after 60s\n%s", s.output.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s
}

// relayRequest is sandboxrelay's request and answer.
type relayRequest struct {
	Argv  []string `json:"argv"`
	Env   []string `json:"env,omitempty"`
	Dir   string   `json:"dir,omitempty"`
	Stdin string   `json:"stdin,omitempty"`
	Log   string   `json:"log,omitempty"`
	Tee   string   `json:"tee,omitempty"`
}

type relayAnswer struct {
	Stdout, Stderr string
	Code           int
	Error          string
	Pid            int
}

func (s *sandboxSession) post(path string, req any, timeout time.Duration) (relayAnswer, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return relayAnswer{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://relay"+path, bytes.NewReader(body))
	if err != nil {
		return relayAnswer{}, err
	}
	resp, err := s.relay.Do(hr)
	if err != nil {
		return relayAnswer{}, err
	}
	defer resp.Body.Close()
	var a relayAnswer
	if resp.StatusCode != http.StatusOK {
		return a, fmt.Errorf("relay %s: %s", path, resp.Status)
	}
	return a, json.NewDecoder(resp.Body).Decode(&a)
}

// run runs a command inside the sandbox, with env added to the sandbox's environment.
func (s *sandboxSession) run(t testing.TB, cm command, name string, args ...string) runResult {
	t.Helper()
	a, err := s.post("/run", relayRequest{Argv: append([]string{name}, args...), Env: cm.env, Dir: cm.dir, Stdin: cm.stdin, Tee: cm.tee}, commandTimeout)
	r := runResult{Stdout: a.Stdout, Stderr: a.Stderr, Code: a.Code, Err: err}
	if err == nil && a.Error != "" {
		r.Err, r.Code = errors.New(a.Error), -1
	}
	if err != nil {
		r.Code = -1
	}
	t.Logf("[sandbox] $ %s %s\nexit %d %v\n%s", filepath.Base(name), strings.Join(redact(args), " "), r.Code, r.Err, indent(r.Output()))
	return r
}

// start starts a daemon inside the sandbox; the relay stops it when the sandbox ends.
func (s *sandboxSession) start(t testing.TB, log string, env []string, name string, args ...string) {
	t.Helper()
	a, err := s.post("/start", relayRequest{Argv: append([]string{name}, args...), Env: env, Log: log}, 10*time.Second)
	if err == nil && a.Error != "" {
		err = errors.New(a.Error)
	}
	if err != nil {
		t.Fatalf("starting %s inside the sandbox: %v", name, err)
	}
}

// stop makes the relay exit with code and waits for fakeghcr sandbox, which returns that code.
func (s *sandboxSession) stop(t testing.TB, code int) {
	t.Helper()
	s.stopped = true
	if _, err := s.post("/exit", map[string]int{"code": code}, 10*time.Second); err != nil {
		t.Errorf("stopping the relay: %v", err)
	}
	select {
	case <-s.done:
	case <-time.After(60 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		t.Errorf("fakeghcr sandbox did not end 60s after its command; killed\n%s", s.output.String())
	}
	s.code = s.cmd.ProcessState.ExitCode()
}

// adminCLI runs a fakeghcr admin command against the sandbox's --admin-addr, from outside.
func (s *sandboxSession) adminCLI(t testing.TB, args ...string) runResult {
	t.Helper()
	return runIn(t, []string{"FAKEGHCR_SERVER=" + s.admin, "FAKEGHCR_ADMIN_TOKEN=" + s.adminToken}, "", fakeghcr.path, args...)
}
