//go:build linux

package sandbox_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/fakeghcr/fakeghcr/sandbox"
)

// attemptEnv makes this binary, run inside a sandbox, try every way out
// named in attempts and print "NAME refused: ERR" or "NAME WORKED".
const attemptEnv = "SANDBOX_TEST_ATTEMPTS"

// Inputs of the attempts, from the test outside.
const (
	hostSocketEnv = "SANDBOX_TEST_HOST_SOCKET" // a UNIX socket the test listens on, under /run
	hostPidEnv    = "SANDBOX_TEST_HOST_PID"    // the test's own pid, outside
)

// attempts are what a command running as root (or as the user) inside could
// try in order to undo the sandbox. Each returns nil when it got through.
var attempts = []struct {
	name string
	try  func() error
}{
	{"umount /etc/hosts", func() error { return syscall.Unmount("/etc/hosts", 0) }},
	{"umount -l /etc/hosts", func() error { return syscall.Unmount("/etc/hosts", syscall.MNT_DETACH) }},
	{"umount the CA bundle", func() error { return syscall.Unmount(os.Getenv("SSL_CERT_FILE"), syscall.MNT_DETACH) }},
	{"umount /run", func() error { return syscall.Unmount("/run", syscall.MNT_DETACH) }},
	{"umount /proc", func() error { return syscall.Unmount("/proc", syscall.MNT_DETACH) }},
	{"bind /etc without its submounts", func() error {
		dir, err := os.MkdirTemp("", "escape-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if err := syscall.Mount("/etc", dir, "", syscall.MS_BIND, ""); err != nil {
			return err
		}
		defer syscall.Unmount(dir, syscall.MNT_DETACH)
		b, err := os.ReadFile(filepath.Join(dir, "hosts"))
		if err == nil && strings.Contains(string(b), "fakeghcr sandbox") {
			return fmt.Errorf("bound, but still the sandbox's hosts file")
		}
		return err
	}},
	{"mount a proc of the host's processes", func() error {
		dir, err := os.MkdirTemp("", "proc-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if err := syscall.Mount("proc", dir, "proc", 0, ""); err != nil {
			return err
		}
		defer syscall.Unmount(dir, syscall.MNT_DETACH)
		if _, err := os.Stat(filepath.Join(dir, os.Getenv(hostPidEnv))); err != nil {
			return fmt.Errorf("mounted, but no host process in it: %w", err)
		}
		return nil
	}},
	{"connect to a host UNIX socket under /run", func() error {
		c, err := net.DialTimeout("unix", os.Getenv(hostSocketEnv), 2*time.Second)
		if err == nil {
			c.Close()
		}
		return err
	}},
	{"connect to the host's Docker socket", func() error {
		c, err := net.DialTimeout("unix", "/var/run/docker.sock", 2*time.Second)
		if err == nil {
			c.Close()
		}
		return err
	}},
	{"signal a host process", func() error {
		pid, _ := strconv.Atoi(os.Getenv(hostPidEnv))
		return syscall.Kill(pid, 0)
	}},
	{"enter the host's network namespace", func() error {
		f, err := os.Open("/proc/" + os.Getenv(hostPidEnv) + "/ns/net")
		if err != nil {
			return err
		}
		defer f.Close()
		_, _, errno := syscall.RawSyscall(308 /* setns */, f.Fd(), syscall.CLONE_NEWNET, 0)
		if errno != 0 {
			return errno
		}
		return nil
	}},
	{"bring the loopback interface down", func() error {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
		if err != nil {
			return err
		}
		defer syscall.Close(fd)
		var ifr [40]byte
		copy(ifr[:], "lo")
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCSIFFLAGS, uintptr(unsafe.Pointer(&ifr))); errno != 0 {
			return errno
		}
		return nil
	}},
	// Capabilities the command holds count in its own user namespace only.
	{"load a kernel module", func() error {
		// init_module(NULL, 0, ""): EPERM without CAP_SYS_MODULE over the host, EFAULT with it
		// (ENOSYS: a kernel without modules, for everyone).
		empty := []byte{0}
		_, _, errno := syscall.Syscall(syscall.SYS_INIT_MODULE, 0, 0, uintptr(unsafe.Pointer(&empty[0])))
		if errno == syscall.EPERM || errno == syscall.ENOSYS {
			return errno
		}
		return nil
	}},
	{"set the clock", func() error {
		var tv syscall.Timeval
		if err := syscall.Gettimeofday(&tv); err != nil {
			return err
		}
		return syscall.Settimeofday(&tv)
	}},
	{"keep CAP_SYS_MODULE, CAP_SYS_TIME or CAP_BPF in the bounding set", func() error {
		b, err := os.ReadFile("/proc/self/status")
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "CapBnd:"); ok {
				n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
				if err != nil {
					return err
				}
				if n&(1<<16|1<<25|1<<39) != 0 {
					return nil
				}
				return fmt.Errorf("bounding set %s", strings.TrimSpace(v))
			}
		}
		return fmt.Errorf("no CapBnd line")
	}},
	{"make a device node", func() error {
		p := filepath.Join(os.TempDir(), fmt.Sprintf("null-%d", os.Getpid()))
		defer os.Remove(p)
		return syscall.Mknod(p, syscall.S_IFCHR|0o600, 1<<8|3)
	}},
}

// tryAll runs every attempt inside and prints the outcome of each.
func tryAll() {
	fmt.Printf("uid %d\n", os.Getuid())
	for _, a := range attempts {
		if err := a.try(); err != nil {
			fmt.Printf("%s refused: %v\n", a.name, err)
		} else {
			fmt.Printf("%s WORKED\n", a.name)
		}
	}
}

// TestAttemptsToLeaveFail runs every attempt inside the sandbox: each must
// be refused. As root (the command is root, with every capability its own
// user namespace gives) and, through TestAsNobody, as nobody.
func TestAttemptsToLeaveFail(t *testing.T) {
	// A UNIX socket of the host's, under /run (as nobody, /run is not
	// writable: the attempt still dials the path the root run used).
	sock := "/run/fakeghcr-sandbox-test.sock"
	if os.Getuid() == 0 {
		sock = fmt.Sprintf("/run/fakeghcr-sandbox-test-%d.sock", os.Getpid())
		ln, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		// Outside, it answers.
		c, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	env := []string{attemptEnv + "=1", hostSocketEnv + "=" + sock, hostPidEnv + "=" + strconv.Itoa(os.Getpid())}
	code, stdout, stderr := run(t, hello, env, self(t))
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	t.Logf("inside:\n%s", stdout)
	for _, a := range attempts {
		if !strings.Contains(stdout, "\n"+a.name+" refused: ") {
			t.Errorf("%q was not refused", a.name)
		}
	}
	// The command is root inside even when the test is not (its own user namespace).
	if !strings.HasPrefix(stdout, "uid 0\n") {
		t.Errorf("inside: %q, want uid 0 first", firstLine(stdout))
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// TestLeftoversAreStopped: a process the command leaves running is stopped
// when the command ends, and a message names it; nothing outlives the run.
func TestLeftoversAreStopped(t *testing.T) {
	t.Parallel()
	marker := strconv.Itoa(3000 + os.Getpid()%1000)
	start := time.Now()
	code, _, stderr := run(t, hello, nil, "sh", "-c", "sleep "+marker+" & sleep 0.2; exit 7")
	if code != 7 {
		t.Fatalf("exit %d, want 7\n%s", code, stderr)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the run took %v: the leftover was not stopped", d)
	}
	if !strings.Contains(stderr, "sandbox: the command left 1 process(es) running; stopping them: sleep (pid ") {
		t.Errorf("no message naming the leftover in stderr:\n%s", stderr)
	}
	// Outside, no "sleep MARKER" is left.
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		b, err := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
		if err == nil && string(b) == "sleep\x00"+marker+"\x00" {
			t.Errorf("sleep %s (pid %s) outlived the sandbox", marker, p.Name())
		}
	}
}

// TestKeepSocket: a socket named in KeepSockets answers inside; another socket in the same
// directory stays hidden; a path outside /run is refused up front.
func TestKeepSocket(t *testing.T) {
	t.Parallel()
	if os.Getuid() != 0 {
		t.Skip("needs a socket under /run: root")
	}
	dir, err := os.MkdirTemp("/run", "fakeghcr-keep-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	var socks []string
	for _, name := range []string{"kept.sock", "other.sock"} {
		p := filepath.Join(dir, name)
		ln, err := net.Listen("unix", p)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		socks = append(socks, p)
	}
	var stdout, stderr strings.Builder
	code, err := sandbox.Run(context.Background(), sandbox.Config{
		Command: []string{self(t)}, Handler: hello, KeepSockets: []string{socks[0]},
		Env:    append(os.Environ(), dialEnv+"=unix:"+socks[0]+",unix:"+socks[1]),
		Stdout: &stdout, Stderr: &stderr,
	})
	if err != nil || code != 0 {
		t.Fatalf("exit %d, %v\n%s", code, err, stderr.String())
	}
	if want := "unix:" + socks[0] + " ok\nunix:" + socks[1] + " fail\n"; stdout.String() != want {
		t.Errorf("inside: %q, want %q", stdout.String(), want)
	}
	_, err = sandbox.Run(context.Background(), sandbox.Config{Command: []string{"true"}, Handler: hello, KeepSockets: []string{self(t)}})
	if err == nil || !strings.Contains(err.Error(), "only paths inside /run") {
		t.Errorf("keeping a path outside /run: %v, want a refusal", err)
	}
}
