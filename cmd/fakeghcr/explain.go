package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/verify"
)

func newExplainCmd(cli *cliEnv) *cobra.Command {
	var (
		sf  serverFlags
		all bool
		n   int
	)
	c := &cobra.Command{
		Use:   "explain",
		Short: "print a running server's latest refusals: why, and which setting fixes them",
		Long: `Prints the running server's latest refusals, newest first: what was asked, GHCR's
answer, why fakeghcr refused it and which setting would allow it.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			recs, err := sf.client().Decisions(cmd.Context())
			if err != nil {
				return sf.explain(err)
			}
			printDecisions(cli.stdout, recs, all, n)
			return nil
		},
	}
	sf.register(c.Flags())
	c.Flags().BoolVar(&all, "all", false, "show allowed requests too")
	c.Flags().IntVarP(&n, "n", "n", 10, "how many decisions to show (0: all kept)")
	return c
}

// printDecisions prints up to n (0: all) groups of identical decisions,
// newest first: the refusals, and the allowances too with all.
func printDecisions(w io.Writer, recs []registry.Record, all bool, n int) {
	shown := 0
	for _, g := range groupDecisions(recs, all) {
		if n > 0 && shown == n {
			break
		}
		if shown > 0 {
			fmt.Fprintln(w)
		}
		printDecision(w, g.Record)
		if g.count > 1 {
			fmt.Fprintf(w, "        (and %d more identical decisions before it)\n", g.count-1)
		}
		shown++
	}
	if shown > 0 {
		return
	}
	what := "no refusals"
	if all {
		what = "no decisions"
	}
	fmt.Fprintf(w, "%s recorded (%d decisions kept", what, len(recs))
	if !all {
		fmt.Fprint(w, "; --all shows the allowed ones")
	}
	fmt.Fprintln(w, ")")
}

// printDecision writes one decision as a person reads it:
//
//	DENIED  write acme/api  as github_token:workflow  -> 403 DENIED permission_denied: write_package
//	  why:  ...
//	  fix:  ...
//	  at:   12:00:01 POST /v2/acme/api/blobs/uploads/
func printDecision(w io.Writer, r registry.Record) {
	verdict, answer := r.Verdict(), verify.FormatAnswer(r.Status, r.Code, r.Message)
	if r.Allowed {
		answer = "allowed"
	}
	repo := r.Repo
	if repo == "" {
		repo = "(no repository)"
	}
	fmt.Fprintf(w, "%s %s %s  as %s  -> %s\n", verdict, r.Action, repo, r.Principal, answer)
	fmt.Fprintf(w, "  rule: %s\n", r.Reason)
	if r.Explanation != "" {
		fmt.Fprintf(w, "  why:  %s\n", oneLine(r.Explanation))
	}
	if r.Fix != "" {
		fmt.Fprintf(w, "  fix:  %s\n", oneLine(r.Fix))
	}
	fmt.Fprintf(w, "  at:   %s %s %s\n", r.Time.Local().Format("15:04:05"), r.Method, r.Path)
}

// decisionGroup is a run of identical decisions (a client uploading two
// blobs in parallel is refused twice); Record is the newest.
type decisionGroup struct {
	registry.Record
	count int
}

// groupDecisions keeps the denials (and allowances with all) and folds
// consecutive identical ones.
func groupDecisions(recs []registry.Record, all bool) []decisionGroup {
	var out []decisionGroup
	for _, r := range recs {
		if r.Allowed && !all {
			continue
		}
		if n := len(out); n > 0 && sameDecision(out[n-1].Record, r) {
			out[n-1].count++
			continue
		}
		out = append(out, decisionGroup{Record: r, count: 1})
	}
	return out
}

func sameDecision(a, b registry.Record) bool {
	return a.Allowed == b.Allowed && a.Action == b.Action && a.Repo == b.Repo && a.Principal == b.Principal &&
		a.Reason == b.Reason && a.Status == b.Status && a.Code == b.Code && a.Message == b.Message &&
		a.Method == b.Method && a.Path == b.Path
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
