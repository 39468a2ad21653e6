package main

import (
	"github.com/spf13/cobra"

	"github.com/fakeghcr/fakeghcr/registry"
)

// newRepoCmd is Repository settings -> Actions -> General.
func newRepoCmd(cli *cliEnv) *cobra.Command {
	return newGroupCmd(cli, "repo", "set a repository's default workflow permissions",
		newValueChangeCmd(cli, "set", "set a repository's default GITHUB_TOKEN permissions",
			"Sets the packages permission a repository's GITHUB_TOKEN gets when its workflow has no permissions block.",
			[]string{"REPOSITORY"}, registry.OpSetWorkflowPermission, "workflow-permission", "the GITHUB_TOKEN's default for packages", "read or write",
			func(a []string, perm string) registry.Change {
				return registry.Change{Op: registry.OpSetWorkflowPermission, Repository: a[0], WorkflowPermission: perm}
			}),
	)
}
