//go:build linux

package sandbox

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"
)

// inPlace is a sandbox made without re-executing this binary, for a caller
// with CAP_SYS_ADMIN: one OS thread of this process enters new network and
// mount namespaces (both are per thread until a process is forked), sets up
// the same view as ChildMain, and forks the command from there, which
// inherits them. The thread is kept for that alone and ends with release.
type inPlace struct {
	cmd      *exec.Cmd
	listener *os.File
	daemons  []int
	release  func()
}

type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// startInPlace starts the command of plan in new namespaces made on a
// locked thread.
func startInPlace(plan childPlan, io stdio) (*inPlace, error) {
	type started struct {
		p   *inPlace
		err error
	}
	result := make(chan started, 1)
	done := make(chan struct{})
	go func() {
		// Never unlocked: the thread is the sandbox's, and the runtime ends
		// it when this goroutine returns. It lives until release, so that
		// the command's parent-death signal (sent when the thread that
		// forked it ends) means fakeghcr ended.
		runtime.LockOSThread()
		p, err := enterAndStart(plan, io)
		result <- started{p, err}
		<-done
	}()
	r := <-result
	if r.err != nil {
		close(done)
		return nil, r.err
	}
	r.p.release = func() { close(done) }
	return r.p, nil
}

// enterAndStart runs on the locked thread.
func enterAndStart(plan childPlan, io stdio) (p *inPlace, err error) {
	if err := syscall.Unshare(syscall.CLONE_NEWNET | syscall.CLONE_NEWNS); err != nil {
		return nil, fmt.Errorf("creating network and mount namespaces: %w", err)
	}
	ln, err := prepare(plan)
	if err != nil {
		return nil, err
	}
	p = &inPlace{listener: os.NewFile(uintptr(ln), "sandbox listener")}
	fail := func(err error) (*inPlace, error) {
		p.listener.Close()
		stopDaemons(p.daemons, 0)
		return nil, err
	}
	if len(plan.Daemons) > 0 {
		if p.daemons, err = startDaemons(plan.Daemons, plan.Env); err != nil {
			return fail(err)
		}
	}
	path, err := lookPath(plan.Command[0], plan.Env)
	if err != nil {
		return fail(err)
	}
	if plan.Dir != "" {
		if _, err := os.Stat(plan.Dir); err != nil {
			return fail(fmt.Errorf("chdir %s: %w", plan.Dir, errors.Unwrap(err)))
		}
	}
	cmd := &exec.Cmd{Path: path, Args: plan.Command, Env: plan.Env, Dir: plan.Dir,
		Stdin: io.in, Stdout: io.out, Stderr: io.err,
		SysProcAttr: &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
		// A background process the command leaves holding its output does
		// not keep Run waiting.
		WaitDelay: 5 * time.Second}
	if err := cmd.Start(); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // "fork/exec PATH: E" says PATH twice
		}
		return fail(fmt.Errorf("executing %s: %w", plan.Command[0], err))
	}
	p.cmd = cmd
	return p, nil
}
