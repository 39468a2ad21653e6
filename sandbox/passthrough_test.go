//go:build linux

package sandbox_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/sandbox"
)

// TestPassThrough: a server on the host's loopback (the stand-in for the
// internet, named internet.test by the proxy's dialer outside) is reached
// from inside only through the sandbox's proxy, over a plain forward and a
// CONNECT tunnel; ghcr.io through the same proxy is still the handler; the
// same requests fail offline; the test's own namespaces are the same after.
func TestPassThrough(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	internet, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer internet.Close()
	go func() {
		_ = http.Serve(internet, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "the internet, %s %s\n", r.Method, r.URL.Path)
		}))
	}()
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr != "internet.test:80" {
			return nil, fmt.Errorf("the stand-in internet has no %s", addr)
		}
		return (&net.Dialer{}).DialContext(ctx, network, internet.Addr().String())
	}
	script := `curl -sS --max-time 10 http://internet.test/forwarded
curl -sS --max-time 10 --proxytunnel http://internet.test/tunnelled
curl -sS --max-time 10 --noproxy '' -x "$HTTPS_PROXY" https://ghcr.io/v2/proxied; echo
curl -sS --max-time 10 https://ghcr.io/v2/direct; echo
curl -sS --max-time 10 --noproxy '*' http://internet.test/direct || echo "direct: refused"
echo "proxy: $HTTPS_PROXY; no proxy: $NO_PROXY"`
	nsBefore := namespaces(t)
	for _, offline := range []bool{false, true} {
		var stdout, stderr strings.Builder
		var info sandbox.Info
		code, err := sandbox.Run(context.Background(), sandbox.Config{
			Command: []string{"sh", "-c", script}, Handler: hello, Dial: dial, Offline: offline,
			Stdout: &stdout, Stderr: &stderr, Started: func(i sandbox.Info) { info = i },
		})
		if err != nil {
			t.Fatalf("offline=%v: %v", offline, err)
		}
		t.Logf("offline=%v: exit %d\n%s%s", offline, code, stdout.String(), stderr.String())
		want := []string{
			"the internet, GET /forwarded",
			"the internet, GET /tunnelled",
			"hello from ghcr.io/v2/proxied",
			"hello from ghcr.io/v2/direct",
			"direct: refused",
			"proxy: http://" + info.Proxy + "; no proxy: localhost,127.0.0.1,::1,ghcr.io,api.github.com",
		}
		if offline {
			// No proxy: the first two fail (nothing on stdout), -x "" goes direct.
			want = []string{"hello from ghcr.io/v2/proxied", "hello from ghcr.io/v2/direct", "direct: refused", "proxy: ; no proxy: "}
			if n := strings.Count(stderr.String(), "Could not resolve host: internet.test"); n != 3 {
				t.Errorf("offline: %d refusals of internet.test, want 3", n)
			}
			if info.Proxy != "" {
				t.Errorf("offline: a proxy at %s", info.Proxy)
			}
		}
		if got := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("offline=%v: got\n%s\nwant\n%s", offline, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	if after := namespaces(t); after != nsBefore {
		t.Errorf("the test's namespaces changed: %s, then %s", nsBefore, after)
	}
}

// namespaces names this thread's network, mount, PID and user namespaces.
func namespaces(t *testing.T) string {
	t.Helper()
	var out []string
	for _, ns := range []string{"net", "mnt", "pid", "user"} {
		l, err := os.Readlink("/proc/thread-self/ns/" + ns)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return strings.Join(out, " ")
}
