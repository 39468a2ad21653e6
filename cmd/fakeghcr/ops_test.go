package main

import (
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/fakeghcr/fakeghcr/authz"
)

// TestEveryOpHasACommand: each admin operation (authz.Ops) can be sent
// from the CLI, and every change command sends only declared operations.
func TestEveryOpHasACommand(t *testing.T) {
	t.Parallel()
	root := newRootCmd(&cliEnv{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard})
	byOp := map[authz.Op][]string{}
	forEachCommand(root, func(c *cobra.Command) {
		ops, ok := c.Annotations[opsAnnotation]
		if !ok {
			return
		}
		for op := range strings.SplitSeq(ops, ",") {
			byOp[authz.Op(op)] = append(byOp[authz.Op(op)], c.CommandPath())
		}
	})
	var declared []authz.Op
	for _, info := range authz.Ops() {
		declared = append(declared, info.Op)
		if len(byOp[info.Op]) == 0 {
			t.Errorf("operation %s (%s) has no fakeghcr command", info.Op, info.Setting)
		}
	}
	for op, cmds := range byOp {
		if !slices.Contains(declared, op) {
			t.Errorf("%v send %q, which authz.Ops does not declare", cmds, op)
		}
	}
}
