//go:build linux

package sandbox

import (
	"encoding/json"
	"errors"

	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unsafe"
)

// IsChild reports whether this process is a sandbox's setup stage, which
// must call ChildMain.
func IsChild() bool { return os.Getenv(childEnv) == "1" }

// ChildMain is the sandbox's setup stage, inside the new namespaces: it
// binds the run's files, brings up loopback, hands the 127.0.0.1:443
// listener to Run and executes the command in place. It never returns.
func ChildMain() {
	err := setUp()
	// Reached only when the command could not be executed.
	msg, _ := json.Marshal(statusMsg{Error: err.Error()})
	_ = syscall.Sendmsg(statusFD, msg, nil, nil, 0)
	os.Exit(125)
}

func setUp() error {
	// The status socket closes on exec, so that Run sees EOF once the
	// command runs, and no daemon started here inherits it.
	syscall.CloseOnExec(statusFD)
	planFile := os.NewFile(planFD, "plan")
	var plan childPlan
	err := json.NewDecoder(planFile).Decode(&plan)
	planFile.Close()
	if err != nil {
		return fmt.Errorf("reading the plan: %w", err)
	}
	ln, err := prepare(plan)
	if err != nil {
		return err
	}
	ok, _ := json.Marshal(statusMsg{})
	err = syscall.Sendmsg(statusFD, ok, syscall.UnixRights(ln), nil, 0)
	syscall.Close(ln)
	if err != nil {
		return fmt.Errorf("sending the listener: %w", err)
	}

	if len(plan.Daemons) > 0 {
		pids, err := startDaemons(plan.Daemons, plan.Env)
		msg, _ := json.Marshal(statusMsg{Daemons: pids})
		if serr := syscall.Sendmsg(statusFD, msg, nil, nil, 0); serr != nil || err != nil {
			return errors.Join(err, serr)
		}
	}

	path, err := lookPath(plan.Command[0], plan.Env)
	if err != nil {
		return err
	}
	if plan.Dir != "" {
		if err := os.Chdir(plan.Dir); err != nil {
			return err
		}
	}
	err = syscall.Exec(path, plan.Command, plan.Env)
	return fmt.Errorf("executing %s: %w", plan.Command[0], err)
}

// prepare makes the sandbox's view from inside its new namespaces: private
// mounts, the plan's files bound and sockets covered, loopback up, and the
// listening socket on 127.0.0.1:443, which it returns.
func prepare(plan childPlan) (int, error) {
	// Nothing mounted here may propagate back to the host.
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return -1, fmt.Errorf("making mounts private: %w", err)
	}
	for _, m := range plan.Mounts {
		if err := syscall.Mount(m.Source, m.Target, "", syscall.MS_BIND, ""); err != nil {
			return -1, fmt.Errorf("binding %s over %s: %w", m.Source, m.Target, err)
		}
	}
	for _, p := range plan.Masks {
		if err := syscall.Mount("/dev/null", p, "", syscall.MS_BIND, ""); err != nil {
			return -1, fmt.Errorf("covering %s: %w", p, err)
		}
	}
	if err := loopbackUp(); err != nil {
		return -1, fmt.Errorf("bringing up loopback: %w", err)
	}
	ln, err := listen443()
	if err != nil {
		return -1, fmt.Errorf("listening on 127.0.0.1:443: %w", err)
	}
	return ln, nil
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

// listen443 makes the listening socket on 127.0.0.1:443.
func listen443() (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: 443, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	if err := syscall.Listen(fd, syscall.SOMAXCONN); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}
