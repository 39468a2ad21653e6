package main

import (
	"github.com/spf13/cobra"

	"github.com/fakeghcr/fakeghcr/registry"
)

// newAccessCmd is Package settings -> Manage Actions access.
func newAccessCmd(cli *cliEnv) *cobra.Command {
	return newGroupCmd(cli, "access", "add or remove a repository in a package's Manage Actions access",
		newValueChangeCmd(cli, "add", "give a repository's workflows a role on a package",
			"Gives a repository's workflows a role on a package, as Manage Actions access does.",
			[]string{"PACKAGE", "REPOSITORY"}, registry.OpSetActionsAccess, "role", "the repository's role", "read, write or admin",
			func(a []string, role string) registry.Change {
				return registry.Change{Op: registry.OpSetActionsAccess, Package: a[0], Repository: a[1], Role: role}
			}),
		newPlainChangeCmd(cli, "remove", "remove a repository from a package's Manage Actions access",
			"Removes a repository from a package's Manage Actions access.",
			[]string{"PACKAGE", "REPOSITORY"}, registry.OpRemoveActionsAccess,
			func(a []string) registry.Change {
				return registry.Change{Op: registry.OpRemoveActionsAccess, Package: a[0], Repository: a[1]}
			}),
	)
}
