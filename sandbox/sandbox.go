//go:build linux

package sandbox

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
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
	if cfg.Env == nil {
		cfg.Env = os.Environ()
	}
	keep, err := keptSockets(cfg.KeepSockets)
	if err != nil {
		return -1, fmt.Errorf("sandbox: %w", err)
	}
	sweepStale(logger)
	streams := stdio{in: cfg.Stdin, out: cfg.Stdout, err: cfg.Stderr}

	// The setup stage (this binary again, in new namespaces) starts first:
	// its start overlaps the CA and the files.
	child, err := startReexec(streams, userNS)
	if err != nil {
		return -1, err
	}
	abort := func(err error) (int, error) {
		child.abort()
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
	if under(files.dir, hiddenDirs()) {
		return abort(fmt.Errorf("the run's directory %s is under /run, which is hidden inside: set TMPDIR elsewhere", files.dir))
	}
	dockerConfig := cfg.DockerConfig
	if dockerConfig == "" {
		dockerConfig = filepath.Join(files.dir, "docker-config")
	}
	if err := prepareDockerConfig(dockerConfig, hostDockerConfig(cfg.Env)); err != nil {
		return abort(err)
	}
	env := sandboxEnv(cfg.Env, files)
	env = append(withoutVars(env, storeVars...), ClientStores(dockerConfig)...)
	plan := childPlan{
		Mounts:    files.mounts,
		Masks:     daemonSockets(keep),
		Hide:      hiddenDirs(),
		Command:   cfg.Command,
		Dir:       cfg.Dir,
		Proxy:     !cfg.Offline,
		NoProxy:   strings.Join(append([]string{"localhost", "127.0.0.1", "::1"}, cfg.Hosts...), ","),
		FullIDMap: !userNS,
	}
	for i, k := range keep {
		stage := filepath.Join(files.dir, fmt.Sprintf("keep-%d", i))
		if k.Dir {
			err = os.Mkdir(stage, 0o700)
		} else {
			err = os.WriteFile(stage, nil, 0o600)
		}
		if err != nil {
			return abort(err)
		}
		k.Stage = stage
		plan.Keep = append(plan.Keep, k)
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

	want := 1
	if plan.Proxy {
		want = 2
	}
	lnFiles, first, err := child.send(plan, want)
	if err != nil {
		return -1, fmt.Errorf("sandbox: setting up: %w", err)
	}
	defer child.status.Close()
	cmd := child.cmd
	var lns []net.Listener
	for _, f := range lnFiles {
		ln, err := net.FileListener(f)
		f.Close()
		if err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return -1, fmt.Errorf("sandbox: the sandbox's listener: %w", err)
		}
		lns = append(lns, ln)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	idle := cfg.IdleTimeout
	if idle <= 0 {
		idle = 2 * time.Minute
	}
	hs := &http.Server{
		Handler:           cfg.Handler,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       idle,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
	go func() { _ = hs.Serve(tls.NewListener(lns[0], tc)) }()
	defer hs.Close()
	proxyAddr := ""
	if plan.Proxy {
		pt := newPassThrough(cfg.Hosts, cfg.Dial, tc, logger)
		go func() { _ = hs.Serve(pt.served) }()
		ps := &http.Server{
			Handler:           pt,
			ReadHeaderTimeout: 30 * time.Second,
			IdleTimeout:       idle,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
		}
		go func() { _ = ps.Serve(lns[1]) }()
		defer ps.Close()
		proxyAddr = fmt.Sprintf("127.0.0.1:%d", first.ProxyPort)
	}

	// The listeners are served: the setup stage may start daemons and the
	// command (EOF), or say why it could not.
	if err := awaitExec(child.status); err != nil {
		_ = cmd.Wait()
		return -1, fmt.Errorf("sandbox: %w", err)
	}
	logger.Debug("sandbox started", "command", cfg.Command[0], "pid", cmd.Process.Pid, "user_namespace", userNS, "proxy", proxyAddr)
	if cfg.Started != nil {
		cfg.Started(Info{CAPEM: ca.PEM, CAFile: files.caFile, UserNamespace: userNS, Pid: cmd.Process.Pid, Proxy: proxyAddr})
	}

	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
			}
		case <-done:
		}
	}()
	werr := cmd.Wait()
	close(done)
	return exitStatus(cmd, werr)
}

type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// reexec is the setup stage of a sandbox made with a user namespace.
type reexec struct {
	cmd    *exec.Cmd
	planW  *os.File
	status *os.File
}

// startReexec starts the setup stage; it waits for its plan.
func startReexec(io stdio, userNS bool) (*reexec, error) {
	cmd, planW, status, err := childCommand(userNS)
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
		if userNS {
			return nil, userNamespaceError(err)
		}
		return nil, fmt.Errorf("sandbox: starting the setup stage: %w", err)
	}
	return &reexec{cmd: cmd, planW: planW, status: status}, nil
}

// abort ends the setup stage before it got a plan (EOF stops it).
func (r *reexec) abort() {
	r.planW.Close()
	_ = r.cmd.Wait()
	r.status.Close()
}

// send hands the setup stage its plan and returns the listeners it made.
func (r *reexec) send(plan childPlan, want int) ([]*os.File, *statusMsg, error) {
	werr := json.NewEncoder(r.planW).Encode(plan)
	r.planW.Close()
	lns, msg, err := receiveListeners(r.status, want)
	if werr != nil || err != nil {
		_ = r.cmd.Wait()
		r.status.Close()
		return nil, nil, errors.Join(werr, err)
	}
	return lns, msg, nil
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

// proxyVars are removed from the command's environment: the caller's proxy
// is not reachable from inside; the sandbox's own is named instead (unless
// offline).
var proxyVars = map[string]bool{
	"HTTP_PROXY": true, "HTTPS_PROXY": true, "ALL_PROXY": true, "NO_PROXY": true,
	"http_proxy": true, "https_proxy": true, "all_proxy": true, "no_proxy": true,
}

// sandboxEnv is the command's environment: env (or the caller's) without
// proxies and the child marker, with the CA variables set.
func sandboxEnv(env []string, f *runFiles) []string {
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
