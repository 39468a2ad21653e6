//go:build linux

package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// ociRuntimeName is the name of the link to this binary that the private
// Docker engine runs as its default OCI runtime (dockerd --add-runtime). As
// that runtime it adjusts each container's OCI spec and hands over to runc.
//
// Why: job containers that act starts, and the BuildKit container that
// setup-buildx-action's default docker-container driver starts, must reach
// fakeghcr at ghcr.io and trust the run's CA, with the workflow and act's
// flags unchanged. Docker has no daemon-wide setting for a container's hosts
// file, CA bundle or network; an OCI runtime wrapper is how NVIDIA's
// container toolkit adds to every container too:
// https://github.com/NVIDIA/nvidia-container-toolkit (nvidia-container-runtime).
const ociRuntimeName = "fakeghcr-oci-runtime"

// ociRuntimeCA is the run's CA certificate, beside the runtime's link.
const ociRuntimeCA = "fakeghcr-ca.crt"

// isOCIRuntime reports whether this process is the private engine's runtime.
func isOCIRuntime() bool { return filepath.Base(os.Args[0]) == ociRuntimeName }

// ociRuntimeMain adjusts the spec of a container being created and runs runc
// with the same arguments. It never returns.
func ociRuntimeMain() {
	args := os.Args[1:]
	if bundle, ok := createBundle(args); ok {
		ca, err := os.ReadFile(filepath.Join(filepath.Dir(os.Args[0]), ociRuntimeCA))
		if err == nil {
			err = adjustSpec(bundle, ca)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "fakeghcr sandbox: adjusting the container's spec: %v\n", err)
			os.Exit(1)
		}
	}
	if process, ok := execProcess(args); ok {
		// docker exec: the process runc starts in the container (buildx's
		// `buildctl dial-stdio` in its privileged builder) has the same caps.
		if err := clampProcessFile(process); err != nil {
			fmt.Fprintf(os.Stderr, "fakeghcr sandbox: adjusting the exec'd process: %v\n", err)
			os.Exit(1)
		}
	}
	runc := ""
	for _, p := range []string{"/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc", "/usr/local/bin/runc"} {
		if _, err := os.Stat(p); err == nil {
			runc = p
			break
		}
	}
	if runc == "" {
		if p, err := exec.LookPath("runc"); err == nil {
			runc = p
		}
	}
	if runc == "" {
		fmt.Fprintln(os.Stderr, "fakeghcr sandbox: runc not found (apt-get install runc)")
		os.Exit(1)
	}
	err := syscall.Exec(runc, append([]string{"runc"}, args...), os.Environ())
	fmt.Fprintf(os.Stderr, "fakeghcr sandbox: running runc: %v\n", err)
	os.Exit(1)
}

// runcValueFlags are runc's global flags that take a value.
var runcValueFlags = []string{"--root", "--log", "--log-format", "--criu", "--rootless"}

// subcommand splits `runc [global flags] SUBCOMMAND ARGS...`.
func subcommand(args []string) (string, []string) {
	i := 0
	for i < len(args) && len(args[i]) > 0 && args[i][0] == '-' {
		if slices.Contains(runcValueFlags, args[i]) {
			i++
		}
		i++
	}
	if i >= len(args) {
		return "", nil
	}
	return args[i], args[i+1:]
}

// flagValue is the value of flag --long or -short in args, if given.
func flagValue(args []string, long, short string) (string, bool) {
	for j := 0; j < len(args); j++ {
		a := args[j]
		switch {
		case (a == long || a == short) && j+1 < len(args):
			return args[j+1], true
		case strings.HasPrefix(a, long+"="):
			return a[len(long)+1:], true
		}
	}
	return "", false
}

// createBundle finds the bundle directory of `runc [global flags] create|run
// [flags] ID`; ok is false for every other subcommand.
func createBundle(args []string) (string, bool) {
	sub, rest := subcommand(args)
	if sub != "create" && sub != "run" {
		return "", false
	}
	if b, ok := flagValue(rest, "--bundle", "-b"); ok {
		return b, true
	}
	return ".", true
}

// execProcess finds the process file of `runc [global flags] exec --process
// FILE ... ID`, as containerd's shim calls it.
func execProcess(args []string) (string, bool) {
	sub, rest := subcommand(args)
	if sub != "exec" {
		return "", false
	}
	return flagValue(rest, "--process", "-p")
}

// clampProcessFile clamps the capabilities of an OCI process file.
func clampProcessFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var process map[string]any
	if err := decodeExact(b, &process); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if caps, ok := process["capabilities"].(map[string]any); ok {
		clampCaps(caps, ownCapBounding())
	}
	addNodeCA(process)
	out, err := json.Marshal(process)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o600)
}

// adjustSpec rewrites bundle/config.json so that the container
//   - shares the sandbox's network (where fakeghcr listens on loopback and the
//     pass-through proxy is), as act's job containers do by default;
//   - reads the sandbox's /etc/hosts (ghcr.io and the other served hosts on
//     loopback);
//   - trusts the run's CA beside its image's own CAs: each CA bundle the
//     image has is covered by a copy of it with the CA appended.
//
// Unknown fields of the spec are kept as they are.
func adjustSpec(bundle string, caPEM []byte) error {
	path := filepath.Join(bundle, "config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var spec map[string]any
	if err := decodeExact(b, &spec); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if linux, ok := spec["linux"].(map[string]any); ok {
		if nss, ok := linux["namespaces"].([]any); ok {
			kept := nss[:0]
			for _, n := range nss {
				ns, _ := n.(map[string]any)
				if ns["type"] == "network" && ns["path"] == nil {
					// runc refuses net.* sysctls in a network namespace not
					// the container's own (docker sets
					// net.ipv4.ip_unprivileged_port_start=0 for its networks).
					if sysctl, ok := linux["sysctl"].(map[string]any); ok {
						for k := range sysctl {
							if strings.HasPrefix(k, "net.") {
								delete(sysctl, k)
							}
						}
					}
					continue
				}
				kept = append(kept, n)
			}
			linux["namespaces"] = kept
		}
	}
	if process, ok := spec["process"].(map[string]any); ok {
		if caps, ok := process["capabilities"].(map[string]any); ok {
			clampCaps(caps, ownCapBounding())
		}
		addNodeCA(process)
	}
	mounts, _ := spec["mounts"].([]any)
	for _, m := range mounts {
		mount, _ := m.(map[string]any)
		if mount["destination"] == "/etc/hosts" {
			mount["source"] = "/etc/hosts"
		}
	}
	rootfs := ""
	if root, ok := spec["root"].(map[string]any); ok {
		rootfs, _ = root["path"].(string)
	}
	if rootfs == "" {
		return errors.New("the spec names no root filesystem")
	}
	if !filepath.IsAbs(rootfs) {
		rootfs = filepath.Join(bundle, rootfs)
	}
	for i, p := range caBundles {
		fi, err := os.Lstat(filepath.Join(rootfs, p))
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		own, err := os.ReadFile(filepath.Join(rootfs, p))
		if err != nil {
			return err
		}
		if len(own) > 0 && own[len(own)-1] != '\n' {
			own = append(own, '\n')
		}
		covered := filepath.Join(bundle, fmt.Sprintf("fakeghcr-ca-bundle-%d.crt", i))
		if err := os.WriteFile(covered, append(own, caPEM...), 0o644); err != nil {
			return err
		}
		mounts = append(mounts, map[string]any{
			"destination": p, "type": "bind", "source": covered,
			"options": []any{"rbind", "ro"},
		})
	}
	// The CA alone, for NODE_EXTRA_CA_CERTS (addNodeCA).
	ownCA := filepath.Join(bundle, "fakeghcr-ca.crt")
	if err := os.WriteFile(ownCA, caPEM, 0o644); err != nil {
		return err
	}
	mounts = append(mounts, map[string]any{
		"destination": nodeCAFile, "type": "bind", "source": ownCA,
		"options": []any{"rbind", "ro"},
	})
	spec["mounts"] = mounts
	out, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o600)
}

// ociRuntime links this binary into dir as the private engine's runtime and
// writes the run's CA beside it; it returns the link's path.
func ociRuntime(dir string, caPEM []byte) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding this binary for the engine's runtime: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, ociRuntimeCA), caPEM, 0o644); err != nil {
		return "", err
	}
	link := filepath.Join(dir, ociRuntimeName)
	if err := os.Symlink(self, link); err != nil {
		return "", err
	}
	return link, nil
}

// capNames are Linux's capabilities by number (linux/capability.h).
var capNames = []string{"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
	"SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
	"NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT",
	"SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
	"SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
	"MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
	"PERFMON", "BPF", "CHECKPOINT_RESTORE"}

// ownCapBounding is this process's capability bounding set (CapBnd in
// /proc/self/status); all bits when it cannot be read.
func ownCapBounding() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ^uint64(0)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			if n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64); err == nil {
				return n
			}
		}
	}
	return ^uint64(0)
}

// clampCaps drops from each of the spec's capability sets those outside
// bounding. A privileged container (buildx's docker-container builder is
// one) gets every capability docker knows; where the engine itself runs
// without some (in a container whose bounding set lacks CAP_SYS_RESOURCE,
// as on this project's CI machine), runc fails with "unable to apply caps:
// operation not permitted". Names this table does not know are kept.
func clampCaps(caps map[string]any, bounding uint64) {
	for set, v := range caps {
		list, ok := v.([]any)
		if !ok {
			continue
		}
		kept := list[:0]
		for _, c := range list {
			name, _ := c.(string)
			if i := slices.Index(capNames, strings.TrimPrefix(name, "CAP_")); i >= 0 && bounding&(1<<uint(i)) == 0 {
				continue
			}
			kept = append(kept, c)
		}
		caps[set] = kept
	}
}

// nodeCAFile is where each container finds the run's CA alone.
const nodeCAFile = "/fakeghcr-sandbox-ca.crt"

// addNodeCA sets NODE_EXTRA_CA_CERTS to nodeCAFile in an OCI process's
// environment unless the image or the command set it. Node does not read the
// system bundle (it has its own), so JavaScript actions in act's usual images
// refuse a CA the system trusts: https://github.com/nektos/act/issues/1878.
// docker exec (how act runs each step) builds its process from the
// container's configuration, not from the spec's first process, so both are
// set.
func addNodeCA(process map[string]any) {
	env, ok := process["env"].([]any)
	if !ok && process["env"] != nil {
		return
	}
	for _, e := range env {
		if s, _ := e.(string); strings.HasPrefix(s, "NODE_EXTRA_CA_CERTS=") {
			return
		}
	}
	process["env"] = append(env, "NODE_EXTRA_CA_CERTS="+nodeCAFile)
}

// decodeExact decodes JSON keeping numbers as written (json.Number): a
// spec's 64-bit values (memory limits, IDs) survive the round trip.
func decodeExact(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
