package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fakeghcr/fakeghcr/check"
	"github.com/fakeghcr/fakeghcr/githubrest"
	"github.com/fakeghcr/fakeghcr/workflows"
)

const checkLong = `Reads GitHub Actions workflows (default: .github/workflows) and predicts every
answer ghcr.io will give them: each docker/login-action, docker/build-push-action
push, container and service image, and each docker, buildx, crane, oras, skopeo,
helm and podman command in run: steps, for each event that triggers the workflow
(pull_request also as a fork's and as Dependabot's; push and create also as
Dependabot's when the trigger's branch filters let its dependabot/... branches
through), through the same decisions fakeghcr serve makes.

Without --scenario, a package is predicted in every state GitHub's defaults leave
open (a package this repository pushes is new or linked to it; another owner's
package may be public, private or granted), and each default assumed is named
beside the verdict. With --scenario, the world is authoritative: what it does not
describe (the repository, its owner, a package) is a warning, and each field it
marks unknown (fakeghcr world import) is predicted in each plausible value. With
--github, each package the workflows touch and the repository are looked up on
GitHub (visibility, linked repository, existence) instead of guessed. Local
actions (uses: ./path) are read from the current directory's checkout
(--repo-root). What cannot be evaluated is shown unresolved (UNKNOWN). Identical
findings are grouped.

Exit status: 1 when a finding is denied in every state the world leaves open
(a fork's pull request and Dependabot's pull request count like any other run;
a refusal only in the runs of Dependabot's own branches is reported but does not
set 1, since those runs happen only if Dependabot updates are enabled, which
neither the workflow nor the world says), 0 otherwise, 2 for usage errors, unreadable workflows and files over a limit
(file:line, the limit and the flag that raises it).`

func newCheckCmd(cli *cliEnv) *cobra.Command {
	var (
		f      checkFlags
		github bool
		apiURL string
	)
	c := &cobra.Command{
		Use:   "check [PATH...]",
		Short: "predict what ghcr.io will answer a repository's workflows, before they run",
		Long:  checkLong,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(check.Formats, f.format) {
				return usageErrorf("--format %q: want %s", f.format, strings.Join(check.Formats, ", "))
			}
			opts, err := f.options(cmd.Context(), cli)
			if err != nil {
				return err
			}
			opts.Paths = args
			opts.Limits = workflows.Limits{Bytes: f.maxFileBytes, Depth: f.maxDepth}
			opts.MaxInteractions = f.maxInteractions
			opts.RepoRoot = f.repoRoot
			if len(args) == 0 {
				opts.Paths = []string{".github/workflows"}
				if _, err := os.Stat(opts.Paths[0]); err != nil {
					return usageErrorf("no .github/workflows here: run check at the repository's root, or name the workflow files or directory")
				}
			}
			if github {
				if f.scenario != "" {
					return usageErrorf("--github and --scenario exclude each other: --github builds the world from GitHub")
				}
				if opts, err = githubOptions(cmd.Context(), cli, opts, apiURL); err != nil {
					return err
				}
			}
			rep, err := check.Run(opts)
			if err == nil {
				for _, w := range rep.Warnings {
					fmt.Fprintf(cli.stderr, "fakeghcr: warning: %s\n", w)
				}
			}
			if err != nil {
				var we *workflows.Error
				if errors.As(err, &we) {
					return &exitError{code: 2, err: err}
				}
				return err
			}
			if err := check.Write(cli.stdout, rep, f.format); err != nil {
				return err
			}
			if rep.Denied() {
				return exitCode(1)
			}
			return nil
		},
	}
	f.register(c)
	c.Flags().StringVar(&f.format, "format", "text", "output: text, json, github (workflow commands) or sarif")
	c.Flags().BoolVar(&github, "github", false, "look up each package the workflows touch, and the repository, on GitHub (token from GH_TOKEN, GITHUB_TOKEN or gh; needs read:packages)")
	c.Flags().StringVar(&apiURL, "api-url", githubrest.DefaultBaseURL, "GitHub's REST API root for --github (GitHub Enterprise Server: https://HOST/api/v3)")
	c.Flags().Int64Var(&f.maxFileBytes, "max-file-bytes", workflows.MaxFileBytes, "refuse a workflow file larger than this")
	c.Flags().IntVar(&f.maxDepth, "max-depth", workflows.MaxDepth, "refuse a workflow file nested deeper than this")
	c.Flags().IntVar(&f.maxInteractions, "max-interactions", check.MaxInteractions, "refuse a job with more registry interactions than this")
	c.Flags().StringVar(&f.repoRoot, "repo-root", ".", "the repository checkout where local actions (uses: ./path) are read; empty: do not read them")
	return c
}

// checkFlags are the world and repository flags check and diagnose share.
type checkFlags struct {
	scenario, repository, format string
	repoRoot                     string
	maxFileBytes                 int64
	maxDepth, maxInteractions    int
}

func (f *checkFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.scenario, "scenario", "", "the world: a built-in scenario name or a YAML file (default: none, every plausible package state)")
	c.Flags().StringVar(&f.repository, "repository", "", "the workflows' repository OWNER/NAME as GitHub spells it (default: from git remote get-url origin)")
}

// options turns the flags into check.Options (without paths).
func (f *checkFlags) options(ctx context.Context, cli *cliEnv) (check.Options, error) {
	var opts check.Options
	if f.scenario != "" {
		sc, err := loadScenario(f.scenario)
		if err != nil {
			return opts, usageErrorf("--scenario: %v", err)
		}
		opts.World = &sc.World
		opts.AnonymousPrivateTokenStatus = sc.Settings.AnonymousPrivateTokenStatus
		opts.Unknowns = checkUnknowns(sc.Unknowns)
	}
	opts.Repository = f.repository
	if opts.Repository == "" {
		repo, err := originRepository(ctx)
		if err != nil {
			fmt.Fprintf(cli.stderr, "fakeghcr: repository unknown (%v); pass --repository OWNER/NAME to evaluate ${{ github.repository }} and GITHUB_TOKEN\n", err)
		}
		opts.Repository = repo
	} else if owner, name, ok := strings.Cut(opts.Repository, "/"); !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return opts, usageErrorf("--repository %q: want OWNER/NAME", opts.Repository)
	}
	return opts, nil
}

// originRepository reads OWNER/NAME from git remote get-url origin when it
// is a github.com URL (https, ssh or scp-like).
func originRepository(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "git", "remote", "get-url", "origin").Output()
	if err != nil {
		return "", fmt.Errorf("git remote get-url origin: %w", err)
	}
	return githubRepository(strings.TrimSpace(string(out)))
}

func githubRepository(url string) (string, error) {
	rest := ""
	for _, prefix := range []string{"https://github.com/", "http://github.com/", "ssh://git@github.com/", "git@github.com:", "git://github.com/"} {
		if r, ok := strings.CutPrefix(url, prefix); ok {
			rest = r
			break
		}
	}
	rest = strings.TrimSuffix(strings.TrimSuffix(rest, "/"), ".git")
	owner, name, ok := strings.Cut(rest, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return "", fmt.Errorf("origin %q is not a github.com repository URL", url)
	}
	return owner + "/" + name, nil
}
