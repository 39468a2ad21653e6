// Command fakeghcr runs a local, in-memory imitation of GitHub Container
// Registry (ghcr.io): its OCI API, its token service and its per-package
// permission model, with an explanation of every denial.
//
// The CLI is built on cobra. Adding a command takes one file and one line:
//
//   - write newXxxCmd(cli *cliEnv) *cobra.Command in xxx.go, printing to
//     cli.stdout and cli.stderr (never os.Stdout) and calling the library;
//   - add it to commandList below, with the help group it belongs to.
//
// Every flag is also read from FAKEGHCR_<FLAG_NAME> (the flag wins); that
// and the help text are done for every command in newRootCmd. A RunE that
// returns usageErrorf(...) exits 2, any other error exits 1; both print
// "fakeghcr xxx: <error>" once. exactArgs and noArgs check positional
// arguments the same way for every command.
//
// docs/cli/ is generated from the command tree: go generate ./cmd/fakeghcr
// after changing a command, flag or help text (a test fails until then).
package main

//go:generate go test -run TestCLIReference -update .

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fakeghcr/fakeghcr/sandbox"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// cliEnv is what every command gets from the outside world.
type cliEnv struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// Help groups, in the order `fakeghcr --help` shows them.
const (
	groupRun    = "run"
	groupChange = "change"
)

// commands lists every top-level command: one line per command.
func commands(cli *cliEnv) []*cobra.Command {
	var all []*cobra.Command
	for _, c := range commandList {
		all = append(all, inGroup(c.group, c.build(cli)))
	}
	return all
}

// commandList is every top-level command, in the order --help shows them.
var commandList = []struct {
	group string
	// name is the command's name (a test holds it to the built command's).
	name  string
	build func(*cliEnv) *cobra.Command
}{
	{groupRun, "serve", newServeCmd},
	{groupRun, "healthcheck", newHealthcheckCmd},
	{groupRun, "scenario", newScenarioCmd},
	{groupRun, "sandbox", newSandboxCmd},
	{groupRun, "demo", newDemoCmd},
	{groupRun, "explain", newExplainCmd},
	{groupRun, "check", newCheckCmd},
	{groupRun, "diagnose", newDiagnoseCmd},
	{groupChange, "access", newAccessCmd},
	{groupChange, "package", newPackageCmd},
	{groupChange, "role", newRoleCmd},
	{groupChange, "repo", newRepoCmd},
	{groupChange, "credential", newCredentialCmd},
	{groupChange, "reset", newResetCmd},
	{groupChange, "world", newWorldCmd},
	{groupChange, "fault", newFaultCmd},
}

// commandNamed builds the top-level command called name alone, or
// returns nil. A run
// whose first argument names a command needs no other: building only it
// keeps the tree of sixteen commands out of every start (serve's
// start-up, see docs/benchmarks.md).
func commandNamed(cli *cliEnv, name string) *cobra.Command {
	for _, c := range commandList {
		if c.name == name {
			return inGroup(c.group, c.build(cli))
		}
	}
	return nil
}

func inGroup(id string, c *cobra.Command) *cobra.Command {
	c.GroupID = id
	return c
}

const rootLong = `fakeghcr imitates GitHub Container Registry (ghcr.io) locally: its OCI API,
its token service and its per-package permission model. It answers with
GHCR's own 401/403 bytes, and says why in its log and X-Fakeghcr-* headers.

Every flag is also read from a FAKEGHCR_* variable (--admin-token is
FAKEGHCR_ADMIN_TOKEN); the flag wins.`

// newRootCmd builds the whole command tree.
func newRootCmd(cli *cliEnv) *cobra.Command { return newRoot(cli, commands(cli), true) }

// newRootFor builds the tree a run with args needs: the root with only the
// command args[0] names, or with every command (help, completion, a typo
// that wants suggestions, a flag first).
func newRootFor(cli *cliEnv, args []string) *cobra.Command {
	if len(args) > 0 && args[0] != "help" && args[0] != "completion" {
		if c := commandNamed(cli, args[0]); c != nil {
			// The completion command is for the shell: a run naming a
			// command never reaches it, so it is not built.
			return newRoot(cli, []*cobra.Command{c}, false)
		}
	}
	return newRootCmd(cli)
}

// newRoot is the root command over the top-level commands cmds, with
// cobra's completion command when completion is set.
func newRoot(cli *cliEnv, cmds []*cobra.Command, completion bool) *cobra.Command {
	root := &cobra.Command{
		Use:   "fakeghcr",
		Short: "A local imitation of GitHub Container Registry that explains every 401 and 403",
		Long:  rootLong,
		Args:  unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprint(cli.stderr, cmd.UsageString())
			return exitCode(2)
		},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return bindEnv(cmd, cli.getenv)
		},
		SilenceErrors:              true,
		SilenceUsage:               true,
		SuggestionsMinimumDistance: 2,
	}
	root.SetOut(cli.stdout)
	root.SetErr(cli.stderr)
	root.SetFlagErrorFunc(flagError)
	// A command with verbs runs only to print its usage: show
	// "fakeghcr access [command]", not "fakeghcr access VERB [flags]".
	root.SetUsageTemplate(strings.Replace(root.UsageTemplate(),
		"Usage:{{if .Runnable}}", "Usage:{{if and .Runnable (not .HasAvailableSubCommands)}}", 1))
	root.AddGroup(
		&cobra.Group{ID: groupRun, Title: "Run and inspect:"},
		&cobra.Group{ID: groupChange, Title: "Change a running server's world (its admin API, as settings on github.com):"},
	)
	root.AddCommand(cmds...)
	root.InitDefaultHelpCmd()
	root.CompletionOptions.DisableDefaultCmd = !completion
	root.InitDefaultCompletionCmd()
	forEachCommand(root, func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if tag := " [" + envName(f.Name) + "]"; f.Name != "help" && !strings.HasSuffix(f.Usage, tag) {
				f.Usage += tag
			}
		})
	})
	return root
}

// forEachCommand calls fn on c and every command below it.
func forEachCommand(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		forEachCommand(sub, fn)
	}
}

// run is main without the process: arguments, environment and output are
// passed in, the exit code is returned.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	// fakeghcr sandbox's setup stage is this binary re-executed (see
	// package sandbox); here rather than in main so that tests' binaries,
	// which call run, are one too.
	if sandbox.IsChild() {
		sandbox.ChildMain()
	}
	cli := &cliEnv{getenv: getenv, stdout: stdout, stderr: stderr}
	return execute(ctx, newRootFor(cli, args), args, stderr)
}

// execute runs the command tree root with args and returns the exit code.
func execute(ctx context.Context, root *cobra.Command, args []string, stderr io.Writer) int {
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	code := 1
	var ex *exitError
	if errors.As(err, &ex) {
		code = ex.code
		if ex.err == nil {
			return code
		}
	}
	name := root.Name()
	if cmd != nil {
		name = cmd.CommandPath()
	}
	fmt.Fprintf(stderr, "%s: %s\n", name, strings.TrimRight(err.Error(), "\n"))
	return code
}
