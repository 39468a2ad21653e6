package main

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fakeghcr/fakeghcr/adminclient"
	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
)

// The runtime commands change a running server's world through its admin
// API (POST /_fakeghcr/changes), as a user would change settings on
// github.com: each prints what changed, or the server's refusal (exit 1).

// defaultServer is where the admin commands look for a running fakeghcr.
const defaultServer = "http://127.0.0.1:5000"

// serverFlags are the flags of every command that talks to a running
// server's admin API.
type serverFlags struct {
	server, adminToken string
	timeout            time.Duration
}

func (f *serverFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.server, "server", defaultServer, "base URL of the running fakeghcr")
	fs.StringVar(&f.adminToken, "admin-token", "", "the server's admin token (printed by fakeghcr serve, or its --admin-token)")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "how long to wait for the server")
}

func (f *serverFlags) client() *adminclient.Client {
	return adminclient.New(f.server, f.adminToken, adminclient.WithHTTPClient(&http.Client{Timeout: f.timeout}))
}

// explain adds what a person can do about an admin request that failed.
func (f *serverFlags) explain(err error) error {
	var unreachable *adminclient.UnreachableError
	if errors.As(err, &unreachable) {
		return fmt.Errorf("%w (is fakeghcr serve running there? --server / %s)", err, envName("server"))
	}
	var refused *adminclient.Error
	if errors.As(err, &refused) && refused.Status == http.StatusUnauthorized {
		what := "no admin token was given"
		if f.adminToken != "" {
			what = "the admin token given is not this server's"
		}
		return fmt.Errorf("%w\n  %s: fakeghcr serve prints a new one at each start unless it is given --admin-token; pass it with --admin-token or %s", err, what, envName("admin-token"))
	}
	return err
}

// opsAnnotation lists, on each change command, the admin operations it
// sends (a test checks that every operation has a command).
const opsAnnotation = "fakeghcr/ops"

// changeBuilder turns a command's positional arguments (and the flags it
// captured) into the changes to apply, in order.
type changeBuilder func(pos []string) ([]registry.Change, error)

// newChangeCmd is a command that builds changes from its arguments and
// flags and applies them in order. It stops at the first refusal; changes
// applied before it stay applied.
func newChangeCmd(cli *cliEnv, verb, short, long string, argNames []string, ops []authz.Op,
	define func(*pflag.FlagSet) changeBuilder) *cobra.Command {
	var sf serverFlags
	c := &cobra.Command{
		Use:         strings.TrimSpace(verb + " " + strings.Join(argNames, " ")),
		Short:       short,
		Long:        long + onGitHub(ops),
		Args:        exactArgs(argNames...),
		Annotations: map[string]string{opsAnnotation: joinOps(ops)},
	}
	sf.register(c.Flags())
	build := define(c.Flags())
	c.RunE = func(cmd *cobra.Command, args []string) error {
		changes, err := build(args)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		ac := sf.client()
		for _, ch := range changes {
			if err := ac.Apply(cmd.Context(), ch); err != nil {
				return sf.explain(err)
			}
			fmt.Fprintln(cli.stdout, ch.Describe())
		}
		return nil
	}
	return c
}

// onGitHub names, from authz.Ops, the settings on github.com that make
// the changes ops.
func onGitHub(ops []authz.Op) string {
	var b strings.Builder
	b.WriteString("\n\nOn github.com:")
	for _, info := range authz.Ops() {
		if slices.Contains(ops, info.Op) {
			b.WriteString("\n  " + info.Setting)
		}
	}
	return b.String()
}

// joinOps joins operation names for the ops annotation.
func joinOps(ops []authz.Op) string {
	names := make([]string, len(ops))
	for i, op := range ops {
		names[i] = string(op)
	}
	return strings.Join(names, ",")
}

// newPlainChangeCmd is a change command with positional arguments only.
func newPlainChangeCmd(cli *cliEnv, verb, short, long string, argNames []string, op authz.Op,
	build func(pos []string) registry.Change) *cobra.Command {
	return newChangeCmd(cli, verb, short, long, argNames, []authz.Op{op}, func(*pflag.FlagSet) changeBuilder {
		return func(pos []string) ([]registry.Change, error) { return []registry.Change{build(pos)}, nil }
	})
}

// newValueChangeCmd is a change command with positional arguments and one
// required flag (--role, --workflow-permission).
func newValueChangeCmd(cli *cliEnv, verb, short, long string, argNames []string, op authz.Op, flagName, meaning, allowed string,
	build func(pos []string, value string) registry.Change) *cobra.Command {
	return newChangeCmd(cli, verb, short, long, argNames, []authz.Op{op}, func(fs *pflag.FlagSet) changeBuilder {
		value := fs.String(flagName, "", meaning+": "+allowed+" (required)")
		return func(pos []string) ([]registry.Change, error) {
			if *value == "" {
				return nil, fmt.Errorf("--%s is required (%s)", flagName, allowed)
			}
			return []registry.Change{build(pos, *value)}, nil
		}
	})
}

func newResetCmd(cli *cliEnv) *cobra.Command {
	var sf serverFlags
	c := &cobra.Command{
		Use:   "reset",
		Short: "restore a running server's world to the scenario it loaded",
		Long:  "Restores the world the running server started with (registry content is kept).",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := sf.client().Reset(cmd.Context()); err != nil {
				return sf.explain(err)
			}
			fmt.Fprintln(cli.stdout, "world reset to the loaded scenario (images kept)")
			return nil
		},
	}
	sf.register(c.Flags())
	return c
}

func newWorldCmd(cli *cliEnv) *cobra.Command {
	var sf serverFlags
	var secrets bool
	c := &cobra.Command{
		Use:   "world",
		Short: "print a running server's current world as YAML",
		Long: "Prints the running server's current world as a scenario file (YAML), each credential's secret\n" +
			"replaced by " + registry.RedactedSecret + "NAME unless --secrets is given (secrets may be real GitHub tokens).\n" +
			"The file has no name (it takes its file's) and no expectations (they described the world the\n" +
			"server started with). `fakeghcr world import` writes a world from GitHub's REST API instead.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			world := sf.client().WorldRedacted
			if secrets {
				world = sf.client().World
			}
			out, err := world(cmd.Context())
			if err != nil {
				return sf.explain(err)
			}
			if out, err = exported(out, secrets); err != nil {
				return err
			}
			_, err = cli.stdout.Write(out)
			return err
		},
	}
	c.Flags().BoolVar(&secrets, "secrets", false, "print the credentials' secrets too")
	sf.register(c.Flags())
	c.AddCommand(newWorldImportCmd(cli))
	return c
}
