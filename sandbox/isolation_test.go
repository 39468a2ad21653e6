//go:build linux

package sandbox_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// outboundIP is this machine's address on its default route, or "" without one.
func outboundIP(t *testing.T) string {
	t.Helper()
	c, err := net.Dial("udp", "192.0.2.1:9") // no packet is sent
	if err != nil {
		return ""
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).IP.String()
}

// TestNothingElseIsReachable dials, from inside, the host's own loopback
// service, this machine's address, public addresses and DNS: only
// fakeghcr's ghcr.io:443 answers. The same dials from outside show that the
// host's service is there.
func TestNothingElseIsReachable(t *testing.T) {
	t.Parallel()
	hostSvc, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hostSvc.Close()
	go func() {
		for {
			c, err := hostSvc.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()

	targets := []string{"ghcr.io:443", "127.0.0.1:443", hostSvc.Addr().String(), "1.1.1.1:443", "140.82.121.33:443", "[2606:4700:4700::1111]:443", "dns:github.com"}
	if ip := outboundIP(t); ip != "" {
		if outside, err := net.Listen("tcp", net.JoinHostPort(ip, "0")); err == nil {
			defer outside.Close()
			targets = append(targets, outside.Addr().String())
		}
	}
	// The host's Docker engine would push through the host's network.
	if c, err := net.Dial("unix", "/var/run/docker.sock"); err == nil {
		c.Close()
		targets = append(targets, "unix:/var/run/docker.sock")
	}
	for _, ns := range nameservers() {
		targets = append(targets, net.JoinHostPort(ns, "53"))
	}

	code, stdout, stderr := run(t, hello, []string{dialEnv + "=" + strings.Join(targets, ",")}, self(t))
	if code != 0 {
		t.Fatalf("dialing from inside: exit %d\n%s", code, stderr)
	}
	var want []string
	for _, a := range targets {
		if a == "ghcr.io:443" || a == "127.0.0.1:443" {
			want = append(want, a+" ok")
		} else {
			want = append(want, a+" fail")
		}
	}
	if diff := cmp.Diff(want, strings.Split(strings.TrimSpace(stdout), "\n")); diff != "" {
		t.Errorf("reachable from inside (-want +got):\n%s\nerrors:\n%s", diff, stderr)
	}
	// Outside, the host's loopback service answers: the failure inside is the sandbox's doing.
	if c, err := net.DialTimeout("tcp", hostSvc.Addr().String(), time.Second); err != nil {
		t.Errorf("the host's service is not reachable from outside either: %v", err)
	} else {
		c.Close()
	}
}

// nameservers are the host's resolv.conf nameservers.
func nameservers() []string {
	b, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "nameserver" {
			out = append(out, f[1])
		}
	}
	return out
}

// hostState is what the sandbox must never change on the host.
type hostState struct {
	Hosts   string
	Bundles map[string]string
	Mounts  []string // mount table lines that concern the sandbox's files
	GHCR    string   // how the host resolves ghcr.io
	Links   []string // network interfaces
}

func snapshot(t *testing.T) hostState {
	t.Helper()
	s := hostState{Bundles: map[string]string{}}
	b, err := os.ReadFile("/etc/hosts")
	if err != nil {
		t.Fatal(err)
	}
	s.Hosts = string(b)
	for _, p := range []string{"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"} {
		if b, err := os.ReadFile(p); err == nil {
			s.Bundles[p] = string(b)
		}
	}
	mi, err := os.ReadFile("/proc/thread-self/mountinfo") // this thread: never the sandbox's
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(mi), "\n") {
		if f := strings.Fields(line); len(f) > 4 && (strings.HasPrefix(f[4], "/etc/") || strings.HasSuffix(f[4], ".sock")) {
			s.Mounts = append(s.Mounts, line)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupHost(ctx, "ghcr.io")
	sort.Strings(ips)
	s.GHCR = strings.Join(ips, " ")
	if err != nil {
		s.GHCR = "not resolved" // here: no DNS; the point is it is not 127.0.0.1
	}
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifs {
		s.Links = append(s.Links, i.Name+" "+i.Flags.String())
	}
	return s
}

// TestHostIsUnchanged compares the host's /etc/hosts, CA bundles, mount
// table, resolution of ghcr.io and interfaces before, during (from the
// handler, which runs in the host's namespaces while the command waits for
// its answer) and after a run whose command resolves ghcr.io to 127.0.0.1.
func TestHostIsUnchanged(t *testing.T) {
	// Not parallel: other tests' sandboxes would not change the host either,
	// but this one reads the mount table while its own is set up.
	before := snapshot(t)
	if strings.Contains(before.GHCR, "127.0.0.1") {
		t.Fatalf("the host already resolves ghcr.io to %s", before.GHCR)
	}
	var during hostState
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		during = snapshot(t)
		w.Write([]byte("seen\n"))
	})
	code, stdout, stderr := run(t, handler, nil, "sh", "-c", `getent hosts ghcr.io && curl -sS https://ghcr.io/during`)
	if code != 0 {
		t.Fatalf("inside: exit %d\n%s%s", code, stdout, stderr)
	}
	if want := "127.0.0.1       ghcr.io\nseen\n"; stdout != want {
		t.Errorf("inside: %q, want %q", stdout, want)
	}
	after := snapshot(t)
	if diff := cmp.Diff(before, during); diff != "" {
		t.Errorf("the host changed while the sandbox ran (-before +during):\n%s", diff)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("the host changed after the sandbox ran (-before +after):\n%s", diff)
	}
}
