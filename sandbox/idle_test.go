//go:build linux

package sandbox_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/sandbox"
)

// idleEnv makes this binary, inside, send one keep-alive request to ghcr.io and report
// whether the server closed the idle connection within 3 s.
const idleEnv = "SANDBOX_TEST_IDLE"

func idleProbe() int {
	conn, err := tls.Dial("tcp", "ghcr.io:443", &tls.Config{ServerName: "ghcr.io"})
	if err != nil {
		fmt.Println("dial:", err)
		return 1
	}
	defer conn.Close()
	fmt.Fprint(conn, "GET /v2/ HTTP/1.1\r\nHost: ghcr.io\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		fmt.Println("response:", err)
		return 1
	}
	resp.Body.Close()
	start := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := br.ReadByte(); err != nil && !strings.Contains(err.Error(), "timeout") {
		fmt.Printf("closed after %s\n", time.Since(start).Round(100*time.Millisecond))
		return 0
	}
	fmt.Println("still open after 3s")
	return 0
}

// TestIdleTimeout: Config.IdleTimeout closes a keep-alive connection left idle (fakeghcr
// sandbox --idle-timeout sets it; it used to be accepted and ignored).
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	var stdout, stderr strings.Builder
	code, err := sandbox.Run(context.Background(), sandbox.Config{
		Command: []string{self(t)}, Handler: hello, IdleTimeout: 300 * time.Millisecond,
		Env:    append(os.Environ(), idleEnv+"=1"),
		Stdout: &stdout, Stderr: &stderr,
	})
	if err != nil || code != 0 {
		t.Fatalf("exit %d, %v\n%s%s", code, err, stdout.String(), stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "closed after ") {
		t.Errorf("inside: %q, want the idle connection closed", stdout.String())
	}
}
