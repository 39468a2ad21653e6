package main

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/fakeghcr/fakeghcr/scenarios"
	"github.com/fakeghcr/fakeghcr/verify"
)

const scenarioUsage = `  fakeghcr scenario list                  the built-in scenarios, one line each
  fakeghcr scenario show NAME|FILE        a scenario as YAML: its world, story, fix and expectations
  fakeghcr scenario verify [NAME|FILE...] play the expectations with a real client (default: every built-in)
`

func runScenario(ctx context.Context, env *cliEnv, args []string) int {
	return subcommand(ctx, env, "scenario", args, map[string]func(context.Context, *cliEnv, []string) int{
		"list":   runScenarioList,
		"show":   runScenarioShow,
		"verify": runScenarioVerify,
	}, scenarioUsage)
}

func runScenarioList(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "scenario list", "Lists the built-in scenarios (fakeghcr serve --scenario NAME).")
	pos, code := parseArgs(fs, env, args)
	if code >= 0 {
		return code
	}
	if !wantArgs(env, fs, pos) {
		return 2
	}
	all := scenarios.Builtins()
	width := 0
	for _, sc := range all {
		width = max(width, len(sc.Name))
	}
	for _, sc := range all {
		fmt.Fprintf(env.stdout, "%-*s  %s\n", width, sc.Name, summary(sc.Description))
	}
	return 0
}

// summary is the first sentence of a description, on one line.
func summary(desc string) string {
	para, _, _ := strings.Cut(strings.TrimSpace(desc), "\n\n")
	s := strings.Join(strings.Fields(para), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	const maxLen = 90
	if len(s) > maxLen {
		cut := strings.LastIndex(s[:maxLen], " ")
		if cut < maxLen/2 {
			cut = maxLen
		}
		s = s[:cut] + " ..."
	}
	return s
}

func runScenarioShow(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "scenario show", "Prints a built-in scenario (or a scenario file) as YAML, with its description, fix and expectations.")
	pos, code := parseArgs(fs, env, args)
	if code >= 0 {
		return code
	}
	if !wantArgs(env, fs, pos, "NAME|FILE") {
		return 2
	}
	sc, err := loadScenario(pos[0])
	if err != nil {
		return fail(env, "scenario show", err)
	}
	out, err := scenarios.Marshal(sc)
	if err != nil {
		return fail(env, "scenario show", err)
	}
	_, _ = env.stdout.Write(out)
	return 0
}

func runScenarioVerify(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "scenario verify", `Plays each scenario's expectations with go-containerregistry (push, pull, docker login)
and compares GHCR's answers. A push streams its layer (as docker push does), so its first
write request is the upload POST; --head-first pushes as crane does instead. Each scenario gets its own in-process server, and its entries
run in order against it (a push can create the package a later entry uses).
With --server, the one scenario named is played against that running server instead;
it is up to you that the server runs it (fakeghcr serve --scenario NAME).
Prints one line per entry; exits 0 only if every entry passes.`)
	server := fs.String("server", "", "play against this running fakeghcr (e.g. http://127.0.0.1:5000) instead of in-process")
	token := fs.String("admin-token", "", "with --server: its admin token, to check the reasons of allowed entries too")
	headFirst := fs.Bool("head-first", false, "push as crane and BuildKit do, HEADing each blob first (a credential that may not read the package is then refused at the HEAD, with no body)")
	timeout := fs.Duration("timeout", verify.DefaultTimeout, "how long one entry may take")
	pos, code := parseArgs(fs, env, args)
	if code >= 0 {
		return code
	}
	var all []*scenarios.Scenario
	if len(pos) == 0 {
		all = scenarios.Builtins()
	}
	for _, name := range pos {
		sc, err := loadScenario(name)
		if err != nil {
			return fail(env, "scenario verify", err)
		}
		all = append(all, sc)
	}
	if *server != "" && len(pos) != 1 {
		fmt.Fprintln(env.stderr, "fakeghcr scenario verify: --server (or FAKEGHCR_SERVER) is set: name the one scenario that server runs")
		return 2
	}
	opts := verify.Options{BaseURL: *server, AdminToken: *token, Timeout: *timeout, HeadFirst: *headFirst}
	results, errs := verifyAll(ctx, all, opts)
	passed, failed := 0, 0
	for i, sc := range all {
		if errs[i] != nil {
			fmt.Fprintf(env.stdout, "FAIL %s: %v\n", sc.Name, errs[i])
			failed++
		}
		for _, r := range results[i] {
			fmt.Fprintln(env.stdout, r)
			if r.Pass {
				passed++
				if r.Note != "" {
					fmt.Fprintf(env.stdout, "    note: %s\n", r.Note)
				}
				continue
			}
			failed++
			printMismatch(env, r)
		}
	}
	fmt.Fprintf(env.stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

// verifyAll runs scenarios a few at a time (each has its own server) and
// returns results in the scenarios' order.
func verifyAll(ctx context.Context, all []*scenarios.Scenario, opts verify.Options) ([][]verify.Result, []error) {
	results := make([][]verify.Result, len(all))
	errs := make([]error, len(all))
	workers := 4
	if opts.BaseURL != "" {
		workers = 1
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i, sc := range all {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i], errs[i] = verify.Run(ctx, sc, opts)
		}()
	}
	wg.Wait()
	return results, errs
}

func printMismatch(env *cliEnv, r verify.Result) {
	e := r.Expect
	want := verify.FormatAnswer(e.Status, e.Code, e.Message)
	if e.Reason != "" {
		want += " (reason " + string(e.Reason) + ")"
	}
	got := verify.FormatAnswer(r.Status, r.Code, r.Message)
	if r.Status >= 400 && r.Code == "" && r.Request != "" {
		got += " (no body: " + r.Request + ")"
	} else if r.Request != "" {
		got += " (" + r.Request + ")"
	}
	if r.Reason != "" {
		got += " (reason " + r.Reason + ")"
	}
	fmt.Fprintf(env.stdout, "    want: %s\n    got:  %s\n", want, got)
	if r.Status == 0 && r.Err != nil {
		fmt.Fprintf(env.stdout, "    error: %v\n", r.Err)
	}
	if r.Note != "" {
		fmt.Fprintf(env.stdout, "    note: %s\n", r.Note)
	}
}
