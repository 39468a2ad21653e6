package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fakeghcr/fakeghcr/githubrest"
	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// The world's own commands: export (fakeghcr world) and import from GitHub.

// exported turns a running server's world into a file to start from: the
// loaded scenario's story and expectations describe the world it started
// with, not this one, so they go, and the name comes from the file's name
// (issue 19: `fakeghcr world > fixed.yaml` kept `name: default`).
func exported(data []byte, secrets bool) ([]byte, error) {
	sc, err := scenarios.Parse("world.yaml", data)
	if err != nil {
		return nil, fmt.Errorf("the server's world does not read back: %w", err)
	}
	started := sc.Name
	sc.Name, sc.Fix, sc.Expect = "", "", nil
	sc.Description = fmt.Sprintf("Exported by `fakeghcr world` from a server that started from %q, with the changes made since.\n", started)
	if !secrets && len(sc.World.Credentials) > 0 {
		sc.Description += "Secrets are redacted (" + registry.RedactedSecret + "NAME): clients presenting the real ones are refused\n" +
			"until you write them back, or export with --secrets.\n"
	}
	return scenarios.Marshal(sc)
}

// redactedCredentials names the credentials of sc whose secret is a
// redaction mark, for serve's warning.
func redactedCredentials(sc *scenarios.Scenario) []string {
	var names []string
	for _, c := range sc.World.Credentials {
		if strings.HasPrefix(c.Secret, registry.RedactedSecret) {
			names = append(names, c.Name)
		}
	}
	return names
}

const worldImportLong = `Reads what GitHub's REST API tells about OWNER (a user or an organization) and
writes it as a world in the scenario format (scenarios/FORMAT.md): its container
packages with their visibility and linked repository, the repositories they are
linked to (and those --repository names) with their visibility and default
workflow permissions, and whether OWNER is a user or an organization.

What the API does not expose (a package's Manage Actions access, its inheritance
switch and per-user roles, an organization's members and settings, a setting the
token may not read) is written as "unknown". fakeghcr check predicts each
plausible value of an unknown field; serve refuses the world until they are filled
in.

The token comes from GH_TOKEN, GITHUB_TOKEN, or ` + "`gh auth token`" + `. It needs
read:packages (and repo to read private repositories and their settings). It is
never printed.

Exit status: 0 on success, 2 for a token GitHub refuses or one without
read:packages, 1 for other failures.`

func newWorldImportCmd(cli *cliEnv) *cobra.Command {
	var (
		repos          []string
		apiURL, output string
	)
	c := &cobra.Command{
		Use:   "import OWNER",
		Short: "write a world file from what GitHub's REST API tells about OWNER",
		Long:  worldImportLong,
		Args:  exactArgs("OWNER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			token, err := githubToken(cmd.Context(), cli.getenv, apiURL)
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			client, err := githubrest.New(githubrest.Options{BaseURL: apiURL, Token: token,
				Progress: func(line string) { fmt.Fprintln(cli.stderr, "fakeghcr world import: "+line) }})
			if err != nil {
				return usageErrorf("--api-url: %v", err)
			}
			sc, err := client.Import(cmd.Context(), args[0], githubrest.ImportOptions{Repositories: repos})
			if err != nil {
				return importError(err)
			}
			out, err := scenarios.Marshal(sc)
			if err != nil {
				return err
			}
			if output == "" || output == "-" {
				_, err = cli.stdout.Write(out)
			} else {
				err = os.WriteFile(output, out, 0o644)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cli.stderr, "fakeghcr world import: %d packages and %d repositories of %s; %d fields unknown (marked `unknown`: fill them in before serve)\n",
				len(sc.World.Packages), len(sc.World.Repositories), strings.ToLower(args[0]), len(sc.Unknowns))
			return nil
		},
	}
	c.Flags().StringSliceVar(&repos, "repository", nil, "also read this repository OWNER/NAME (repeatable)")
	c.Flags().StringVar(&apiURL, "api-url", githubrest.DefaultBaseURL, "GitHub's REST API root (GitHub Enterprise Server: https://HOST/api/v3)")
	c.Flags().StringVarP(&output, "output", "o", "", "write the world to this file (default: standard output)")
	return c
}

// importError gives the exit status and advice for an import failure.
func importError(err error) error {
	switch {
	case errors.Is(err, githubrest.ErrScope):
		return &exitError{code: 2, err: fmt.Errorf("%w\n  the token lacks read:packages: use a classic PAT with read:packages (and repo for private repositories), or run: gh auth refresh --scopes read:packages", err)}
	case errors.Is(err, githubrest.ErrBadCredentials):
		return &exitError{code: 2, err: fmt.Errorf("%w\n  GitHub does not accept the token: check GH_TOKEN / GITHUB_TOKEN, or run: gh auth status", err)}
	}
	return err
}

// githubToken finds the token: GH_TOKEN, GITHUB_TOKEN, then gh's.
func githubToken(ctx context.Context, getenv func(string) string, apiURL string) (string, error) {
	for _, name := range []string{"GH_TOKEN", "GITHUB_TOKEN"} {
		if t := strings.TrimSpace(getenv(name)); t != "" {
			return t, nil
		}
	}
	args := []string{"auth", "token"}
	if u, err := url.Parse(apiURL); err == nil && u.Hostname() != "" && u.Hostname() != "api.github.com" {
		args = append(args, "--hostname", u.Hostname())
	}
	if _, err := exec.LookPath("gh"); err == nil {
		out, err := exec.CommandContext(ctx, "gh", args...).Output()
		if t := strings.TrimSpace(string(out)); err == nil && t != "" {
			return t, nil
		}
	}
	return "", errors.New("no GitHub token: set GH_TOKEN (or GITHUB_TOKEN), or log in with gh auth login")
}
