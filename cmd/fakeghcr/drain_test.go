package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const drainWorld = `name: drain
description: drain
fix: none
owners:
  - {login: alice, type: user}
credentials:
  - {name: alice, secret: ghp_drain_alice, type: classic_pat, user: alice, scopes: ["write:packages", "read:packages"]}
`

// syncBuffer is a bytes.Buffer safe to write from serve and read after.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `fakeghcr serve` with the drain world and extra flags;
// stop cancels its context (SIGTERM in main) and returns its exit code.
func startServe(t *testing.T, flags ...string) (addr string, stderr *syncBuffer, stop func() int) {
	t.Helper()
	dir := t.TempDir()
	world, addrFile := filepath.Join(dir, "world.yaml"), filepath.Join(dir, "addr")
	if err := os.WriteFile(world, []byte(drainWorld), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &syncBuffer{}
	done := make(chan int, 1)
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--addr-file", addrFile, "--scenario", world, "--admin-token", "t"}, flags...)
	go func() { done <- run(ctx, args, func(string) string { return "" }, io.Discard, stderr) }()
	var once sync.Once
	code := 0
	stop = func() int {
		once.Do(func() {
			cancel()
			code = <-done
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return waitForFile(t, addrFile), stderr, stop
}

// TestShutdownDrainsThenCutsAndExitsZero: on SIGTERM, serve waits for
// requests in flight up to --shutdown-timeout, then cuts them, logs each
// one, and exits 0. (It used to exit 1 after 10 s, saying nothing about
// what it cut.)
func TestShutdownDrainsThenCutsAndExitsZero(t *testing.T) {
	t.Parallel()
	addr, stderr, stop := startServe(t, "--shutdown-timeout", "500ms")
	base := "http://" + addr
	// A transport of its own: a parallel test closing an httptest server
	// cuts http.DefaultClient's connections.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	req, _ := http.NewRequest(http.MethodGet, base+"/token?service=ghcr.io&scope=repository:alice/slow:pull,push", nil)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("alice:ghp_drain_alice")))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	// A slow monolithic upload: some bytes, then nothing for longer than
	// the drain allows.
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { _, _ = pw.Write(bytes.Repeat([]byte("x"), 1000)) }()
	req, _ = http.NewRequest(http.MethodPost, base+"/v2/alice/slow/blobs/uploads/?digest=sha256:"+strings.Repeat("0", 64), pr)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	uploadDone := make(chan error, 1)
	go func() {
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		uploadDone <- err
	}()
	time.Sleep(300 * time.Millisecond) // the server reads the first bytes

	start := time.Now()
	code := stop()
	took := time.Since(start)
	log := stderr.String()
	if code != 0 {
		t.Errorf("serve exited %d after SIGTERM with an upload in flight, want 0:\n%s", code, log)
	}
	if took > 5*time.Second {
		t.Errorf("shutdown took %v with --shutdown-timeout 500ms", took)
	}
	for _, want := range []string{"shutting down: draining requests in flight", `msg="shutdown: request cut" method=POST path=/v2/alice/slow/blobs/uploads/ running=`,
		"body_bytes_read=1000", "requests_cut=1"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	pw.Close() // the client's writer waits for its body to end
	select {
	case err := <-uploadDone:
		if err == nil {
			t.Error("the cut upload succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Error("the cut upload's client never got an error")
	}
}

// TestShutdownWithNothingInFlightIsQuiet: no request in flight, nothing cut.
func TestShutdownWithNothingInFlightIsQuiet(t *testing.T) {
	t.Parallel()
	_, stderr, stop := startServe(t)
	if code := stop(); code != 0 {
		t.Errorf("serve exited %d", code)
	}
	if log := stderr.String(); strings.Contains(log, "cut") || !strings.Contains(log, "shut down") {
		t.Errorf("log:\n%s", log)
	}
}

// TestIdleConnectionsAreClosed: a keep-alive connection left idle is
// closed after --idle-timeout (there was no idle timeout: idle
// connections lived forever).
func TestIdleConnectionsAreClosed(t *testing.T) {
	t.Parallel()
	addr, _, _ := startServe(t, "--idle-timeout", "300ms")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /_fakeghcr/healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		t.Fatal("the server closed the connection at once; want keep-alive")
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	_, err = br.ReadByte()
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("idle connection: read %v after %v, want it closed by the server within about 300ms", err, time.Since(start))
	}
}
