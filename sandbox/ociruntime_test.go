//go:build linux

package sandbox

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreateBundle(t *testing.T) {
	cases := []struct {
		args   []string
		bundle string
		ok     bool
	}{
		// containerd's runc shim (go-runc) calls: runc --root R --log L --log-format json create --bundle B --pid-file P ID
		{[]string{"--root", "/r", "--log", "/l", "--log-format", "json", "create", "--bundle", "/b", "--pid-file", "/p", "id"}, "/b", true},
		{[]string{"--systemd-cgroup", "run", "--bundle=/c", "id"}, "/c", true},
		{[]string{"create", "id"}, ".", true},
		{[]string{"--root", "/r", "start", "id"}, "", false},
		{[]string{"--root", "create", "delete", "id"}, "", false}, // "create" is --root's value
		{[]string{"--version"}, "", false},
		{nil, "", false},
	}
	for _, c := range cases {
		b, ok := createBundle(c.args)
		if b != c.bundle || ok != c.ok {
			t.Errorf("createBundle(%q) = %q, %v; want %q, %v", c.args, b, ok, c.bundle, c.ok)
		}
	}
}

func TestExecProcess(t *testing.T) {
	// go-runc's exec: runc --root R --log L --log-format json exec --process P --detach --pid-file F ID
	p, ok := execProcess([]string{"--root", "/r", "--log", "/l", "--log-format", "json", "exec", "--process", "/tmp/p.json", "--detach", "--pid-file", "/f", "id"})
	if !ok || p != "/tmp/p.json" {
		t.Errorf("execProcess = %q, %v", p, ok)
	}
	if _, ok := execProcess([]string{"create", "--bundle", "/b", "id"}); ok {
		t.Error("create is not exec")
	}
	if _, ok := execProcess([]string{"exec", "id"}); ok {
		t.Error("an exec without --process has no process file")
	}
	path := filepath.Join(t.TempDir(), "process.json")
	if err := os.WriteFile(path, []byte(`{"args":["buildctl","dial-stdio"],"capabilities":{"bounding":["CAP_CHOWN"]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := clampProcessFile(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"args":["buildctl","dial-stdio"]`) {
		t.Errorf("the process file lost its args: %s", b)
	}
	if err := os.WriteFile(path, []byte(`{`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := clampProcessFile(path); err == nil {
		t.Error("a broken process file was accepted")
	}
}

func TestAdjustSpec(t *testing.T) {
	bundle := t.TempDir()
	rootfs := filepath.Join(bundle, "rootfs")
	own := "-----BEGIN CERTIFICATE-----\nimage's own\n-----END CERTIFICATE-----"
	if err := os.MkdirAll(filepath.Join(rootfs, "etc/ssl/certs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "etc/ssl/certs/ca-certificates.crt"), []byte(own), 0o644); err != nil {
		t.Fatal(err)
	}
	// A shape docker 20.10 writes (trimmed): a new network namespace, a joined one kept.
	spec := `{"ociVersion":"1.0.2","root":{"path":"rootfs"},"hostname":"x",
"mounts":[{"destination":"/proc","type":"proc","source":"proc"},{"destination":"/etc/hosts","type":"bind","source":"/var/lib/docker/containers/x/hosts","options":["rbind","rprivate"]}],
"linux":{"resources":{"memory":{"limit":9223372036854775807}},"sysctl":{"net.ipv4.ip_unprivileged_port_start":"0","kernel.msgmax":"1"},"namespaces":[{"type":"mount"},{"type":"network"},{"type":"pid"},{"type":"ipc","path":"/proc/1/ns/ipc"}]}}`
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	ca := []byte("-----BEGIN CERTIFICATE-----\nrun's CA\n-----END CERTIFICATE-----\n")
	if err := adjustSpec(bundle, ca); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Hostname string
		Mounts   []struct{ Destination, Source string }
		Linux    struct {
			Namespaces []struct{ Type, Path string }
			Sysctl     map[string]string
		}
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"limit":9223372036854775807`) {
		t.Errorf("a 64-bit value of the spec changed: %s", b)
	}
	if got.Hostname != "x" {
		t.Errorf("hostname %q: the spec's other fields must stay", got.Hostname)
	}
	var types []string
	for _, n := range got.Linux.Namespaces {
		types = append(types, n.Type)
	}
	if strings.Join(types, ",") != "mount,pid,ipc" {
		t.Errorf("namespaces %v, want mount,pid,ipc (the new network one dropped)", types)
	}
	if len(got.Linux.Sysctl) != 1 || got.Linux.Sysctl["kernel.msgmax"] != "1" {
		t.Errorf("sysctls %v, want only kernel.msgmax (net.* refused outside the container's own network namespace)", got.Linux.Sysctl)
	}
	sources := map[string]string{}
	for _, m := range got.Mounts {
		sources[m.Destination] = m.Source
	}
	if sources["/etc/hosts"] != "/etc/hosts" {
		t.Errorf("/etc/hosts from %q, want the sandbox's /etc/hosts", sources["/etc/hosts"])
	}
	covered := sources["/etc/ssl/certs/ca-certificates.crt"]
	if covered == "" {
		t.Fatalf("the image's CA bundle is not covered: %s", b)
	}
	c, err := os.ReadFile(covered)
	if err != nil {
		t.Fatal(err)
	}
	if string(c) != own+"\n"+string(ca) {
		t.Errorf("covering bundle:\n%s\nwant the image's own then the run's CA", c)
	}
	if c, err := os.ReadFile(sources[nodeCAFile]); err != nil || string(c) != string(ca) {
		t.Errorf("%s from %q holds %q (%v), want the run's CA", nodeCAFile, sources[nodeCAFile], c, err)
	}
	if _, ok := sources["/etc/pki/tls/certs/ca-bundle.crt"]; ok {
		t.Errorf("a bundle path the image lacks was mounted")
	}
}

func TestAdjustSpecRefusesBadSpec(t *testing.T) {
	bundle := t.TempDir()
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := adjustSpec(bundle, nil); err == nil {
		t.Error("a broken config.json was accepted")
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), []byte(`{"mounts":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := adjustSpec(bundle, nil); err == nil || !strings.Contains(err.Error(), "root") {
		t.Errorf("a spec without root: %v", err)
	}
}

func TestClampCaps(t *testing.T) {
	caps := map[string]any{
		"bounding":  []any{"CAP_CHOWN", "CAP_SYS_RESOURCE", "CAP_SYS_ADMIN", "CAP_NEW_ONE"},
		"effective": []any{"CAP_SYS_RESOURCE"},
	}
	// Every capability but CAP_SYS_RESOURCE (24), as this project's CI machine has.
	clampCaps(caps, 0x000001fffeffffff)
	b, _ := json.Marshal(caps)
	if want := `{"bounding":["CAP_CHOWN","CAP_SYS_ADMIN","CAP_NEW_ONE"],"effective":[]}`; string(b) != want {
		t.Errorf("clamped %s, want %s", b, want)
	}
}

// FuzzAdjustSpec: whatever config.json holds, adjustSpec returns an error or writes JSON, and
// never panics; runc's arguments never make the parsers panic either.
func FuzzAdjustSpec(f *testing.F) {
	f.Add(`{"root":{"path":"rootfs"},"mounts":[{"destination":"/etc/hosts","source":"/x"}],"linux":{"namespaces":[{"type":"network"}],"sysctl":{"net.a":"1"}},"process":{"capabilities":{"bounding":["CAP_SYS_RESOURCE"]}}}`, "--root /r create --bundle /b id")
	f.Add(`{"root":{"path":"/abs"},"mounts":7,"linux":{"namespaces":[1,null,{"type":"network","path":"/p"}]}}`, "exec --process")
	f.Add(`null`, "--root")
	f.Add(`{"process":{"capabilities":{"bounding":"x"}},"root":{"path":""}}`, "run --bundle=")
	f.Fuzz(func(t *testing.T, spec, args string) {
		createBundle(strings.Fields(args))
		execProcess(strings.Fields(args))
		bundle := t.TempDir()
		path := filepath.Join(bundle, "config.json")
		if err := os.WriteFile(path, []byte(spec), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := adjustSpec(bundle, []byte("ca\n")); err != nil {
			return
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(b) {
			t.Errorf("adjustSpec wrote invalid JSON: %s", b)
		}
	})
}

func TestAddNodeCA(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"env":["PATH=/bin"]}`, `{"env":["PATH=/bin","NODE_EXTRA_CA_CERTS=/fakeghcr-sandbox-ca.crt"]}`},
		{`{}`, `{"env":["NODE_EXTRA_CA_CERTS=/fakeghcr-sandbox-ca.crt"]}`},
		// The image's or the command's own setting stays.
		{`{"env":["NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt"]}`, `{"env":["NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt"]}`},
		{`{"env":"odd"}`, `{"env":"odd"}`},
	}
	for _, c := range cases {
		var p map[string]any
		if err := json.Unmarshal([]byte(c.in), &p); err != nil {
			t.Fatal(err)
		}
		addNodeCA(p)
		if b, _ := json.Marshal(p); string(b) != c.want {
			t.Errorf("addNodeCA(%s) = %s, want %s", c.in, b, c.want)
		}
	}
}
