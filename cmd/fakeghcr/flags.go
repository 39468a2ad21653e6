package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// envPrefix names the environment variables that back every flag:
// --admin-token is FAKEGHCR_ADMIN_TOKEN. A flag given on the command line
// wins over its variable.
const envPrefix = "FAKEGHCR_"

func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newFlagSet returns a flag set whose usage lists each flag's variable.
func newFlagSet(env *cliEnv, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: fakeghcr %s\n\n%s\n\nFlags (each also read from its %s* variable; the flag wins):\n", name, synopsis, envPrefix)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" {
				def = fmt.Sprintf(" (default %q)", f.DefValue)
			}
			fmt.Fprintf(fs.Output(), "  --%s\n      %s%s [%s]\n", f.Name, f.Usage, def, envName(f.Name))
		})
	}
	return fs
}

// parseFlags parses args, then fills every flag not given from its
// environment variable. It returns exit code -1 to go on, or the code to
// exit with (0 for --help).
func parseFlags(fs *flag.FlagSet, env *cliEnv, args []string) int {
	// The flag package prints usage itself on every error; keep it quiet
	// and print once: --help to stdout, a bad flag to stderr.
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(env.stdout)
		fs.Usage()
		return 0
	}
	fs.SetOutput(env.stderr)
	if err != nil {
		fmt.Fprintf(env.stderr, "fakeghcr %s: %v\n", fs.Name(), err)
		fs.Usage()
		return 2
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var bad error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || bad != nil {
			return
		}
		if v := env.getenv(envName(f.Name)); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				bad = fmt.Errorf("%s=%q: %w", envName(f.Name), v, err)
			}
		}
	})
	if bad != nil {
		fmt.Fprintf(env.stderr, "fakeghcr %s: %v\n", fs.Name(), bad)
		return 2
	}
	return -1
}
