package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Secrets of the credentials in testdata/seed.yaml.
const (
	workflowToken = "ghs_e2e_workflow" // GITHUB_TOKEN of acme/api, packages: write
	aliceToken    = "ghp_e2e_alice"    // classic PAT of alice (owner of acme), write:packages
	wrongPassword = "ghp_e2e_wrong"
)

// server is one running fakeghcr process.
type server struct {
	URL        string // http://127.0.0.1:PORT, no trailing slash
	Host       string // 127.0.0.1:PORT
	adminToken string
	cmd        *exec.Cmd
	logPath    string
	done       chan error // receives cmd.Wait's result once
	stopped    bool       // stop ran
}

// startServer starts `fakeghcr serve` with the scenario file (relative to this directory or a
// built-in name), waits until it is healthy and stops it when the test ends.
func startServer(t *testing.T, scenario string) *server {
	t.Helper()
	if fakeghcr.err != nil {
		t.Fatalf("fakeghcr binary not available: %v", fakeghcr.err)
	}
	if _, err := os.Stat(scenario); err == nil {
		abs, err := filepath.Abs(scenario)
		if err != nil {
			t.Fatal(err)
		}
		scenario = abs
	}
	dir := t.TempDir()
	s := &server{
		adminToken: "e2e-admin-" + strings.ReplaceAll(t.Name(), "/", "-"),
		logPath:    filepath.Join(dir, "fakeghcr.log"),
		done:       make(chan error, 1),
	}
	addrFile := filepath.Join(dir, "addr")
	logFile, err := os.Create(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	s.cmd = exec.Command(fakeghcr.path, "serve",
		"--addr", "127.0.0.1:0",
		"--addr-file", addrFile,
		"--scenario", scenario,
		"--admin-token", s.adminToken)
	s.cmd.Stdout = logFile
	s.cmd.Stderr = logFile
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting fakeghcr: %v", err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() { s.stop(t) })

	addr, err := s.waitAddr(addrFile, 20*time.Second)
	if err != nil {
		t.Fatalf("fakeghcr did not start: %v\n%s", err, s.logTail())
	}
	s.Host = addr
	s.URL = "http://" + addr
	if err := s.waitHealthy(10 * time.Second); err != nil {
		t.Fatalf("fakeghcr at %s is not healthy: %v\n%s", s.URL, err, s.logTail())
	}
	return s
}

// waitAddr polls the addr file until the server wrote its listening address into it.
func (s *server) waitAddr(path string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		// fakeghcr writes the address and a newline: without the newline, the file may hold
		// part of the address.
		if b, err := os.ReadFile(path); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			addr := strings.TrimSpace(string(b))
			addr = strings.TrimPrefix(addr, "http://")
			addr = strings.TrimSuffix(addr, "/")
			if addr != "" && !strings.HasSuffix(addr, ":0") {
				return addr, nil
			}
		}
		select {
		case err := <-s.done:
			s.done <- err // keep it for stop
			return "", fmt.Errorf("fakeghcr exited early: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no address in %s after %s", path, timeout)
		}
	}
}

func (s *server) waitHealthy(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last error
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/_fakeghcr/healthz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("healthz: %s", resp.Status)
		}
		last = err
		select {
		case <-ctx.Done():
			return last
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM to the server's pid, waits for it (then kills it) and logs the server's
// output when the test failed. Once it returns, the log is complete. Later calls do nothing.
func (s *server) stop(t *testing.T) {
	if s.stopped {
		return
	}
	s.stopped = true
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-s.done:
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Errorf("fakeghcr: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("fakeghcr (pid %d) ignored SIGTERM for 10s; killing it", s.cmd.Process.Pid)
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	}
	if b, err := os.ReadFile(s.logPath); err == nil && bytes.Contains(b, []byte("WARNING: DATA RACE")) {
		t.Errorf("fakeghcr reported a data race")
	}
	if t.Failed() {
		t.Logf("fakeghcr output:\n%s", s.logTail())
	}
}

// logTail returns the last part of the server's output.
func (s *server) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return err.Error()
	}
	const max = 16 << 10
	if len(b) > max {
		b = append([]byte("...\n"), b[len(b)-max:]...)
	}
	return string(b)
}

// change applies one change through the admin API (POST /_fakeghcr/changes).
func (s *server) change(t *testing.T, change map[string]string) {
	t.Helper()
	body, err := json.Marshal(change)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/_fakeghcr/changes", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /_fakeghcr/changes: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /_fakeghcr/changes %s: %s %s", body, resp.Status, b)
	}
}

// grantWorkflowWrite is the seed case's fix: give the acme/api repository's Actions write
// access to the acme/api package ("Manage Actions access", role Write).
func (s *server) grantWorkflowWrite(t *testing.T) {
	t.Helper()
	s.change(t, map[string]string{
		"op":         "set_actions_access",
		"package":    "acme/api",
		"repository": "acme/api",
		"role":       "write",
	})
}
