package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fakeghcr/fakeghcr/adminclient"
	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
	"github.com/fakeghcr/fakeghcr/verify"
)

// seedBody is GHCR's answer to the 2022 case, byte for byte [D1][T14].
const seedBody = `{"errors":[{"code":"DENIED","message":"permission_denied: write_package"}]}` + "\n"

// demoDivergence is a step that did not behave as GHCR would.
type demoDivergence struct {
	step int
	what string
}

func (d *demoDivergence) Error() string {
	return fmt.Sprintf("step %d diverged from GHCR: %s", d.step, d.what)
}

func newDemoCmd(cli *cliEnv) *cobra.Command {
	var timeout time.Duration
	c := &cobra.Command{
		Use:   "demo",
		Short: "play the 2022 GITHUB_TOKEN story end to end in one process",
		Long: `Plays the 2022 GITHUB_TOKEN story end to end against an in-process fakeghcr (the
default world): the workflow's push is refused with GHCR's 403, fakeghcr explains why,
the fix is applied through the admin API, and the same push succeeds.
Exits 0 only if every step behaved as GHCR would.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			if err := demo(ctx, cli.stdout, scenarios.Default()); err != nil {
				fmt.Fprintf(cli.stdout, "\ndemo FAILED: %v\n", err)
				return exitCode(1)
			}
			fmt.Fprintln(cli.stdout, "\ndemo OK: every step answered as GHCR would.")
			return nil
		},
	}
	c.Flags().DurationVar(&timeout, "timeout", time.Minute, "how long the whole demo may take")
	return c
}

// demo plays the story on sc (the default world, or a test's variant).
func demo(ctx context.Context, out io.Writer, sc *scenarios.Scenario) error {
	cred, ok := sc.Credential("workflow")
	if !ok || cred.Kind != authz.GitHubToken || cred.Repository == "" {
		return &demoDivergence{0, "the default world has no workflow credential (a github_token)"}
	}
	pkg, repo := cred.Repository, cred.Repository
	token, err := randomToken()
	if err != nil {
		return err
	}
	srv, err := registry.New(registry.Options{Scenario: sc, AdminToken: token})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	host := ln.Addr().String()
	base := "http://" + host
	admin := adminclient.New(base, token, adminclient.WithHTTPClient(&http.Client{Timeout: 10 * time.Second}))

	fmt.Fprintf(out, "fakeghcr demo: the 2022 GITHUB_TOKEN case, on an in-process fakeghcr at %s (default world)\n\n", base)

	// 1. The refused push.
	fmt.Fprintf(out, "1. The workflow of %s pushes %s:v2 with its GITHUB_TOKEN (permissions: packages: write).\n", repo, pkg)
	rec := &verify.Recorder{}
	workflow := verify.Client{Host: host, Secret: cred.Secret, Transport: rec}
	_, err = workflow.Push(ctx, pkg, "v2")
	if err == nil {
		return &demoDivergence{1, "the push succeeded; GHCR refuses it with 403 permission_denied: write_package"}
	}
	fmt.Fprintf(out, "   crane prints:  Error: %v\n", err)
	refused, ok := rec.Refusal(err)
	if !ok {
		return &demoDivergence{1, "the push failed without a registry answer: " + err.Error()}
	}
	wantURL := base + "/v2/" + pkg + "/blobs/uploads/"
	if refused.Method != http.MethodPost || !strings.HasPrefix(refused.URL, wantURL) {
		return &demoDivergence{1, fmt.Sprintf("the refusal came at %s %s (%d %q); GHCR refuses this push at POST %s", refused.Method, refused.URL, refused.Status, refused.Body, wantURL)}
	}
	if refused.Status != http.StatusForbidden || string(refused.Body) != seedBody {
		return &demoDivergence{1, fmt.Sprintf("answer %d %q; GHCR answers 403 %q", refused.Status, refused.Body, seedBody)}
	}
	fmt.Fprintf(out, "   GHCR's answer: %d %s", refused.Status, refused.Body)

	// 2. Why, from the server's decision.
	fmt.Fprintf(out, "\n2. Why (fakeghcr explain, from the decision the server recorded):\n")
	recs, err := admin.Decisions(ctx)
	if err != nil {
		return &demoDivergence{2, "reading the decisions: " + err.Error()}
	}
	i := slices.IndexFunc(recs, func(r registry.Record) bool {
		return !r.Allowed && r.Repo == pkg && r.Action == string(authz.ActionWrite) && r.Status == http.StatusForbidden
	})
	if i < 0 {
		return &demoDivergence{2, "no refusal of the write to " + pkg + " among the decisions"}
	}
	d := recs[i]
	if d.Explanation == "" || d.Fix == "" {
		return &demoDivergence{2, "the decision has no explanation or no fix"}
	}
	var why strings.Builder
	printDecision(&why, d)
	for line := range strings.Lines(why.String()) {
		fmt.Fprint(out, "   "+line)
	}

	// 3. The fix, through the admin API over HTTP.
	fix := registry.Change{Op: registry.OpSetActionsAccess, Package: pkg, Repository: repo, Role: string(authz.RoleWrite)}
	fmt.Fprintf(out, "\n3. Apply the fix through the admin API (POST %s/changes):\n", registry.AdminPrefix)
	fmt.Fprintf(out, "   $ fakeghcr access add %s %s --role write\n", pkg, repo)
	if err := admin.Apply(ctx, fix); err != nil {
		return &demoDivergence{3, "the admin API refused the fix: " + err.Error()}
	}
	fmt.Fprintf(out, "   %s\n", fix.Describe())

	// 4. The same push, then a pull.
	fmt.Fprintf(out, "\n4. The same push again, then a pull:\n")
	digest, err := workflow.Push(ctx, pkg, "v2")
	if err != nil {
		return &demoDivergence{4, "the push after the fix failed: " + err.Error()}
	}
	fmt.Fprintf(out, "   pushed  %s/%s:v2@%s\n", host, pkg, digest)
	pulled, err := workflow.Pull(ctx, pkg, "v2")
	if err != nil {
		return &demoDivergence{4, "the pull after the push failed: " + err.Error()}
	}
	if pulled != digest {
		return &demoDivergence{4, fmt.Sprintf("pulled %s, pushed %s", pulled, digest)}
	}
	tags, err := workflow.Tags(ctx, pkg)
	if err != nil {
		return &demoDivergence{4, "listing the tags failed: " + err.Error()}
	}
	if !slices.Contains(tags, "v2") {
		return &demoDivergence{4, fmt.Sprintf("tags %v do not include v2", tags)}
	}
	fmt.Fprintf(out, "   pulled  %s/%s:v2@%s\n", host, pkg, pulled)
	fmt.Fprintf(out, "   tags    %s\n", strings.Join(tags, " "))
	return nil
}
