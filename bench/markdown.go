package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// machine describes where and with what a run was made.
type machine struct {
	cpus            int
	cpuModel        string
	memory          string
	kernel          string
	goVersion       string
	date            string
	loadStart       string
	loadEnd         string
	took            time.Duration
	fakeghcrRev     string
	ggcrVersion     string
	registryVersion string
}

func describeMachine(ctx context.Context, registryBin string) machine {
	m := machine{
		cpus:        runtime.NumCPU(),
		cpuModel:    procField("/proc/cpuinfo", "model name"),
		kernel:      strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")),
		goVersion:   runtime.Version(),
		date:        time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		fakeghcrRev: gitRevision(ctx),
		ggcrVersion: "unknown",
	}
	if kb, err := strconv.ParseInt(strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB"), 10, 64); err == nil {
		m.memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/google/go-containerregistry" {
				m.ggcrVersion = d.Version
			}
		}
	}
	if registryBin != "" {
		out, _ := exec.CommandContext(ctx, registryBin, "--version").Output()
		if f := strings.Fields(string(out)); len(f) >= 3 {
			m.registryVersion = f[2]
		}
	}
	return m
}

// gitRevision is the fakeghcr commit measured, marked when the tree has
// changes (read-only git commands; "unknown" outside a checkout).
func gitRevision(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	rev := strings.TrimSpace(string(out))
	if st, err := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		rev += " with uncommitted changes"
	}
	return rev
}

// procField returns the value of the first "name : value" line of a /proc
// file.
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	return string(b)
}

// loadAverage is the 1, 5 and 15 minute load averages.
func loadAverage() string {
	f := strings.Fields(readFile("/proc/loadavg"))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// doc is docs/benchmarks.md: the table, the machine, how to rerun.
func (h *harness) doc(tbl, limitTbl string) string {
	m, cfg := h.machine, h.cfg
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Benchmarks\n\n")
	w("fakeghcr measured side by side with the registries a test suite or a CI job would otherwise start:\n")
	w("go-containerregistry's bare `registry.New()` (the *bare engine*) and distribution's registry with its\n")
	w("inmemory and filesystem drivers, all on 127.0.0.1 in one run of `go run ./bench` (source in\n")
	w("[bench/](../bench)), with go-containerregistry's remote client as the client. fakeghcr runs with auth on:\n")
	w("the client logs in as a classic PAT with write:packages and does GHCR's token exchange; the others have\n")
	w("no auth. Each figure is the median of the run's repetitions, followed by its ratio to the bare engine's\n")
	w("median in the same run: absolute figures drift from run to run on shared machines, ratios much less.\n\n")
	w("This file is written by the harness; rerun it rather than editing the table by hand.\n\n")
	w("## Latest run\n\n")
	w("%s, %s on %d CPUs (%s), %s of memory, Linux %s, %s.\n", m.date, durationWords(m.took), m.cpus, m.cpuModel, m.memory, m.kernel, m.goVersion)
	w("Load average %s at the start, %s at the end (the machine is shared: the ratios matter, not the absolutes).\n", m.loadStart, m.loadEnd)
	w("fakeghcr %s; go-containerregistry %s", m.fakeghcrRev, m.ggcrVersion)
	if m.registryVersion != "" {
		w("; distribution %s", m.registryVersion)
	}
	w(".\n")
	if cfg.bareCmd != "" {
		w("The bare engine's column is `%s` in this run (-bare-cmd), not bench/bareggcr.\n", cfg.bareCmd)
	}
	w("\n%s\n", tbl)
	w("Medians of %d repetitions; start-up of the binaries: median of %d starts; Go fixtures: median of %d.\n", cfg.reps, cfg.starts, cfg.fixtures)
	w("MB/s are 10^6 bytes per second. \"—\": not measured for that server (no token service, no Go fixture, or\n")
	w("not applicable: see below).\n\n")
	if miss := missed(cfg, h.res); len(miss) > 0 {
		w("Targets missed in this run:")
		for i, mm := range miss {
			if i > 0 {
				w(";")
			}
			w(" %s (%s)", mm.title, mm.target)
		}
		w(". The next step for each is a profile of that workload: see *Profiling* below.\n\n")
	} else {
		w("Every target was met in this run.\n\n")
	}
	if limitTbl != "" {
		w("## Against the physical limit\n\n")
		w("The *physical limit* is the least work an in-memory registry can do for a blob: a server in the bench\n")
		w("binary ([bench/limit.go](../bench/limit.go), `bench -serve-limit`) that reads each pushed byte once into\n")
		w("its chunk and hashes it once there, writes each pulled byte from its chunk, and does nothing else: no auth,\n")
		w("no repository scoping, no validation, no log. fakeghcr runs with auth on (token exchange, permission\n")
		w("checks, decision log), on the same client. Both are started fresh for each of %d repetitions and run\n", cfg.limitReps)
		w("side by side; the pushes go one server after the other, in alternating order; figures are medians.\n")
		w("The small-blob pull reads each pushed blob %d times, one round (every blob once) at a time, the two\n", limitPullRounds)
		w("servers' rounds interleaved (A B B A A ...), so that a change in the machine's load weighs on both\n")
		w("alike; a server's rate is its blobs over its own rounds' time. *Server CPU* is the server process's\n")
		w("time on a CPU around the workload, summed over its threads' /proc/PID/task/TID/schedstat (nanoseconds),\n")
		w("which the machine's load moves less than wall time: read it beside the blobs/s of the same workload\n")
		w("(per 1000 blobs in ms is per blob in µs: the CPU one pulled blob's request costs the server).\n\n")
		w("%s\n", limitTbl)
		w("On a quiet machine (load average under 1), the small-blob pull alone, 7 paired repetitions:\n\n")
		w("    go run ./bench -only limit -limit-reps 7 -no-distribution\n\n")
		w("Where a pull's server time goes: `go test ./registry -run '^$' -bench AuthorizedBlobGet -cpuprofile\n")
		w("/tmp/cpu.out -memprofile /tmp/mem.out -o /tmp/registry.test` (one authorized 4 KiB GET, in-process:\n")
		w("routing, token check, decision, record, answer), then `go tool pprof -top -cum /tmp/registry.test\n")
		w("/tmp/cpu.out`; `perf record -g -p PID` of a `fakeghcr serve` under the pull shows the rest (net/http,\n")
		w("and the loopback writes the limit pays too).\n\n")
	}
	w("## How to rerun\n\n")
	w("From the repository root:\n\n    go run ./bench -o docs/benchmarks.md\n\n")
	w("It needs distribution's registry binary on PATH or in `$(go env GOPATH)/bin`\n")
	w("(`go install github.com/distribution/distribution/v3/cmd/registry@v3.1.2`, or `.ci/install-clients.sh registry`);\n")
	w("`bench/run.sh` installs it if missing and then runs the line above. Without `-o` the table goes to stdout\n")
	w("only. `-only big,small` runs some phases (start, fixture, big, small, images, tokens, head, store, limit),\n")
	w("`-reps N` changes the repetitions (`-limit-reps N` those against the limit), `-no-distribution` leaves distribution out, `-fakeghcr PATH` measures a\n")
	w("prebuilt binary. A full run takes a few minutes on 2 cores; a failed request or a wrong digest fails it.\n\n")
	w("The start-up and small-blob figures move the most with the machine's load. On a quiet machine (load\n")
	w("average under 1, nothing else running), rerun just those two, paired and with more starts:\n\n")
	w("    go run ./bench -only start,limit -starts 31 -limit-reps 7 -no-distribution\n\n")
	w("and compare the ratios (fakeghcr over the bare engine for start, over the limit for the pull) with\n")
	w("the table above; the load average printed with each run says how quiet it was.\n\n")
	w("Start-up alone, with more starts (a few seconds; `-start-world default` serves the built-in default\n")
	w("world, as a plain `fakeghcr serve` does, instead of testdata/bench.yaml):\n\n")
	w("    go run ./bench -only start -starts 41 -no-distribution\n")
	w("    go run ./bench -only start -starts 41 -no-distribution -start-world default\n\n")
	w("Where a start's time goes: `GODEBUG=inittrace=1 fakeghcr --help` prints each linked package's init\n")
	w("cost (a regular expression compiled at init, a table built, a random seed); `perf record` over a few\n")
	w("dozen `fakeghcr serve` starts shows the rest (the kernel mapping the binary's pages, decoding the\n")
	w("scenario, building the registry). serve listens before it builds the world, so a client's first\n")
	w("request waits in the listen backlog rather than being refused and retried. A plain scenario file\n")
	w("(every built-in one) is decoded by go.yaml.in/yaml/v3, the rest by go-yaml for its error positions;\n")
	w("the preloaded images' layer is not gzipped at start; the web page's templates and routes are built\n")
	w("on its first request.\n\n")
	w("The bare engine is `bench/bareggcr`, a program that links nothing but go-containerregistry's\n")
	w("`pkg/registry` and the standard library. `fakeghcr serve` links and initializes a superset of it (the\n")
	w("token service, the world, the web page, check and diagnose, cobra) and does more before its first answer\n")
	w("(it decodes the world and builds the registry, its keys and routes), so its start stays above 1.0x\n")
	w("that program whatever is trimmed: `perf record` over 100 paired starts on 2026-12-07 put fakeghcr's CPU\n")
	w("at 1.37x the bare program's, the difference being package inits (+9%% of the bare program's CPU),\n")
	w("main (+19%%: the world's decode 7%%, the registry 6%%, the command line 3%%) and the kernel (+14%%: the page\n")
	w("faults of a bigger binary and heap). Against go-containerregistry's released server, which carries its\n")
	w("command line's packages as fakeghcr does, the start is on par:\n\n")
	w("    go run ./bench -only start -starts 41 -no-distribution -bare-cmd 'crane registry serve --address {addr}'\n\n")
	w("On a virtual machine where a first touch of a page costs microseconds (12-17 µs per 4 KiB page were\n")
	w("measured on the 2-core machine these figures come from), the pages a start touches are most of its\n")
	w("time. A static binary (`CGO_ENABLED=0`, as the container image is built) also skips the dynamic loader.\n\n")
	w("## What is measured\n\n")
	w("- Every measurement starts a fresh server process (stopped by its pid afterwards), so no figure sees\n")
	w("  another's data, connections or memory. In each repetition fakeghcr and the bare engine are measured\n")
	w("  one right after the other, the order reversed every other repetition. fakeghcr is the binary built from `./cmd/fakeghcr`, run with\n")
	w("  `--scenario bench/testdata/bench.yaml --log-level warn`; the bare engine runs as `bench/bareggcr`, a\n")
	w("  program that links only go-containerregistry's `pkg/registry` and the standard library (built the same\n")
	w("  way as fakeghcr), with its per-request log discarded; distribution reads a generated config\n")
	w("  (access log off, upload purging off, `blobdescriptor: inmemory` cache).\n")
	w("- *start*: from just before the process is started to the first answer to `GET /v2/` (401 for fakeghcr,\n")
	w("  which challenges as GHCR does; 200 for the others). The Go fixture, in-process: `ghcrtest.New(t)` (the\n")
	w("  default world, its two tags preloaded) against `registry.New()` with `httptest.NewServer` for the bare\n")
	w("  engine, to the first answer at its URL.\n")
	w("- *push* and *pull* go through `remote.Pusher.Upload` and `remote.Puller.Layer` with retries off; the\n")
	w("  timed part includes the client's ping and, on fakeghcr, the token exchange. A pull copies the blob into\n")
	w("  a sha256 hasher and compares digest and size (on top of the client's own check), so pull figures\n")
	w("  include two sha256 passes in the client, the same for every server: they are bound by the client,\n")
	w("  so their ratios stay near 1 and move by a few tenths from run to run.\n")
	w("- *peak RSS*: VmHWM of the server process (from /proc/PID/status) right after the push, the process\n")
	w("  having served nothing else.\n")
	w("- *small blobs*: one pusher (or puller) shared by the workers; each blob is a HEAD, a POST, a PATCH\n")
	w("  and a PUT to push, a GET to pull. *images*: each client has its own pusher and repository and pushes\n")
	w("  its share of the images (3 layers of %d KiB, a config and a manifest each); every tag is then checked.\n", imageLayerSize>>10)
	w("- *tokens*: `GET /token?service=ghcr.io&scope=repository:alice/bench-token:pull,push` with Basic auth,\n")
	w("  %d at once, %d per repetition. Only fakeghcr has a token service.\n", tokenConc, cfg.tokens)
	w("- *manifest HEAD*: %d HEADs one after the other on a kept-alive connection (after %d unmeasured),\n", cfg.heads, headWarm)
	w("  with a registry token from `/token` on fakeghcr and without auth on the others.\n")
	w("- *RSS per GiB stored*: VmRSS after pushing the blobs one after the other, divided by the bytes stored;\n")
	w("  fakeghcr and the bare engine only (distribution's inmemory driver is too slow to fill, its filesystem\n")
	w("  driver keeps the bytes on disk).\n\n")
	w("## Profiling\n\n")
	w("fakeghcr serves no pprof endpoint. To see where a workload's time or memory goes, run the in-process\n")
	w("benchmarks of `bench/bench_test.go`, which drive the same workloads against `registry.New` served by\n")
	w("`httptest` (the profile holds the client too: read the `registry`, `storage` and `net/http` server frames):\n\n")
	w("    go test ./bench -run '^$' -bench 'Fakeghcr/head' -benchtime 10x -o /tmp/bench.test -cpuprofile /tmp/cpu.out\n")
	w("    go tool pprof -top -cum -nodecount 60 /tmp/bench.test /tmp/cpu.out\n")
	w("    go test ./bench -run '^$' -bench 'Fakeghcr/small-push-8' -benchtime 5x -o /tmp/bench.test -memprofile /tmp/mem.out\n")
	w("    go tool pprof -sample_index=alloc_objects -top -cum /tmp/bench.test /tmp/mem.out\n\n")
	w("Benchmarks: `Fakeghcr/push-big`, `Fakeghcr/pull-big`, `Fakeghcr/small-push-8`, `Fakeghcr/small-pull-8`,\n")
	w("`Fakeghcr/images-16`, `Fakeghcr/token`, `Fakeghcr/head`, the same under `Bare/` for the bare engine, and `FixtureStart/...`\n")
	w("for the Go fixtures' start-up.\n")
	return b.String()
}

func durationWords(d time.Duration) string {
	if d <= 0 {
		return "a partial run"
	}
	return "a run of " + d.String()
}
