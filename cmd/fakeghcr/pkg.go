package main

import (
	"errors"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
)

// newPackageCmd is Package settings: Danger Zone -> Change visibility;
// Repository source; Inherit access from source repository.
func newPackageCmd(cli *cliEnv) *cobra.Command {
	return newGroupCmd(cli, "package", "set a package's visibility, repository link or access inheritance",
		newChangeCmd(cli, "set", "change a package's visibility, repository link or access inheritance",
			"Changes a package's settings, applied in the order link, inherit, visibility.",
			[]string{"PACKAGE"}, []authz.Op{registry.OpLinkRepository, registry.OpSetInheritAccess, registry.OpSetVisibility},
			func(fs *pflag.FlagSet) changeBuilder {
				visibility := fs.String("visibility", "", "private, public or internal")
				link := fs.String("link", "", "connect the package to this repository (Repository source)")
				unlink := fs.Bool("unlink", false, "disconnect the package from its repository")
				inherit := fs.Bool("inherit", false, "inherit access from the source repository: --inherit or --inherit=false")
				return func(a []string) ([]registry.Change, error) {
					var cs []registry.Change
					if *link != "" && *unlink {
						return nil, errors.New("--link and --unlink exclude each other")
					}
					if *link != "" || *unlink {
						cs = append(cs, registry.Change{Op: registry.OpLinkRepository, Package: a[0], Repository: *link})
					}
					if fs.Changed("inherit") {
						v := *inherit
						cs = append(cs, registry.Change{Op: registry.OpSetInheritAccess, Package: a[0], Inherit: &v})
					}
					if *visibility != "" {
						cs = append(cs, registry.Change{Op: registry.OpSetVisibility, Package: a[0], Visibility: *visibility})
					}
					if len(cs) == 0 {
						return nil, errors.New("nothing to change: give --visibility, --link, --unlink or --inherit")
					}
					return cs, nil
				}
			}),
	)
}
