//go:build linux

package sandbox

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// ownerFile, in a run's directory, names the process that made it: its pid
// and start time (so a reused pid is not taken for it).
const ownerFile = "owner"

// selfOwner is this process's owner line.
func selfOwner() string {
	return fmt.Sprintf("%d %s\n", os.Getpid(), startTime(os.Getpid()))
}

// startTime is field 22 of /proc/PID/stat: when the process started, in
// clock ticks since boot ("" when it does not exist).
func startTime(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// sweepStale removes the directories of earlier runs whose process is gone
// (killed with SIGKILL, it could not remove its own). Only this user's
// directories are looked at; one without an owner file is left alone
// unless it is a day old.
func sweepStale(logger *slog.Logger) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "fakeghcr-sandbox-*"))
	for _, d := range dirs {
		fi, err := os.Lstat(d)
		if err != nil || !fi.IsDir() {
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Getuid() {
			continue
		}
		if !stale(d, fi.ModTime()) {
			continue
		}
		if err := os.RemoveAll(d); err != nil {
			logger.Warn("sandbox: removing an earlier run's directory", "dir", d, "error", err)
			continue
		}
		logger.Debug("sandbox: removed an earlier run's directory", "dir", d)
	}
}

// stale reports whether the run that made dir has ended.
func stale(dir string, made time.Time) bool {
	b, err := os.ReadFile(filepath.Join(dir, ownerFile))
	if err != nil {
		return os.IsNotExist(err) && time.Since(made) > 24*time.Hour
	}
	var pid int
	var start string
	if _, err := fmt.Sscanf(string(b), "%d %s", &pid, &start); err != nil {
		// Written and read by this package: half-written means being written.
		return time.Since(made) > time.Hour
	}
	return startTime(pid) != start
}
