package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// kind is one of the servers the harness compares.
type kind int

const (
	kindFakeghcr kind = iota // fakeghcr's binary, auth on, alice's classic PAT
	kindBare                 // go-containerregistry's registry.New(), in a child process
	kindDistMem              // distribution's registry, inmemory driver
	kindDistFS               // distribution's registry, filesystem driver
	kindLimit                // the physical limit (limit.go), in a child process
	numKinds
)

// label is the kind's column heading.
func (k kind) label() string {
	switch k {
	case kindFakeghcr:
		return "fakeghcr (auth on)"
	case kindBare:
		return "ggcr registry.New()"
	case kindDistMem:
		return "distribution, inmemory"
	case kindDistFS:
		return "distribution, filesystem"
	case kindLimit:
		return "physical limit"
	}
	return "kind" + strconv.Itoa(int(k))
}

// up is the status GET /v2/ answers once the server is serving: fakeghcr
// challenges (401) as GHCR does, the others answer 200.
func (k kind) up() int {
	if k == kindFakeghcr {
		return http.StatusUnauthorized
	}
	return http.StatusOK
}

// Bounds on waiting for and stopping a server.
const (
	readyTimeout = 10 * time.Second
	stopTimeout  = 10 * time.Second
	pollInterval = 200 * time.Microsecond
)

// proc is one running server process.
type proc struct {
	kind kind
	addr string // 127.0.0.1:port
	cmd  *exec.Cmd
	dir  string // scratch directory: config, logs, filesystem storage
	done chan struct{}
	err  error // Wait's result, once done is closed
}

// pid is the server's process id.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// url is the server's base URL, without a trailing slash.
func (p *proc) url() string { return "http://" + p.addr }

// startServer starts a server of kind k and waits for its first answer to
// GET /v2/; it returns the time from just before the process was started
// to that answer. The harness records the process so that it is stopped
// even when the run fails. A server that loses its port to another
// program is started again on another (at most startAttempts times).
func (h *harness) startServer(ctx context.Context, k kind) (*proc, time.Duration, error) {
	var err error
	for range startAttempts {
		var p *proc
		var d time.Duration
		if p, d, err = h.startOnce(ctx, k); err == nil {
			return p, d, nil
		}
		if ctx.Err() != nil {
			break
		}
		h.logf("  %v; starting it again", err)
	}
	return nil, 0, err
}

const startAttempts = 3

func (h *harness) startOnce(ctx context.Context, k kind) (*proc, time.Duration, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, 0, err
	}
	h.seq++
	dir := filepath.Join(h.tmp, fmt.Sprintf("server-%03d", h.seq))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	var cmd *exec.Cmd
	switch k {
	case kindFakeghcr:
		scenario := h.scenarioPath
		if h.startWorld != "" {
			scenario = h.startWorld // -start-world, in the start phase only
		}
		cmd = exec.Command(h.fakeghcrBin, "serve", "--addr", addr, "--scenario", scenario,
			"--admin-token", "bench-admin", "--log-level", "warn")
	case kindBare:
		cmd = exec.Command(h.bareBin, addr)
		if h.cfg.bareCmd != "" {
			argv := strings.Fields(strings.ReplaceAll(h.cfg.bareCmd, "{addr}", addr))
			cmd = exec.Command(argv[0], argv[1:]...)
		}
	case kindLimit:
		cmd = exec.Command(h.selfBin, "-serve-limit", addr)
	case kindDistMem, kindDistFS:
		cfg := filepath.Join(dir, "config.yml")
		if err := os.WriteFile(cfg, []byte(distConfig(k, addr, filepath.Join(dir, "storage"))), 0o644); err != nil {
			return nil, 0, err
		}
		cmd = exec.Command(h.registryBin, "serve", cfg)
		// No tracing exporter: distribution would otherwise try to send
		// spans to localhost:4318 in the background.
		cmd.Env = append(os.Environ(), "OTEL_TRACES_EXPORTER=none", "OTEL_SDK_DISABLED=true")
	default:
		return nil, 0, fmt.Errorf("unknown server kind %d", k)
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, 0, err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	// The server dies with the harness, whatever kills it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &proc{kind: k, addr: addr, cmd: cmd, dir: dir, done: make(chan struct{})}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("starting %s: %w", k.label(), err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	h.live[p] = true
	elapsed, err := waitReady(ctx, p, start)
	if err != nil {
		h.stopServer(p)
		return nil, 0, fmt.Errorf("%s did not come up: %w\n%s", k.label(), err, tail(filepath.Join(dir, "server.log")))
	}
	return p, elapsed, nil
}

// waitReady polls GET /v2/ until the server answers with its "up" status.
func waitReady(ctx context.Context, p *proc, start time.Time) (time.Duration, error) {
	client := &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
		Timeout:   time.Second,
	}
	defer client.CloseIdleConnections()
	deadline := start.Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return 0, fmt.Errorf("exited: %v", p.err)
		case <-ctx.Done():
			return 0, ctx.Err()
		default:
		}
		resp, err := client.Get(p.url() + "/v2/")
		if err == nil {
			elapsed := time.Since(start)
			resp.Body.Close()
			if resp.StatusCode == p.kind.up() {
				// A server that failed to bind exits at once: make sure
				// the answer was not another program's on the same port.
				select {
				case <-p.done:
					return 0, fmt.Errorf("exited: %v", p.err)
				case <-time.After(20 * time.Millisecond):
				}
				return elapsed, nil
			}
			return 0, fmt.Errorf("GET /v2/ answered %s, want %d", resp.Status, p.kind.up())
		}
		time.Sleep(pollInterval)
	}
	return 0, fmt.Errorf("no answer to GET /v2/ within %v", readyTimeout)
}

// stopServer stops p by its pid (SIGTERM, then SIGKILL) and removes its
// scratch directory.
func (h *harness) stopServer(p *proc) {
	delete(h.live, p)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	_ = os.RemoveAll(p.dir)
}

// stopAll stops every server still running.
func (h *harness) stopAll() {
	for p := range h.live {
		h.stopServer(p)
	}
}

// procStatus reads one "kB" field (VmHWM, VmRSS) of /proc/PID/status, in
// bytes.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/status %s: %w", pid, field, err)
		}
		return kb << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("/proc/%d/status: no %s", pid, field)
}

// procCPU is the CPU time (user + system) process pid has used: the sum
// of its threads' /proc/PID/task/TID/schedstat, in nanoseconds, or, where
// schedstat is missing, /proc/PID/stat in clock ticks (10 ms, too coarse
// for a workload of a tenth of a second). schedstat forgets threads that
// have exited; a Go server's threads live as long as it does.
func procCPU(pid int) (time.Duration, error) {
	if d, err := schedCPU(pid); err == nil {
		return d, nil
	}
	return statCPU(pid)
}

// schedCPU sums the first field (time on a CPU, ns) of every thread's
// schedstat.
func schedCPU(pid int) (time.Duration, error) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var total time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(dir + "/" + t.Name() + "/schedstat")
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // the thread exited since ReadDir
			}
			return 0, err
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return 0, fmt.Errorf("%s/%s/schedstat: empty", dir, t.Name())
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s/%s/schedstat: %w", dir, t.Name(), err)
		}
		total += time.Duration(ns)
	}
	return total, nil
}

// statCPU reads utime and stime from /proc/PID/stat.
func statCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: count fields after it.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	var ticks int64
	for _, field := range f[11:13] { // utime and stime, fields 14 and 15
		n, err := strconv.ParseInt(field, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// freeAddr returns a loopback address whose port is free right now. The
// port is drawn from below the kernel's ephemeral range, so that no other
// program's listen on :0 (tests on a shared machine) can take it between
// this check and the server's own bind; a server that still loses the
// port fails to start, or answers with a status not its own.
func freeAddr() (string, error) {
	lo, hi := 10000, ephemeralLow()-1
	for range 100 {
		if hi-lo < 1000 {
			break
		}
		addr := "127.0.0.1:" + strconv.Itoa(lo+rand.IntN(hi-lo+1))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		return addr, ln.Close()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// ephemeralLow is the first port of the kernel's ephemeral range.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if f := strings.Fields(string(b)); err == nil && len(f) == 2 {
		if n, err := strconv.Atoi(f[0]); err == nil {
			return n
		}
	}
	return 32768
}

// distConfig is distribution's configuration for kind k: the driver,
// no access log, no upload purging, the blob descriptor cache of the
// project's sample configuration.
func distConfig(k kind, addr, root string) string {
	driver := "  inmemory: {}\n"
	if k == kindDistFS {
		driver = "  filesystem:\n    rootdirectory: " + root + "\n"
	}
	return "version: 0.1\n" +
		"log:\n  level: error\n  accesslog:\n    disabled: true\n" +
		"storage:\n" + driver +
		"  cache:\n    blobdescriptor: inmemory\n" +
		"  maintenance:\n    uploadpurging:\n      enabled: false\n" +
		"http:\n  addr: " + addr + "\n"
}

// tail returns the last lines of a log file, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}
