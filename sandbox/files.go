//go:build linux

package sandbox

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// caBundles are the system CA bundle paths of the common distributions
// (Debian/Ubuntu/Alpine/Arch, Fedora/RHEL, openSUSE, and OpenSSL's default).
// Each that exists is covered by the run's bundle.
var caBundles = []string{
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
	"/etc/ssl/ca-bundle.pem",
	"/etc/ssl/cert.pem",
}

// hostDaemonSockets are the sockets of daemons that would push or pull on
// the command's behalf from the host's network. Each that exists is covered.
var hostDaemonSockets = []string{
	"/var/run/docker.sock",
	"/run/docker.sock",
	"/run/containerd/containerd.sock",
	"/run/buildkit/buildkitd.sock",
	"/run/podman/podman.sock",
}

// runFiles are the files one run writes in a private directory.
type runFiles struct {
	dir        string
	caFile     string // the run's CA certificate
	bundleFile string // the system bundle plus the CA
	mounts     []bindMount
}

func (f *runFiles) remove() { os.RemoveAll(f.dir) }

// writeFiles writes the hosts file and the CA bundle, and lists where they
// are bound inside.
func writeFiles(hosts []string, caPEM []byte) (*runFiles, error) {
	dir, err := os.MkdirTemp("", "fakeghcr-sandbox-")
	if err != nil {
		return nil, err
	}
	// Readable by whoever the command runs as; nothing secret is kept here.
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// Who owns the directory, for the sweep of a run that was killed.
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(selfOwner()), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	f := &runFiles{dir: dir, caFile: filepath.Join(dir, "ca.crt"), bundleFile: filepath.Join(dir, "ca-bundle.crt")}
	hostsFile := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hostsFile, hostsContent(hosts), 0o644); err != nil {
		f.remove()
		return nil, err
	}
	f.mounts = append(f.mounts, bindMount{Source: hostsFile, Target: "/etc/hosts"})

	var system []byte
	seen := map[string]bool{}
	for _, p := range caBundles {
		real, err := filepath.EvalSymlinks(p)
		if err != nil || seen[real] {
			continue
		}
		if fi, err := os.Stat(real); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		seen[real] = true
		if system == nil {
			if system, err = os.ReadFile(real); err != nil {
				f.remove()
				return nil, fmt.Errorf("reading the system CA bundle: %w", err)
			}
		}
		f.mounts = append(f.mounts, bindMount{Source: f.bundleFile, Target: real})
	}
	bundle := append(bytes.TrimRight(system, "\n"), '\n')
	if len(system) == 0 {
		bundle = nil
	}
	bundle = append(bundle, caPEM...)
	if err := os.WriteFile(f.caFile, caPEM, 0o644); err != nil {
		f.remove()
		return nil, err
	}
	if err := os.WriteFile(f.bundleFile, bundle, 0o644); err != nil {
		f.remove()
		return nil, err
	}
	return f, nil
}

// hostsContent is the sandbox's /etc/hosts: localhost, this machine's name
// and hosts, all on loopback.
func hostsContent(hosts []string) []byte {
	var b strings.Builder
	b.WriteString("# /etc/hosts of a fakeghcr sandbox (the host's file is unchanged)\n")
	b.WriteString("127.0.0.1\tlocalhost")
	if name, err := os.Hostname(); err == nil && name != "" && name != "localhost" {
		b.WriteString("\t" + name)
	}
	b.WriteString("\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	for _, h := range hosts {
		b.WriteString("127.0.0.1\t" + h + "\n")
	}
	return []byte(b.String())
}

// daemonSockets lists the host's daemon sockets that exist, once each, but
// those kept.
func daemonSockets(keep []keptPath) []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range keep {
		seen[k.Path] = true
	}
	for _, p := range hostDaemonSockets {
		real, err := filepath.EvalSymlinks(p)
		if err != nil || seen[real] {
			continue
		}
		if fi, err := os.Stat(real); err != nil || fi.Mode()&os.ModeSocket == 0 {
			continue
		}
		seen[real] = true
		out = append(out, real)
	}
	return out
}
