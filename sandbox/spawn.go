//go:build linux

package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// childEnv marks the re-executed binary as the sandbox's setup stage.
const childEnv = "FAKEGHCR_SANDBOX_CHILD"

// The setup stage's inherited descriptors: the plan (a pipe, JSON) and the
// status socket (the listener, then EOF on exec or an error message).
const (
	planFD   = 3
	statusFD = 4
)

// childPlan is what the setup stage does, decided by Run.
type childPlan struct {
	Mounts  []bindMount // files bound over the host's, in order
	Masks   []string    // existing paths covered by /dev/null
	Hide    []string    // directories covered by an empty tmpfs (/run)
	Keep    []keptPath  // paths under Hide shown again
	Daemons []daemon    // started, and awaited, before the command
	Proxy   bool        // listen for the pass-through proxy, and name it in Env
	NoProxy string      // NO_PROXY inside, with Proxy
	// FullIDMap: the stage is root in the host's user namespace, and the
	// command's own user namespace maps every id to itself (otherwise root
	// alone, the only id the stage's namespace has).
	FullIDMap bool
	Command   []string
	Dir       string
	Env       []string
}

// keptPath is a path under a hidden directory that stays visible: bound to
// Stage before the tmpfs covers it, and back after.
type keptPath struct {
	Path, Stage string
	Dir         bool
}

type bindMount struct{ Source, Target string }

// statusMsg is a message on the status socket.
type statusMsg struct {
	Error     string `json:"error,omitempty"`
	ProxyPort int    `json:"proxy_port,omitempty"` // the pass-through proxy's port inside
}

// childCommand is the unstarted setup stage: this binary again, in new
// user (when userNS), PID, network and mount namespaces, with
// the write end of the plan pipe and Run's end of the status socket.
func childCommand(userNS bool) (cmd *exec.Cmd, planW, status *os.File, err error) {
	planR, planW, err := os.Pipe()
	if err != nil {
		return nil, nil, nil, err
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		planR.Close()
		planW.Close()
		return nil, nil, nil, fmt.Errorf("socketpair: %w", err)
	}
	status = os.NewFile(uintptr(fds[0]), "sandbox status")
	childEnd := os.NewFile(uintptr(fds[1]), "sandbox status (child)")

	cmd = exec.Command("/proc/self/exe")
	// The same argv[0]: multi-call binaries (testscript's) dispatch on it.
	cmd.Args = []string{os.Args[0]}
	cmd.Env = []string{childEnv + "=1"}
	cmd.ExtraFiles = []*os.File{planR, childEnd} // fds 3 and 4
	attr := &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWNS | syscall.CLONE_NEWPID,
		// The command dies with Run's process rather than outlive it.
		Pdeathsig: syscall.SIGKILL,
	}
	if userNS {
		attr.Cloneflags |= syscall.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}}
		attr.GidMappingsEnableSetgroups = false
	}
	cmd.SysProcAttr = attr
	return cmd, planW, status, nil
}

// closeChildEnds closes Run's copies of the descriptors the child inherited,
// so that the child's exec shows as EOF.
func closeChildEnds(cmd *exec.Cmd) {
	for _, f := range cmd.ExtraFiles {
		f.Close()
	}
}

// receiveListeners reads the setup stage's first message: the listening
// sockets (ghcr.io's 443, then the proxy's when asked), or why there are none.
func receiveListeners(status *os.File, want int) ([]*os.File, *statusMsg, error) {
	msg, fds, err := recvStatus(status)
	switch {
	case err != nil:
		return nil, nil, err
	case msg == nil:
		return nil, nil, errors.New("the setup stage ended without a word (see its stderr)")
	case msg.Error != "":
		closeAll(fds)
		return nil, nil, errors.New(msg.Error)
	case len(fds) != want:
		closeAll(fds)
		return nil, nil, fmt.Errorf("the setup stage sent %d descriptors, want %d", len(fds), want)
	}
	var files []*os.File
	for _, fd := range fds {
		files = append(files, os.NewFile(uintptr(fd), "sandbox listener"))
	}
	return files, msg, nil
}

// awaitExec waits for EOF (the command runs) or an error message.
func awaitExec(status *os.File) error {
	for {
		msg, fds, err := recvStatus(status)
		closeAll(fds)
		switch {
		case err != nil:
			return err
		case msg == nil:
			return nil
		case msg.Error != "":
			return errors.New(msg.Error)
		}
	}
}

// recvStatus reads one message; nil at EOF.
func recvStatus(status *os.File) (*statusMsg, []int, error) {
	conn, err := status.SyscallConn()
	if err != nil {
		return nil, nil, err
	}
	buf := make([]byte, 64<<10)
	oob := make([]byte, syscall.CmsgSpace(4*4))
	var n, oobn int
	var rerr error
	err = conn.Read(func(fd uintptr) bool {
		n, oobn, _, _, rerr = syscall.Recvmsg(int(fd), buf, oob, syscall.MSG_CMSG_CLOEXEC)
		return rerr != syscall.EAGAIN
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading the setup stage's status: %w", err)
	}
	var fds []int
	if oobn > 0 {
		scms, err := syscall.ParseSocketControlMessage(oob[:oobn])
		if err != nil {
			return nil, nil, err
		}
		for _, scm := range scms {
			got, err := syscall.ParseUnixRights(&scm)
			if err == nil {
				fds = append(fds, got...)
			}
		}
	}
	if n == 0 && len(fds) == 0 {
		return nil, nil, nil
	}
	var msg statusMsg
	if err := json.Unmarshal(buf[:n], &msg); err != nil {
		closeAll(fds)
		return nil, nil, fmt.Errorf("the setup stage's status %q: %w", buf[:n], err)
	}
	return &msg, fds, nil
}

func closeAll(fds []int) {
	for _, fd := range fds {
		syscall.Close(fd)
	}
}

// hasCapSysAdmin reports whether this process may create network and mount
// namespaces without a user namespace of its own.
func hasCapSysAdmin() bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return os.Geteuid() == 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && caps&(1<<21) != 0 // CAP_SYS_ADMIN
		}
	}
	return false
}

// userNamespaceError says what the kernel refused and which settings decide it.
func userNamespaceError(err error) error {
	var settings []string
	for _, s := range []struct{ file, want string }{
		{"/proc/sys/user/max_user_namespaces", "more than 0"},
		{"/proc/sys/kernel/unprivileged_userns_clone", "1"},
		{"/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "0"},
	} {
		b, rerr := os.ReadFile(s.file)
		if rerr != nil {
			continue
		}
		name := strings.ReplaceAll(strings.TrimPrefix(s.file, "/proc/sys/"), "/", ".")
		settings = append(settings, fmt.Sprintf("%s = %s (needs %s)", name, strings.TrimSpace(string(b)), s.want))
	}
	return fmt.Errorf("sandbox: not root, and the kernel refused a user namespace (%w). "+
		"Run as root, or allow unprivileged user namespaces: %s", err, strings.Join(settings, ", "))
}
