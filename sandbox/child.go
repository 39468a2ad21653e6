//go:build linux

package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// IsChild reports whether this process is a sandbox's setup stage, which
// must call ChildMain.
func IsChild() bool {
	return os.Getenv(childEnv) == "1" || os.Getenv(execEnv) != "" || isOCIRuntime()
}

// execEnv names the command for the exec step: this binary once more, in
// the command's own user namespace, which drops capabilities from its
// bounding set (a new user namespace starts with a full one) and executes
// the command in place.
const execEnv = "FAKEGHCR_SANDBOX_EXEC"

// ChildMain is the sandbox's setup stage and first process (PID 1 of its
// PID namespace): it binds the run's files, hides the host's socket
// directories, brings up loopback, hands the listeners to Run, starts the
// daemons, starts the command in a user namespace of its own and stops
// whatever the command leaves running when it ends. It never returns; its
// exit status is the command's (128+N when signal N ended it).
func ChildMain() {
	if isOCIRuntime() {
		ociRuntimeMain() // the private engine's OCI runtime (ociruntime.go)
	}
	if path := os.Getenv(execEnv); path != "" {
		execCommand(path)
	}
	// The command's parent-death signal comes when the thread that forked
	// it ends: that is this one, which lives as long as the process.
	runtime.LockOSThread()
	code, err := setUpAndRun()
	if err != nil {
		// The command could not be started: say why to Run.
		msg, _ := json.Marshal(statusMsg{Error: err.Error()})
		_ = syscall.Sendmsg(statusFD, msg, nil, nil, 0)
		stopAll(nil, 15*time.Second)
		os.Exit(125)
	}
	os.Exit(code)
}

func setUpAndRun() (int, error) {
	syscall.CloseOnExec(statusFD)
	planFile := os.NewFile(planFD, "plan")
	var plan childPlan
	err := json.NewDecoder(planFile).Decode(&plan)
	planFile.Close()
	if err != nil {
		return 0, fmt.Errorf("reading the plan: %w", err)
	}
	lns, err := prepare(plan)
	if err != nil {
		return 0, err
	}
	first := statusMsg{}
	env := plan.Env
	if plan.Proxy {
		sa, err := syscall.Getsockname(lns[1])
		if err != nil {
			return 0, err
		}
		first.ProxyPort = sa.(*syscall.SockaddrInet4).Port
		env = append(env, proxyEnv(first.ProxyPort, plan.NoProxy)...)
	}
	ok, _ := json.Marshal(first)
	err = syscall.Sendmsg(statusFD, ok, syscall.UnixRights(lns...), nil, 0)
	closeAll(lns)
	if err != nil {
		return 0, fmt.Errorf("sending the listeners: %w", err)
	}

	var daemons []int
	if len(plan.Daemons) > 0 {
		if daemons, err = startDaemons(plan.Daemons, env); err != nil {
			return 0, err
		}
	}
	path, err := lookPath(plan.Command[0], env)
	if err != nil {
		return 0, err
	}
	if plan.Dir != "" {
		if _, err := os.Stat(plan.Dir); err != nil {
			return 0, fmt.Errorf("chdir %s: %w", plan.Dir, errors.Unwrap(err))
		}
	}
	// Signals for the command arrive from here on; SIGCHLD wakes the reaper.
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGINT, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGCHLD)
	if err := syscall.Access(path, 1 /* X_OK */); err != nil {
		return 0, fmt.Errorf("executing %s: %w", plan.Command[0], err)
	}
	// The same argv[0] for this binary: multi-call binaries dispatch on it.
	proc, err := os.StartProcess("/proc/self/exe", append([]string{os.Args[0]}, plan.Command...), &os.ProcAttr{
		Dir:   plan.Dir,
		Env:   append(env, execEnv+"="+path),
		Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
		Sys:   commandAttr(plan.FullIDMap),
	})
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // "fork/exec PATH: E" says PATH twice
		}
		return 0, fmt.Errorf("executing %s: %w", plan.Command[0], err)
	}
	// The command runs: EOF tells Run so.
	syscall.Close(statusFD)
	ws := supervise(proc.Pid, sigs)
	stopAll(daemons, 15*time.Second)
	if ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return ws.ExitStatus(), nil
}

// commandAttr puts the command in new user and mount namespaces: it is root
// there, with every capability over what its namespace owns, and over
// nothing the host or the sandbox owns. The mounts it inherits are locked
// (a less privileged namespace copied them): it cannot unmount the
// sandbox's /etc/hosts, CA bundle or the tmpfs over /run to see the host's,
// and the network namespace is not its to reconfigure.
func commandAttr(fullIDMap bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS,
		// Ends with the sandbox's first process, whatever happens.
		Pdeathsig: syscall.SIGKILL,
	}
	if fullIDMap {
		// Every id is itself: files keep their owners, and root stays uid 0.
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 4294967295}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 4294967295}}
		attr.GidMappingsEnableSetgroups = true
	} else {
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}}
	}
	return attr
}

// droppedCaps are capabilities no build or client needs: the exec step
// removes them from the command's bounding set. The rest count only for
// what the command's own user namespace owns.
var droppedCaps = []uintptr{
	9,  // CAP_LINUX_IMMUTABLE
	16, // CAP_SYS_MODULE
	17, // CAP_SYS_RAWIO
	20, // CAP_SYS_PACCT
	22, // CAP_SYS_BOOT
	25, // CAP_SYS_TIME
	26, // CAP_SYS_TTY_CONFIG
	30, // CAP_AUDIT_CONTROL
	32, // CAP_MAC_OVERRIDE
	33, // CAP_MAC_ADMIN
	34, // CAP_SYSLOG
	35, // CAP_WAKE_ALARM
	36, // CAP_BLOCK_SUSPEND
	37, // CAP_AUDIT_READ
	38, // CAP_PERFMON
	39, // CAP_BPF
	40, // CAP_CHECKPOINT_RESTORE
}

// execCommand is the exec step, inside the command's user namespace, on
// the thread ChildMain locked: drop droppedCaps, then become the command
// (os.Args[1:]). It never returns.
func execCommand(path string) {
	for _, c := range droppedCaps {
		// EINVAL: a kernel older than the capability.
		if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_CAPBSET_DROP, c, 0); errno != 0 && errno != syscall.EINVAL {
			fmt.Fprintf(os.Stderr, "sandbox: dropping capability %d: %v\n", c, errno)
			os.Exit(125)
		}
	}
	env := withoutVars(os.Environ(), execEnv)
	err := syscall.Exec(path, os.Args[1:], env)
	fmt.Fprintf(os.Stderr, "sandbox: executing %s: %v\n", os.Args[1], err)
	os.Exit(126)
}

// supervise passes signals on to the command and reaps every process that
// ends (orphans come to PID 1), until the command itself ends.
func supervise(pid int, sigs <-chan os.Signal) syscall.WaitStatus {
	for {
		for {
			var ws syscall.WaitStatus
			got, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if err != nil || got <= 0 {
				break
			}
			if got == pid {
				return ws
			}
		}
		switch s := <-sigs; s {
		case syscall.SIGCHLD:
		case syscall.SIGINT:
			// A terminal's Ctrl-C reaches the command directly (the same
			// process group); passing it on would deliver it twice.
		default:
			_ = syscall.Kill(pid, s.(syscall.Signal))
		}
	}
}

// stopAll stops every process left in the sandbox: SIGTERM, then SIGKILL
// after grace. What the command left running (not the sandbox's daemons)
// is named on stderr.
func stopAll(daemons []int, grace time.Duration) {
	left := leftovers(daemons)
	if len(left) > 0 {
		fmt.Fprintf(os.Stderr, "sandbox: the command left %d process(es) running; stopping them: %s\n", len(left), strings.Join(left, ", "))
	}
	// PID 1 of a namespace: -1 is every other process in it.
	if err := syscall.Kill(-1, syscall.SIGTERM); err != nil {
		return // ESRCH: nothing left
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if reapAll() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = syscall.Kill(-1, syscall.SIGKILL)
	for i := 0; i < 250 && !reapAll(); i++ {
		time.Sleep(20 * time.Millisecond)
	}
}

// reapAll reaps what has ended and reports whether no child is left.
func reapAll() bool {
	for {
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.ECHILD {
			return true
		}
		if err != nil || got == 0 {
			return false
		}
	}
}

// leftovers names the processes in the sandbox other than this one and the
// daemons, from the sandbox's own /proc ("name (pid N)").
func leftovers(daemons []int) []string {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == 1 || slices.Contains(daemons, pid) || !alive(pid) {
			continue
		}
		if daemonChild(pid, daemons) {
			continue
		}
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		out = append(out, fmt.Sprintf("%s (pid %d)", strings.TrimSpace(string(comm)), pid))
	}
	return out
}

// daemonChild reports whether pid descends from one of the daemons
// (dockerd's containerd, for one).
func daemonChild(pid int, daemons []int) bool {
	for i := 0; i < 64 && pid > 1; i++ {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return false
		}
		s := string(b)
		j := strings.LastIndexByte(s, ')')
		f := strings.Fields(s[j+1:])
		if len(f) < 2 {
			return false
		}
		if pid, err = strconv.Atoi(f[1]); err != nil {
			return false
		}
		if slices.Contains(daemons, pid) {
			return true
		}
	}
	return false
}

// proxyEnv names the pass-through proxy inside, for every client's spelling.
func proxyEnv(port int, noProxy string) []string {
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	return []string{
		"HTTP_PROXY=" + url, "HTTPS_PROXY=" + url, "http_proxy=" + url, "https_proxy=" + url,
		"NO_PROXY=" + noProxy, "no_proxy=" + noProxy,
	}
}

// prepare makes the sandbox's view from inside its new namespaces: private
// mounts, the plan's files bound, sockets covered, /run hidden, its own
// /proc, loopback up, and the listening sockets: 127.0.0.1:443, then the
// proxy's, which it returns.
func prepare(plan childPlan) ([]int, error) {
	// Nothing mounted here may propagate back to the host.
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return nil, fmt.Errorf("making mounts private: %w", err)
	}
	for _, m := range plan.Mounts {
		if err := syscall.Mount(m.Source, m.Target, "", syscall.MS_BIND, ""); err != nil {
			return nil, fmt.Errorf("binding %s over %s: %w", m.Source, m.Target, err)
		}
	}
	for _, p := range plan.Masks {
		if err := syscall.Mount("/dev/null", p, "", syscall.MS_BIND, ""); err != nil {
			return nil, fmt.Errorf("covering %s: %w", p, err)
		}
	}
	if err := hide(plan.Hide, plan.Keep); err != nil {
		return nil, err
	}
	// The sandbox's processes only; /proc/1 is this stage. A kernel that
	// refuses (a user namespace under a partly masked /proc) leaves the
	// host's view of processes, which the command can read but not use.
	_ = syscall.Mount("proc", "/proc", "proc", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, "")
	if err := loopbackUp(); err != nil {
		return nil, fmt.Errorf("bringing up loopback: %w", err)
	}
	ln, err := listenLoopback(443)
	if err != nil {
		return nil, fmt.Errorf("listening on 127.0.0.1:443: %w", err)
	}
	lns := []int{ln}
	if plan.Proxy {
		p, err := listenLoopback(0)
		if err != nil {
			syscall.Close(ln)
			return nil, fmt.Errorf("listening for the proxy: %w", err)
		}
		lns = append(lns, p)
	}
	return lns, nil
}

// hide covers each directory with an empty tmpfs, then binds each kept
// path back.
func hide(dirs []string, keep []keptPath) error {
	for _, k := range keep {
		if err := syscall.Mount(k.Path, k.Stage, "", syscall.MS_BIND, ""); err != nil {
			return fmt.Errorf("keeping %s: %w", k.Path, err)
		}
	}
	for _, d := range dirs {
		if err := syscall.Mount("tmpfs", d, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "mode=0755,size=16m"); err != nil {
			return fmt.Errorf("hiding %s: %w", d, err)
		}
	}
	for _, k := range keep {
		if err := os.MkdirAll(filepath.Dir(k.Path), 0o755); err != nil {
			return fmt.Errorf("keeping %s: %w", k.Path, err)
		}
		if k.Dir {
			if err := os.MkdirAll(k.Path, 0o755); err != nil {
				return fmt.Errorf("keeping %s: %w", k.Path, err)
			}
		} else if f, err := os.OpenFile(k.Path, os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			f.Close()
		}
		if err := syscall.Mount(k.Stage, k.Path, "", syscall.MS_BIND, ""); err != nil {
			return fmt.Errorf("keeping %s: %w", k.Path, err)
		}
	}
	return nil
}

// lookPath finds file in the PATH of env, as a shell would.
func lookPath(file string, env []string) (string, error) {
	if strings.Contains(file, "/") {
		return file, nil
	}
	path := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: command not found in the PATH %q", file, path)
}

// loopbackUp sets IFF_UP on lo: a new network namespace starts with it down.
func loopbackUp() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	var ifr struct {
		name  [syscall.IFNAMSIZ]byte
		flags uint16
		_     [22]byte
	}
	copy(ifr.name[:], "lo")
	if err := ioctl(fd, syscall.SIOCGIFFLAGS, unsafe.Pointer(&ifr)); err != nil {
		return err
	}
	ifr.flags |= syscall.IFF_UP
	return ioctl(fd, syscall.SIOCSIFFLAGS, unsafe.Pointer(&ifr))
}

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

// listenLoopback makes a listening socket on 127.0.0.1:port (0: any).
func listenLoopback(port int) (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	if err := syscall.Listen(fd, syscall.SOMAXCONN); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}
