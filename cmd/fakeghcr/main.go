// Command fakeghcr runs a local, in-memory imitation of GitHub Container
// Registry (ghcr.io): its OCI API, its token service and its per-package
// permission model, with an explanation of every denial.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *cliEnv, args []string) int
}

// cliEnv is what every subcommand gets from the outside world.
type cliEnv struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

func commands() []command {
	return []command{
		{"serve", "run the registry (the in-memory default world, or --scenario)", runServe},
		{"healthcheck", "exit 0 if a running fakeghcr answers /_fakeghcr/healthz", runHealthcheck},
		{"scenario", "list, show or verify scenarios (verify plays their expectations with a real client)", runScenario},
		{"demo", "play the 2022 GITHUB_TOKEN story end to end in one process", runDemo},
		{"explain", "print a running server's latest refusals: why, and which setting fixes them", runExplain},
		{"access", "add or remove a repository in a package's Manage Actions access", runAccess},
		{"package", "set a package's visibility, repository link or access inheritance", runPackage},
		{"role", "set or remove a user's role on a package (Manage access)", runRole},
		{"repo", "set a repository's default workflow permissions", runRepo},
		{"credential", "add, revoke or remove a credential", runCredential},
		{"reset", "restore a running server's world to the scenario it loaded", runReset},
		{"world", "print a running server's current world as YAML", runWorld},
	}
}

const usageHead = `fakeghcr imitates GitHub Container Registry (ghcr.io) locally: its OCI API,
its token service and its per-package permission model. It answers with
GHCR's own 401/403 bytes, and says why in its log and X-Fakeghcr-* headers.

Usage:
  fakeghcr <command> [flags]

Commands:
`

func usage(w io.Writer) {
	fmt.Fprint(w, usageHead)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun 'fakeghcr <command> --help' for a command's flags.\n")
}

// run is main without the process: arguments, environment and output are
// passed in, the exit code is returned.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	env := &cliEnv{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(stderr, "fakeghcr: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}
