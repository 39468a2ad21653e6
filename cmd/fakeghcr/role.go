package main

import (
	"github.com/spf13/cobra"

	"github.com/fakeghcr/fakeghcr/registry"
)

// newRoleCmd is Package settings -> Manage access.
func newRoleCmd(cli *cliEnv) *cobra.Command {
	return newGroupCmd(cli, "role", "set or remove a user's role on a package (Manage access)",
		newValueChangeCmd(cli, "set", "give a user a role on a package",
			"Gives a user a role on a package.",
			[]string{"PACKAGE", "USER"}, registry.OpSetUserRole, "role", "the user's role", "read, write or admin",
			func(a []string, role string) registry.Change {
				return registry.Change{Op: registry.OpSetUserRole, Package: a[0], User: a[1], Role: role}
			}),
		newPlainChangeCmd(cli, "remove", "remove a user's role on a package",
			"Removes a user's role on a package.",
			[]string{"PACKAGE", "USER"}, registry.OpRemoveUserRole,
			func(a []string) registry.Change {
				return registry.Change{Op: registry.OpRemoveUserRole, Package: a[0], User: a[1]}
			}),
	)
}
