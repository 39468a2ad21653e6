package main

import (
	"errors"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/fakeghcr/fakeghcr/check"
	"github.com/fakeghcr/fakeghcr/diagnose"
	"github.com/fakeghcr/fakeghcr/scenarios"
	"github.com/fakeghcr/fakeghcr/workflows"
)

const diagnoseLong = `Reads a failed job's log (as downloaded from GitHub, or pasted), or any registry
client's output, from FILE or - (standard input, the default), and names every
ghcr.io failure in it: the client, the request refused, GHCR's answer, and the
ranked causes, each with the rule, its explanation, its fix and the built-in
scenario that reproduces it (fakeghcr serve --scenario NAME).

--workflow (with --scenario and --repository) runs check on the workflow that
failed and puts the causes it predicts first.

Exit status: 1 when a failure was recognized, 0 when none, 2 for usage errors.`

func newDiagnoseCmd(cli *cliEnv) *cobra.Command {
	var (
		f        checkFlags
		workflow string
		maxBytes int64
	)
	c := &cobra.Command{
		Use:   "diagnose [FILE|-]",
		Short: "turn a failed run's log into GHCR's answer, its causes and their fixes",
		Long:  diagnoseLong,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageErrorf("want at most one log file (or -); got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.format != "text" && f.format != "json" {
				return usageErrorf("--format %q: want text or json", f.format)
			}
			if maxBytes <= 0 {
				return usageErrorf("--max-bytes %d: want a positive size", maxBytes)
			}
			opts := diagnose.Options{Scenarios: library(), MaxBytes: maxBytes}
			if workflow != "" {
				copts, err := f.options(cmd.Context(), cli)
				if err != nil {
					return err
				}
				copts.Paths = []string{workflow}
				rep, err := check.Run(copts)
				if err != nil {
					var we *workflows.Error
					if errors.As(err, &we) {
						return &exitError{code: 2, err: err}
					}
					return err
				}
				opts.Check = &rep
				opts.Repository, opts.World = copts.Repository, copts.World
			}
			var in io.Reader = cmd.InOrStdin()
			if len(args) == 1 && args[0] != "-" {
				file, err := os.Open(args[0])
				if err != nil {
					return usageErrorf("%v", err)
				}
				defer file.Close()
				in = file
			}
			res, err := diagnose.Read(in, opts)
			var se *diagnose.SizeError
			if errors.As(err, &se) {
				name := "-"
				if len(args) == 1 {
					name = args[0]
				}
				return usageErrorf("%s:%d: the log is larger than --max-bytes %d (raise it with --max-bytes)", name, se.Line, se.Limit)
			}
			if err != nil {
				return err
			}
			if err := diagnose.Write(cli.stdout, res, f.format); err != nil {
				return err
			}
			if len(res.Failures) > 0 {
				return exitCode(1)
			}
			return nil
		},
	}
	f.register(c)
	c.Flags().StringVar(&workflow, "workflow", "", "the workflow file that failed: causes check predicts for it come first")
	c.Flags().StringVar(&f.format, "format", "text", "output: text or json")
	c.Flags().Int64Var(&maxBytes, "max-bytes", diagnose.DefaultMaxBytes, "refuse a log larger than this many bytes")
	return c
}

// library is the built-in scenarios as diagnose reads them.
func library() []diagnose.Scenario {
	var out []diagnose.Scenario
	for _, s := range scenarios.Builtins() {
		d := diagnose.Scenario{Name: s.Name, World: s.World, AnonymousPrivateTokenStatus: s.Settings.AnonymousPrivateTokenStatus}
		for _, e := range s.Expect {
			d.Expect = append(d.Expect, diagnose.Expect{Credential: e.Credential, Action: e.Action, Package: e.Package})
		}
		out = append(out, d)
	}
	return out
}
