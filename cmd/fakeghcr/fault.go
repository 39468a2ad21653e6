package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fakeghcr/fakeghcr/faults"
)

// newFaultCmd injects failures into a running server through its admin API
// (/_fakeghcr/faults): GHCR's 429, 5xx answers, slow answers, uploads cut
// mid-body and read-after-write lag.
func newFaultCmd(cli *cliEnv) *cobra.Command {
	return newGroupCmd(cli, "fault", "inject failures (429, 5xx, delays, cut uploads, read-after-write lag) into a running server",
		newFaultAddCmd(cli), newFaultListCmd(cli), newFaultClearCmd(cli), newFaultRemoveCmd(cli))
}

const faultAddLong = `Adds a fault rule to a running server. A rule selects requests (--method,
--path, --repository; '*' in a glob matches any run of characters, '/'
included), fires on some of them (--times N: the first N; --every N: every
N-th; --probability P with --seed S; none: all), and does one thing:

  --status 429|500|502|503|504  answer with GHCR's error body (429:
                                TOOMANYREQUESTS "retry-after: …, allowed: 44000/minute")
  --delay D                     wait first (alone: only slow the request down)
  --lag D                       a manifest pushed answers 404 MANIFEST_UNKNOWN
                                to reads for D (read-after-write lag)
  --reset-after SIZE            read SIZE bytes of the body, then cut the connection

Faults never change stored data. Each injected fault is a decision with
reason fault_injected: fakeghcr explain shows it.

Examples:
  fakeghcr fault add --status 429 --times 2
  fakeghcr fault add --status 503 --method POST --path '/v2/*/blobs/uploads/*'
  fakeghcr fault add --lag 2s --path '/v2/*/manifests/*'
  fakeghcr fault add --reset-after 1MiB --path '/v2/*/blobs/uploads/*'`

func newFaultAddCmd(cli *cliEnv) *cobra.Command {
	var (
		sf                serverFlags
		r                 faults.Rule
		delay, lag, retry time.Duration
		resetAfter        string
		probability       float64
	)
	c := &cobra.Command{
		Use:   "add",
		Short: "add a fault rule",
		Long:  faultAddLong,
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			r.Delay, r.Lag, r.RetryAfter, r.Probability = faults.Duration(delay), faults.Duration(lag), faults.Duration(retry), probability
			if cmd.Flags().Changed("seed") && probability == 0 {
				return usageErrorf("--seed goes with --probability")
			}
			if resetAfter != "" {
				n, err := faults.ParseSize(resetAfter)
				if err != nil {
					return usageErrorf("--reset-after %q: want a size such as 512, 64KiB or 1MiB", resetAfter)
				}
				r.ResetAfter = n
			}
			if err := r.Validate(); err != nil {
				return usageErrorf("%s", flagNames(err))
			}
			added, err := sf.client().AddFault(cmd.Context(), r)
			if err != nil {
				return sf.explain(err)
			}
			fmt.Fprintf(cli.stdout, "fault %s added: %s\n", added.ID, added.Describe())
			return nil
		},
	}
	fs := c.Flags()
	sf.register(fs)
	fs.IntVar(&r.Status, "status", 0, "answer with this status: 429, 500, 502, 503 or 504")
	fs.StringVar(&r.Method, "method", "", "only requests with this method (GET, HEAD, PUT, POST, PATCH, DELETE)")
	fs.StringVar(&r.Path, "path", "", "only requests whose path matches this glob, e.g. '/v2/*/manifests/*'")
	fs.StringVar(&r.Repository, "repository", "", "only /v2/ requests for repositories matching this glob, e.g. 'acme/*'")
	fs.IntVar(&r.Times, "times", 0, "fire on the first N matching requests only")
	fs.IntVar(&r.Every, "every", 0, "fire on every N-th matching request")
	fs.Float64Var(&probability, "probability", 0, "fire on each matching request with this probability (0 to 1)")
	fs.Int64Var(&r.Seed, "seed", 0, "seed of --probability's random draws, so runs repeat")
	fs.DurationVar(&delay, "delay", 0, "wait this long before answering (alone: only slow requests down)")
	fs.DurationVar(&lag, "lag", 0, "read-after-write lag: a pushed manifest answers 404 to reads for this long")
	fs.StringVar(&resetAfter, "reset-after", "", "read this many bytes of the request body (512, 64KiB, 1MiB), then cut the connection")
	fs.DurationVar(&retry, "retry-after", 0, "the wait a 429's message names (default 1.16676ms)")
	fs.StringVar(&r.Allowed, "allowed", "", "the quota a 429's message names (default 44000/minute)")
	fs.StringVar(&r.ID, "id", "", "name the rule (default f1, f2, ...)")
	return c
}

// flagNames rewrites a rule's validation error in terms of the command's
// flags.
func flagNames(err error) string {
	return strings.NewReplacer("reset_after", "--reset-after", "retry_after", "--retry-after").Replace(err.Error())
}

func newFaultListCmd(cli *cliEnv) *cobra.Command {
	var sf serverFlags
	c := &cobra.Command{
		Use:   "list",
		Short: "list the fault rules with how often each matched and fired",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			list, err := sf.client().Faults(cmd.Context())
			if err != nil {
				return sf.explain(err)
			}
			if len(list) == 0 {
				fmt.Fprintln(cli.stdout, "no fault rules")
				return nil
			}
			for _, st := range list {
				fmt.Fprintf(cli.stdout, "%s\t%s\t(matched %d, fired %d)\n", st.ID, st.Describe(), st.Matched, st.Fired)
			}
			return nil
		},
	}
	sf.register(c.Flags())
	return c
}

func newFaultClearCmd(cli *cliEnv) *cobra.Command {
	var sf serverFlags
	c := &cobra.Command{
		Use:   "clear",
		Short: "remove every fault rule",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := sf.client().ClearFaults(cmd.Context()); err != nil {
				return sf.explain(err)
			}
			fmt.Fprintln(cli.stdout, "fault rules cleared")
			return nil
		},
	}
	sf.register(c.Flags())
	return c
}

func newFaultRemoveCmd(cli *cliEnv) *cobra.Command {
	var sf serverFlags
	c := &cobra.Command{
		Use:   "remove ID",
		Short: "remove one fault rule",
		Args:  exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := sf.client().RemoveFault(cmd.Context(), args[0]); err != nil {
				return sf.explain(err)
			}
			fmt.Fprintf(cli.stdout, "fault %s removed\n", args[0])
			return nil
		},
	}
	sf.register(c.Flags())
	return c
}
