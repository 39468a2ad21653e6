//go:build linux

package sandbox

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/fakeghcr/fakeghcr/certs"
)

// Run runs cfg.Command in a new sandbox and returns its exit status (128+N
// when a signal N ended it, as shells report it). err is set only when the
// sandbox could not be made or the command not started; the command's own
// failure is its exit status. Cancelling ctx sends the command SIGTERM, then
// SIGKILL 10 s later.
func Run(ctx context.Context, cfg Config) (exitCode int, err error) {
	if len(cfg.Command) == 0 || cfg.Command[0] == "" {
		return -1, errors.New("sandbox: no command to run")
	}
	if cfg.Handler == nil {
		return -1, errors.New("sandbox: no handler to serve")
	}
	if len(cfg.Hosts) == 0 {
		cfg.Hosts = DefaultHosts
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	userNS := !hasCapSysAdmin()
	if cfg.Docker && userNS {
		return -1, errors.New("sandbox: a private Docker engine needs root (CAP_SYS_ADMIN): dockerd does not run in an unprivileged user namespace")
	}
	io := stdio{in: cfg.Stdin, out: cfg.Stdout, err: cfg.Stderr}

	// Without CAP_SYS_ADMIN, the setup stage (this binary again, in a user
	// namespace) starts first: its start overlaps the CA and the files.
	var child *reexec
	if userNS {
		if child, err = startReexec(io); err != nil {
			return -1, err
		}
	}
	abort := func(err error) (int, error) {
		if child != nil {
			child.abort()
		}
		return -1, fmt.Errorf("sandbox: %w", err)
	}

	ca, err := certs.NewCA("fakeghcr sandbox CA", time.Now())
	if err != nil {
		return abort(err)
	}
	cert, err := ca.Issue(cfg.Hosts, time.Now())
	if err != nil {
		return abort(err)
	}
	files, err := writeFiles(cfg.Hosts, ca.PEM)
	if err != nil {
		return abort(err)
	}
	defer files.remove()
	env := sandboxEnv(cfg.Env, files)
	plan := childPlan{
		Mounts:  files.mounts,
		Masks:   daemonSockets(),
		Command: cfg.Command,
		Dir:     cfg.Dir,
	}
	if cfg.Docker {
		d, err := dockerEngine(filepath.Join(files.dir, "docker"), cfg.Hosts, ca.PEM)
		if err != nil {
			return abort(fmt.Errorf("preparing the Docker engine: %w", err))
		}
		plan.Mounts = append(plan.Mounts, d.mounts...)
		plan.Daemons = append(plan.Daemons, d.daemon)
		env = append(withoutVars(env, "DOCKER_HOST", "DOCKER_CONTEXT"), d.env...)
	}
	plan.Env = env

	var (
		cmd     *exec.Cmd
		lnFile  *os.File
		daemons []int
	)
	if child != nil {
		cmd = child.cmd
		if lnFile, err = child.send(plan); err != nil {
			return -1, fmt.Errorf("sandbox: setting up: %w", err)
		}
		defer child.status.Close()
	} else {
		p, err := startInPlace(plan, io)
		if err != nil {
			return -1, fmt.Errorf("sandbox: %w", err)
		}
		defer p.release()
		cmd, lnFile, daemons = p.cmd, p.listener, p.daemons
	}
	defer func() { stopDaemons(daemons, 15*time.Second) }()

	ln, err := net.FileListener(lnFile)
	lnFile.Close()
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return -1, fmt.Errorf("sandbox: the sandbox's listener: %w", err)
	}
	hs := &http.Server{
		Handler:           cfg.Handler,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
	go func() {
		_ = hs.Serve(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))
	}()
	defer hs.Close()

	if child != nil {
		// The listener is served: the setup stage may start daemons and
		// execute the command (EOF), or say why it could not.
		daemons, err = awaitExec(child.status)
		if err != nil {
			_ = cmd.Wait()
			return -1, fmt.Errorf("sandbox: %w", err)
		}
	}
	logger.Debug("sandbox started", "command", cfg.Command[0], "pid", cmd.Process.Pid, "user_namespace", userNS)
	if cfg.Started != nil {
		cfg.Started(Info{CAPEM: ca.PEM, CAFile: files.caFile, UserNamespace: userNS, Pid: cmd.Process.Pid})
	}

	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
			}
		case <-done:
		}
	}()
	werr := cmd.Wait()
	close(done)
	return exitStatus(cmd, werr)
}

// reexec is the setup stage of a sandbox made with a user namespace.
type reexec struct {
	cmd    *exec.Cmd
	planW  *os.File
	status *os.File
}

// startReexec starts the setup stage; it waits for its plan.
func startReexec(io stdio) (*reexec, error) {
	cmd, planW, status, err := childCommand(true)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = io.in, io.out, io.err
	// A background process the command leaves holding its output does not
	// keep Run waiting.
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Start()
	closeChildEnds(cmd)
	if err != nil {
		planW.Close()
		status.Close()
		return nil, userNamespaceError(err)
	}
	return &reexec{cmd: cmd, planW: planW, status: status}, nil
}

// abort ends the setup stage before it got a plan (EOF stops it).
func (r *reexec) abort() {
	r.planW.Close()
	_ = r.cmd.Wait()
	r.status.Close()
}

// send hands the setup stage its plan and returns the listener it made.
func (r *reexec) send(plan childPlan) (*os.File, error) {
	werr := json.NewEncoder(r.planW).Encode(plan)
	r.planW.Close()
	ln, err := receiveListener(r.status)
	if werr != nil || err != nil {
		_ = r.cmd.Wait()
		r.status.Close()
		return nil, errors.Join(werr, err)
	}
	return ln, nil
}

// exitStatus is the command's exit code, or 128+signal as a shell reports it.
func exitStatus(cmd *exec.Cmd, err error) (int, error) {
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return -1, fmt.Errorf("sandbox: waiting for the command: %w", err)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return cmd.ProcessState.ExitCode(), nil
}

// proxyVars are removed from the command's environment: no proxy is
// reachable from inside, and clients would send ghcr.io's requests there.
var proxyVars = map[string]bool{
	"HTTP_PROXY": true, "HTTPS_PROXY": true, "ALL_PROXY": true, "NO_PROXY": true,
	"http_proxy": true, "https_proxy": true, "all_proxy": true, "no_proxy": true,
}

// sandboxEnv is the command's environment: env (or the caller's) without
// proxies and the child marker, with the CA variables set.
func sandboxEnv(env []string, f *runFiles) []string {
	if env == nil {
		env = os.Environ()
	}
	set := map[string]string{
		"SSL_CERT_FILE":       f.bundleFile,
		"REQUESTS_CA_BUNDLE":  f.bundleFile,
		"NODE_EXTRA_CA_CERTS": f.caFile,
		"FAKEGHCR_SANDBOX_CA": f.caFile,
	}
	out := make([]string, 0, len(env)+len(set))
	for _, kv := range env {
		k, _, _ := cutEnv(kv)
		if proxyVars[k] || k == childEnv || set[k] != "" {
			continue
		}
		out = append(out, kv)
	}
	for _, k := range []string{"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "FAKEGHCR_SANDBOX_CA"} {
		out = append(out, k+"="+set[k])
	}
	return out
}

func cutEnv(kv string) (k, v string, ok bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// withoutVars is env without the named variables.
func withoutVars(env []string, names ...string) []string {
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := cutEnv(kv)
		if !slices.Contains(names, k) {
			out = append(out, kv)
		}
	}
	return out
}
