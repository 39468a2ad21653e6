package main

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/fakeghcr/fakeghcr/clientlines"
	"github.com/fakeghcr/fakeghcr/scenarios"
	"github.com/fakeghcr/fakeghcr/verify"
)

func newScenarioCmd(cli *cliEnv) *cobra.Command {
	return newGroupCmd(cli, "scenario", "list, show or verify scenarios (verify plays their expectations with a real client)",
		newScenarioListCmd(cli), newScenarioShowCmd(cli), newScenarioVerifyCmd(cli))
}

func newScenarioListCmd(cli *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "the built-in scenarios, one line each",
		Long:  "Lists the built-in scenarios (fakeghcr serve --scenario NAME).",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			all := scenarios.Builtins()
			width := 0
			for _, sc := range all {
				width = max(width, len(sc.Name))
			}
			for _, sc := range all {
				fmt.Fprintf(cli.stdout, "%-*s  %s\n", width, sc.Name, summary(sc.Description))
			}
			return nil
		},
	}
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

func newScenarioShowCmd(cli *cliEnv) *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME|FILE",
		Short: "a scenario as YAML: its world, story, fix and expectations",
		Long: `Prints a built-in scenario (or a scenario file) as YAML, with its description, fix and
expectations, followed (as YAML comments) by what each client prints for each refused
push and pull on ghcr.io: played in that client's request order against the scenario's
world and rendered from the client's table (the e2e suite asserts those lines by running
the clients).`,
		Args: exactArgs("NAME|FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := loadScenario(args[0])
			if err != nil {
				return err
			}
			out, err := scenarios.Marshal(sc)
			if err != nil {
				return err
			}
			if _, err := cli.stdout.Write(out); err != nil {
				return err
			}
			return printClientLines(cmd.Context(), cli, sc)
		},
	}
}

const scenarioVerifyLong = `Plays each scenario's expectations (push, pull, docker login) in go-containerregistry's
(crane's) request order and compares GHCR's answers. A push streams its layer (as docker push does), so its first
write request is the upload POST; --head-first pushes as crane does instead. Each scenario
gets its own in-process server, and its entries run in order against it (a push can
create the package a later entry uses).
With --server, the one scenario named is played against that running server instead;
it is up to you that the server runs it (fakeghcr serve --scenario NAME).
Prints one line per entry; exits 0 only if every entry passes.`

func newScenarioVerifyCmd(cli *cliEnv) *cobra.Command {
	var (
		opts   verify.Options
		client string
	)
	c := &cobra.Command{
		Use:   "verify [NAME|FILE...]",
		Short: "play the expectations with a real client (default: every built-in)",
		Long:  scenarioVerifyLong,
		RunE: func(cmd *cobra.Command, args []string) error {
			var all []*scenarios.Scenario
			if len(args) == 0 {
				all = scenarios.Builtins()
			}
			for _, name := range args {
				sc, err := loadKnownScenario(name)
				if err != nil {
					return err
				}
				all = append(all, sc)
			}
			if client != "" {
				table, err := clientlines.Load(client)
				if err != nil {
					return usageErrorf("--client: %v", err)
				}
				opts.Client = table
			}
			if opts.BaseURL != "" && len(args) != 1 {
				return usageErrorf("--server (or FAKEGHCR_SERVER) is set: name the one scenario that server runs")
			}
			if failed := printVerify(cli, all, verifyAll(cmd.Context(), all, opts)); failed > 0 {
				return exitCode(1)
			}
			return nil
		},
	}
	c.Flags().StringVar(&opts.BaseURL, "server", "", "play against this running fakeghcr (e.g. http://127.0.0.1:5000) instead of in-process")
	c.Flags().StringVar(&opts.AdminToken, "admin-token", "", "with --server: its admin token, to check the reasons of allowed entries too")
	c.Flags().BoolVar(&opts.HeadFirst, "head-first", false, "push as crane and BuildKit do, HEADing each blob first (a credential that may not read the package is then refused at the HEAD, with no body)")
	c.Flags().DurationVar(&opts.Timeout, "timeout", verify.DefaultTimeout, "how long one entry may take")
	c.Flags().StringVar(&client, "client", "", "play pushes and pulls in this client's request order and show the line it prints: "+strings.Join(clientlines.Names(), ", "))
	return c
}

// verified is the outcome of each scenario, in order.
type verified struct {
	results [][]verify.Result
	errs    []error
}

// printVerify prints one line per entry and the totals; it returns the
// number of failures.
func printVerify(cli *cliEnv, all []*scenarios.Scenario, v verified) int {
	passed, failed := 0, 0
	for i, sc := range all {
		if v.errs[i] != nil {
			fmt.Fprintf(cli.stdout, "FAIL %s: %v\n", sc.Name, v.errs[i])
			failed++
		}
		for _, r := range v.results[i] {
			fmt.Fprintln(cli.stdout, r)
			if r.Client != nil && r.Client.Line != "" {
				fmt.Fprintf(cli.stdout, "    %s prints: %s\n", r.Client.Name, r.Client.Line)
			}
			if r.Pass {
				passed++
				if r.Note != "" {
					fmt.Fprintf(cli.stdout, "    note: %s\n", r.Note)
				}
				continue
			}
			failed++
			printMismatch(cli, r)
		}
	}
	fmt.Fprintf(cli.stdout, "%d passed, %d failed\n", passed, failed)
	return failed
}

// verifyAll runs scenarios a few at a time (each has its own server) and
// returns results in the scenarios' order.
func verifyAll(ctx context.Context, all []*scenarios.Scenario, opts verify.Options) verified {
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
	return verified{results: results, errs: errs}
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

// printClientLines plays every entry in each client's request order and prints, as YAML
// comments, the line each client shows where it is refused.
func printClientLines(ctx context.Context, cli *cliEnv, sc *scenarios.Scenario) error {
	tables, err := clientlines.All()
	if err != nil {
		return err
	}
	byEntry := make([][]string, len(sc.Expect))
	for _, table := range tables {
		results, err := verify.Run(ctx, sc, verify.Options{Client: table})
		if err != nil {
			return err
		}
		for i, r := range results {
			if r.Client == nil {
				continue
			}
			line := r.Client.Line
			switch {
			case !r.Client.Refused:
				line = "(succeeds)"
			case line == "":
				line = fmt.Sprintf("(no line in its table for %s %d)", r.Client.Answer.Request, r.Client.Answer.Status)
			}
			byEntry[i] = append(byEntry[i], fmt.Sprintf("#   %-7s %s", table.Name+":", line))
		}
	}
	fmt.Fprintln(cli.stdout, "\n# What each client prints on ghcr.io (client tables, in each client's request order):")
	for i, e := range sc.Expect {
		if len(byEntry[i]) == 0 {
			continue
		}
		fmt.Fprintf(cli.stdout, "# %s\n", expectName(e))
		for _, l := range byEntry[i] {
			fmt.Fprintln(cli.stdout, l)
		}
	}
	return nil
}

func expectName(e scenarios.Expect) string {
	if e.Name != "" {
		return e.Name
	}
	return fmt.Sprintf("%s %s as %s", e.Action, e.Package, e.Credential)
}
