//go:build linux

package e2e

import (
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSandboxStart measures, for the fakeghcr binary, the time from starting
// `fakeghcr sandbox -- date +%s%N` to the moment its command runs (ms-to-command: the wall
// clock date prints, minus the wall clock just before the start): the process, the default
// world, the CA and certificate, the namespaces and the setup stage. ns/op is the whole run,
// teardown included. cpu-ms is the CPU time (user and system) of fakeghcr and its setup stage
// per run: unlike the wall times, it does not grow with the machine's load.
func BenchmarkSandboxStart(b *testing.B) {
	if fakeghcr.err != nil {
		b.Fatalf("fakeghcr binary not available: %v", fakeghcr.err)
	}
	var total time.Duration
	n := 0
	before := childrenCPU(b)
	for b.Loop() {
		start := time.Now()
		out, err := exec.Command(fakeghcr.path, "sandbox", "--", "date", "+%s%N").Output()
		if err != nil {
			b.Fatalf("fakeghcr sandbox: %v\n%s", err, out)
		}
		ns, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			b.Fatalf("date printed %q", out)
		}
		total += time.Unix(0, ns).Sub(start)
		n++
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(n), "ms-to-command")
	b.ReportMetric(float64((childrenCPU(b)-before).Microseconds())/1000/float64(n), "cpu-ms")
}

// childrenCPU is the CPU time of this process's waited-for children.
func childrenCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFakeghcrHelp is the baseline for BenchmarkSandboxStart on the same machine: how
// long the fakeghcr binary takes to start and print its help, with no sandbox.
func BenchmarkFakeghcrHelp(b *testing.B) {
	if fakeghcr.err != nil {
		b.Fatalf("fakeghcr binary not available: %v", fakeghcr.err)
	}
	before := childrenCPU(b)
	for b.Loop() {
		if out, err := exec.Command(fakeghcr.path, "--help").CombinedOutput(); err != nil {
			b.Fatalf("fakeghcr --help: %v\n%s", err, out)
		}
	}
	b.ReportMetric(float64((childrenCPU(b)-before).Microseconds())/1000/float64(b.N), "cpu-ms")
}
