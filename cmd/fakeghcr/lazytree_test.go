package main

import (
	"bytes"
	"context"
	"testing"
)

// TestOneCommandTreeAnswersAsTheWholeTree: a run whose first argument
// names a command builds only that command (newRootFor); its help, usage
// errors and argument errors must read exactly as with every command built.
func TestOneCommandTreeAnswersAsTheWholeTree(t *testing.T) {
	env := func(string) string { return "" }
	var names []string
	for _, c := range commands(&cliEnv{getenv: env, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}) {
		names = append(names, c.Name())
		names = append(names, c.Aliases...)
	}
	if len(names) < 16 {
		t.Fatalf("only %d command names: %v", len(names), names)
	}
	for _, name := range names {
		for _, args := range [][]string{
			{name, "--help"},
			{name, "--no-such-flag"},
			{name, "no-such-verb", "x"},
			{name},
		} {
			if (name == "serve" || name == "sandbox" || name == "demo") && len(args) != 2 {
				continue // these would run a server or a sandbox
			}
			run := func(whole bool) (int, string, string) {
				var out, errb bytes.Buffer
				cli := &cliEnv{getenv: env, stdout: &out, stderr: &errb}
				root := newRootFor(cli, args)
				if whole {
					root = newRootCmd(cli)
				}
				ctx, cancel := context.WithCancel(context.Background())
				cancel() // nothing here may wait on the network
				code := execute(ctx, root, args, &errb)
				return code, out.String(), errb.String()
			}
			c1, o1, e1 := run(false)
			c2, o2, e2 := run(true)
			if c1 != c2 || o1 != o2 || e1 != e2 {
				t.Errorf("%q: one command: exit %d, stdout %q, stderr %q\nwhole tree: exit %d, stdout %q, stderr %q", args, c1, o1, e1, c2, o2, e2)
			}
		}
	}
}

// TestCommandListNames: each entry's name is the name of the command it
// builds (commandNamed finds a command by it without building the others),
// and the command has no alias that name would miss.
func TestCommandListNames(t *testing.T) {
	cli := &cliEnv{getenv: func(string) string { return "" }, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	for _, c := range commandList {
		cmd := c.build(cli)
		if cmd.Name() != c.name || len(cmd.Aliases) > 0 {
			t.Errorf("commandList entry %q builds command %q (aliases %v)", c.name, cmd.Name(), cmd.Aliases)
		}
	}
}
