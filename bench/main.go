// Command bench measures fakeghcr side by side with the registries users
// would otherwise run in tests and CI: go-containerregistry's bare
// registry.New() engine and distribution's registry (inmemory and
// filesystem drivers), all on 127.0.0.1 in one run, driven by
// go-containerregistry's remote client. It prints a markdown table in which
// every figure carries its ratio to the bare engine measured in the same
// run, since absolute figures drift from run to run on shared machines;
// with -o it writes docs/benchmarks.md.
//
//	go run ./bench -o docs/benchmarks.md
//
// fakeghcr runs as its built binary with auth on: the client authenticates
// as a classic PAT with write:packages (testdata/bench.yaml) and does GHCR's
// token exchange. The bare engine runs as bench/bareggcr, a program that
// links only go-containerregistry's pkg/registry and the standard library
// (built by this command), distribution as the registry binary
// (go install github.com/distribution/distribution/v3/cmd/registry@v3.1.2,
// or .ci/install-clients.sh registry). Every measurement gets a fresh
// server process, stopped by its pid afterwards and on failure.
//
// Every pulled blob's digest is checked; any error or mismatch fails the
// run. Targets are reported, never asserted: a missed target is a finding
// for a profile (see the Benchmark functions in bench_test.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// config is every flag; the zero value is not used, defaults come from
// the flags.
type config struct {
	out            string
	reps           int
	starts         int
	fixtures       int
	bigMiB         int
	smallCount     int
	smallKiB       int
	images         int
	imageClients   int
	tokens         int
	heads          int
	storeMiB       int
	storeBlobMiB   int
	fakeghcrBin    string
	registryBin    string
	noDistribution bool
	timeout        time.Duration
	only           string
	serveLimit     string
	limitReps      int
	startWorld     string
	bareCmd        string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var cfg config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: go run ./bench [flags]\n\nMeasures fakeghcr, go-containerregistry's registry.New() and distribution's registry side by side\non 127.0.0.1 and prints a markdown table (ratios to registry.New()).\n\nFlags:")
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.out, "o", "", "also write the report to this markdown file (e.g. docs/benchmarks.md)")
	fs.IntVar(&cfg.reps, "reps", 3, "repetitions of each workload; the table shows medians")
	fs.IntVar(&cfg.starts, "starts", 15, "process starts per server for the start-up time")
	fs.IntVar(&cfg.fixtures, "fixtures", 51, "in-process fixture starts per Go fixture")
	fs.IntVar(&cfg.bigMiB, "big-mib", 256, "size of the large layer, MiB")
	fs.IntVar(&cfg.smallCount, "small-count", 1000, "number of small blobs")
	fs.IntVar(&cfg.smallKiB, "small-kib", 4, "size of a small blob, KiB")
	fs.IntVar(&cfg.images, "images", 200, "number of small images of 3 layers")
	fs.IntVar(&cfg.imageClients, "image-clients", 16, "clients pushing the images at once")
	fs.IntVar(&cfg.tokens, "tokens", 4000, "token requests per repetition")
	fs.IntVar(&cfg.heads, "heads", 2000, "manifest HEADs per repetition (after 200 unmeasured)")
	fs.IntVar(&cfg.storeMiB, "store-mib", 1024, "bytes stored for the RSS-per-GiB figure, MiB")
	fs.IntVar(&cfg.storeBlobMiB, "store-blob-mib", 64, "blob size for the RSS-per-GiB figure, MiB")
	fs.StringVar(&cfg.fakeghcrBin, "fakeghcr", "", "fakeghcr binary (default: built from ./cmd/fakeghcr into a temp dir)")
	fs.StringVar(&cfg.registryBin, "registry", "", "distribution's registry binary (default: registry on PATH or in $(go env GOPATH)/bin)")
	fs.BoolVar(&cfg.noDistribution, "no-distribution", false, "leave distribution's registry out")
	fs.DurationVar(&cfg.timeout, "timeout", 20*time.Minute, "give up (and fail) after this long")
	fs.StringVar(&cfg.only, "only", "", "run only these phases, comma-separated: start,fixture,big,small,images,tokens,head,store,limit")
	fs.IntVar(&cfg.limitReps, "limit-reps", 5, "repetitions of the comparison with the physical limit; the table shows medians")
	fs.StringVar(&cfg.bareCmd, "bare-cmd", "", "run this command as the bare engine instead of bench/bareggcr, {addr} replaced by its address (e.g. 'crane registry serve --address {addr}': the library's released server)")
	fs.StringVar(&cfg.startWorld, "start-world", "", "serve this built-in world (e.g. default, as plain `fakeghcr serve` does) in the start phase instead of testdata/bench.yaml")
	fs.StringVar(&cfg.serveLimit, "serve-limit", "", "internal: serve the physical-limit registry on this address")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}

	if cfg.serveLimit != "" {
		if err := serveLimit(cfg.serveLimit); err != nil {
			fmt.Fprintf(stderr, "bench -serve-limit: %v\n", err)
			return 1
		}
		return 0
	}
	if err := cfg.validate(); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	h, err := newHarness(ctx, cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	defer h.close()
	report, err := h.run(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "bench: FAILED: %v\n", err)
		return 1
	}
	fmt.Fprint(stdout, report.table)
	if cfg.out != "" {
		if err := os.WriteFile(cfg.out, []byte(report.doc), 0o644); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		fmt.Fprintf(stderr, "bench: wrote %s\n", cfg.out)
	}
	return 0
}

func (c config) validate() error {
	for _, v := range []struct {
		name string
		n    int
	}{{"reps", c.reps}, {"starts", c.starts}, {"fixtures", c.fixtures}, {"big-mib", c.bigMiB},
		{"small-count", c.smallCount}, {"small-kib", c.smallKiB}, {"images", c.images},
		{"image-clients", c.imageClients}, {"tokens", c.tokens}, {"heads", c.heads},
		{"store-mib", c.storeMiB}, {"store-blob-mib", c.storeBlobMiB}, {"limit-reps", c.limitReps}} {
		if v.n <= 0 {
			return fmt.Errorf("-%s %d: must be positive", v.name, v.n)
		}
	}
	if c.bareCmd != "" && len(strings.Fields(c.bareCmd)) == 0 {
		return fmt.Errorf("-bare-cmd %q: no command", c.bareCmd)
	}
	if c.storeMiB%c.storeBlobMiB != 0 {
		return fmt.Errorf("-store-mib %d: must be a multiple of -store-blob-mib %d", c.storeMiB, c.storeBlobMiB)
	}
	return nil
}

// harness is one run: its scratch directory, the binaries it starts and
// the server processes still running.
type harness struct {
	cfg          config
	log          io.Writer
	tmp          string
	fakeghcrBin  string
	bareBin      string // bench/bareggcr: go-containerregistry's registry.New() alone
	registryBin  string
	selfBin      string
	scenarioPath string
	startWorld   string // the built-in world the start phase serves (-start-world), while it runs
	kinds        []kind
	live         map[*proc]bool
	seq          int
	res          *results
	machine      machine
}

func newHarness(ctx context.Context, cfg config, log io.Writer) (*harness, error) {
	tmp, err := os.MkdirTemp("", "fakeghcr-bench-")
	if err != nil {
		return nil, err
	}
	h := &harness{cfg: cfg, log: log, tmp: tmp, live: map[*proc]bool{}, res: newResults(),
		kinds: []kind{kindFakeghcr, kindBare, kindDistMem, kindDistFS}}
	if err := h.setup(ctx); err != nil {
		h.close()
		return nil, err
	}
	return h, nil
}

func (h *harness) setup(ctx context.Context) error {
	var err error
	if h.selfBin, err = os.Executable(); err != nil {
		return err
	}
	h.scenarioPath = filepath.Join(h.tmp, "bench.yaml")
	if err := os.WriteFile(h.scenarioPath, benchScenario, 0o644); err != nil {
		return err
	}
	h.fakeghcrBin = h.cfg.fakeghcrBin
	if h.fakeghcrBin == "" {
		h.fakeghcrBin = filepath.Join(h.tmp, "fakeghcr")
		h.logf("building fakeghcr")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", h.fakeghcrBin, "github.com/fakeghcr/fakeghcr/cmd/fakeghcr")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./cmd/fakeghcr (run from inside the module): %w\n%s", err, out)
		}
	}
	// The bare engine runs in a program of its own that links nothing but
	// it and the standard library: its start-up is the library's, not that
	// of a binary carrying this harness (and with it fakeghcr's packages).
	h.bareBin = filepath.Join(h.tmp, "bareggcr")
	h.logf("building bench/bareggcr")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", h.bareBin, "github.com/fakeghcr/fakeghcr/bench/bareggcr")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./bench/bareggcr (run from inside the module): %w\n%s", err, out)
	}
	if h.cfg.noDistribution {
		h.kinds = h.kinds[:2]
	} else if h.registryBin, err = findRegistry(ctx, h.cfg.registryBin); err != nil {
		return err
	}
	h.machine = describeMachine(ctx, h.registryBin)
	if h.registryBin != "" && !strings.HasPrefix(h.machine.registryVersion, "v3.1.2") {
		h.logf("warning: %s reports version %q, not distribution v3.1.2", h.registryBin, h.machine.registryVersion)
	}
	return nil
}

// findRegistry locates distribution's registry binary.
func findRegistry(ctx context.Context, flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if p, err := exec.LookPath("registry"); err == nil {
		return p, nil
	}
	if out, err := exec.CommandContext(ctx, "go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(string(trimNL(out)), "bin", "registry")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("distribution's registry binary not found: install it with " +
		"`go install github.com/distribution/distribution/v3/cmd/registry@v3.1.2` (or .ci/install-clients.sh registry), " +
		"pass -registry PATH, or run with -no-distribution")
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// close stops every server still running and removes the scratch
// directory.
func (h *harness) close() {
	h.stopAll()
	_ = os.RemoveAll(h.tmp)
}

func (h *harness) logf(format string, args ...any) {
	fmt.Fprintf(h.log, "bench: "+format+"\n", args...)
}
