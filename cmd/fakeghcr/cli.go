package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fakeghcr/fakeghcr/internal/levenshtein"
)

// envPrefix names the environment variables that back every flag:
// --admin-token is FAKEGHCR_ADMIN_TOKEN. A flag given on the command line
// wins over its variable.
const envPrefix = "FAKEGHCR_"

func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// exitError ends a command with an exit code; err (if not nil) is printed
// once as "fakeghcr CMD: err".
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// exitCode ends a command with code, having printed what it had to say.
func exitCode(code int) error { return &exitError{code: code} }

// usageErrorf is a mistake in the command line: exit code 2.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

// bindEnv fills every flag of cmd not given on the command line from its
// FAKEGHCR_* variable.
func bindEnv(cmd *cobra.Command, getenv func(string) string) error {
	var bad error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed || f.Name == "help" || bad != nil {
			return
		}
		v := getenv(envName(f.Name))
		if v == "" {
			return
		}
		if err := cmd.Flags().Set(f.Name, v); err != nil {
			bad = usageErrorf("%s=%q: %s", envName(f.Name), v, wantValue(f, err))
		}
	})
	return bad
}

// flagError turns pflag's parse errors into one line that says what was
// expected, with double-dash flag names.
func flagError(cmd *cobra.Command, err error) error {
	// "fakeghcr acess add --role write": the flags belong to the misspelt
	// command, so name the command, not its flag.
	if pos := cmd.Flags().Args(); cmd.HasSubCommands() && len(pos) > 0 {
		if cmd.HasParent() {
			return verbArgs(cmd, pos)
		}
		return unknownCommand(cmd, pos)
	}
	var invalid *pflag.InvalidValueError
	if errors.As(err, &invalid) {
		f := invalid.GetFlag()
		return usageErrorf("--%s %q: %s", f.Name, invalid.GetValue(), wantValue(f, invalid.Unwrap()))
	}
	var missing *pflag.NotExistError
	if errors.As(err, &missing) {
		if group := missing.GetSpecifiedShortnames(); group != "" {
			if cmd.Flags().Lookup(group) != nil {
				return usageErrorf("-%s: flags take two dashes: --%s", group, group)
			}
			return usageErrorf("unknown flag -%s%s", group, flagSuggestion(cmd, group))
		}
		name := missing.GetSpecifiedName()
		return usageErrorf("unknown flag --%s%s", name, flagSuggestion(cmd, name))
	}
	return &exitError{code: 2, err: err}
}

// wantValue says what a flag of f's type takes.
func wantValue(f *pflag.Flag, cause error) string {
	switch f.Value.Type() {
	case "duration":
		return "want a duration with a unit, such as 10m, 30s or 1h30m"
	case "int":
		return "want a whole number"
	case "bool":
		return "want true or false"
	}
	return cause.Error()
}

// flagSuggestion names the flags of cmd that are close to name.
func flagSuggestion(cmd *cobra.Command, name string) string {
	var near []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" && (strings.HasPrefix(f.Name, name) || levenshtein.Distance(f.Name, name) <= max(1, len(name)/3)) {
			near = append(near, "--"+f.Name)
		}
	})
	if len(near) == 0 {
		return fmt.Sprintf(" (see '%s --help')", cmd.CommandPath())
	}
	return " (did you mean " + strings.Join(near, " or ") + "?)"
}

// unknownCommand is the root's argument check: any argument is a command
// that does not exist.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return usageErrorf("unknown command %q%s", args[0], commandSuggestion(cmd, args[0]))
}

// verbArgs is the argument check of a command group (access, role, ...):
// its first argument must be one of its verbs.
func verbArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 || args[0] == "help" {
		return nil
	}
	return usageErrorf("unknown verb %q%s", args[0], commandSuggestion(cmd, args[0]))
}

func commandSuggestion(cmd *cobra.Command, typed string) string {
	cmd.SuggestionsMinimumDistance = 2
	s := cmd.SuggestionsFor(typed)
	if len(s) == 0 {
		return fmt.Sprintf(" (see '%s --help')", cmd.CommandPath())
	}
	return "; did you mean " + strings.Join(s, " or ") + "?"
}

// newGroupCmd is a command whose verbs are its subcommands
// (`fakeghcr access add ...`). Without a verb it prints its usage to
// stderr and exits 2.
func newGroupCmd(cli *cliEnv, use, short string, verbs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use:   use + " VERB",
		Short: short,
		Args:  verbArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 { // help
				return cmd.Help()
			}
			fmt.Fprint(cli.stderr, cmd.UsageString())
			return exitCode(2)
		},
	}
	c.AddCommand(verbs...)
	return c
}

// exactArgs checks the number of positional arguments, named in the error.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == len(names) {
			return nil
		}
		if len(names) == 0 {
			return usageErrorf("unexpected argument %q", args[0])
		}
		return usageErrorf("want %d argument(s): %s; got %d", len(names), strings.Join(names, " "), len(args))
	}
}

// noArgs is exactArgs without names.
var noArgs = exactArgs()
