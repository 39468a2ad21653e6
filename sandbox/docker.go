//go:build linux

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// daemon is a process the setup stage starts inside before the command, and
// waits for: a private Docker engine.
type daemon struct {
	Argv []string
	Log  string // its stdout and stderr
	// Ping is a unix socket whose GET /_ping must answer 200 before the
	// command starts.
	Ping string
}

// dockerSetup is a private Docker engine's files, flags and environment.
type dockerSetup struct {
	daemon daemon
	mounts []bindMount
	env    []string
}

// dockerEngine prepares a private dockerd in dir: its own data and exec
// roots, no bridge and no iptables rules (the sandbox's loopback is its only
// network), the vfs storage driver (works on any filesystem, fine for small
// images), an empty daemon.json, and /etc/docker/certs.d/HOST/ca.crt for each
// host bound over the host's /etc/docker when there is one, and this binary
// as its default OCI runtime (ociruntime.go: containers share the sandbox's
// network and hosts file and trust the run's CA). Its socket is DOCKER_HOST
// for the command.
func dockerEngine(dir string, hosts []string, caPEM []byte) (*dockerSetup, error) {
	etc := filepath.Join(dir, "etc-docker")
	for _, h := range hosts {
		d := filepath.Join(etc, "certs.d", h)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(d, "ca.crt"), caPEM, 0o644); err != nil {
			return nil, err
		}
	}
	config := filepath.Join(etc, "daemon.json")
	if err := os.WriteFile(config, []byte("{}\n"), 0o644); err != nil {
		return nil, err
	}
	for _, d := range []string{"data", "exec"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, err
		}
	}
	runtime, err := ociRuntime(dir, caPEM)
	if err != nil {
		return nil, err
	}
	sock := filepath.Join(dir, "docker.sock")
	s := &dockerSetup{
		daemon: daemon{
			Argv: []string{"dockerd",
				"--host", "unix://" + sock,
				"--data-root", filepath.Join(dir, "data"),
				"--exec-root", filepath.Join(dir, "exec"),
				"--pidfile", filepath.Join(dir, "docker.pid"),
				"--config-file", config,
				"--bridge", "none",
				"--iptables=false",
				"--ip6tables=false",
				"--storage-driver", "vfs",
				"--add-runtime", "fakeghcr=" + runtime,
				"--default-runtime", "fakeghcr",
			},
			Log:  filepath.Join(dir, "dockerd.log"),
			Ping: sock,
		},
		env: []string{"DOCKER_HOST=unix://" + sock},
	}
	// dockerd reads certs.d under /etc/docker only; without that directory
	// it still trusts the CA through the system bundle.
	if fi, err := os.Stat("/etc/docker"); err == nil && fi.IsDir() {
		s.mounts = append(s.mounts, bindMount{Source: etc, Target: "/etc/docker"})
	}
	return s, nil
}

// startDaemons starts each daemon inside (called by the setup stage) and
// waits until it answers.
func startDaemons(ds []daemon, env []string) ([]int, error) {
	var pids []int
	for _, d := range ds {
		path, err := lookPath(d.Argv[0], env)
		if err != nil {
			return pids, fmt.Errorf("a private Docker engine needs %w", err)
		}
		log, err := os.OpenFile(d.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return pids, err
		}
		cmd := exec.Command(path, d.Argv[1:]...)
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = log, log
		// Its own process group: a Ctrl-C meant for the command does not stop it first.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		err = cmd.Start()
		log.Close()
		if err != nil {
			return pids, fmt.Errorf("starting %s: %w", d.Argv[0], err)
		}
		pids = append(pids, cmd.Process.Pid)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if err := awaitPing(d.Ping, exited, time.Minute); err != nil {
			return pids, fmt.Errorf("%s did not start: %w (its log: %s)", d.Argv[0], err, tail(d.Log))
		}
	}
	return pids, nil
}

// awaitPing polls GET /_ping on a unix socket until it answers 200.
func awaitPing(sock string, exited <-chan error, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("exited: %v", err)
		default:
		}
		if resp, err := client.Get("http://docker/_ping"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("no answer on " + sock + " after " + timeout.String())
}

// tail is the end of a log file, for an error message.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 2000 {
		s = "..." + s[len(s)-2000:]
	}
	return s
}

// alive reports whether pid runs (a zombie does not).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) STATE ...; comm may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
