package main

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
)

// newCredentialCmd adds, revokes and removes tokens.
func newCredentialCmd(cli *cliEnv) *cobra.Command {
	return newGroupCmd(cli, "credential", "add, revoke or remove a credential",
		newChangeCmd(cli, "add", "add a credential (a token someone created)",
			"Adds a credential (a token someone created). The secret is never printed.",
			nil, []authz.Op{registry.OpAddCredential},
			func(fs *pflag.FlagSet) changeBuilder {
				var spec registry.CredentialSpec
				fs.StringVar(&spec.Name, "name", "", "the credential's name (required)")
				fs.StringVar(&spec.Secret, "secret", "", "the password clients send (required)")
				fs.StringVar(&spec.Type, "type", "", "classic_pat, oauth, fine_grained_pat, github_token or app_installation (required)")
				fs.StringVar(&spec.User, "user", "", "the user a PAT or OAuth token belongs to")
				fs.StringSliceVar(&spec.Scopes, "scopes", nil, "a classic PAT's scopes, comma-separated (write:packages,read:packages)")
				fs.StringVar(&spec.Repository, "repository", "", "a GITHUB_TOKEN's repository (owner/name)")
				fs.StringVar(&spec.Packages, "packages", "", "a GITHUB_TOKEN's packages permission: read, write or none (empty: the repository's default)")
				fs.StringVar(&spec.Event, "event", "", "a GITHUB_TOKEN's triggering event (push, pull_request, ...)")
				fs.BoolVar(&spec.Fork, "fork", false, "a GITHUB_TOKEN of a pull request from a fork")
				fs.BoolVar(&spec.Dependabot, "dependabot", false, "a GITHUB_TOKEN of a Dependabot run")
				fs.StringVar(&spec.App, "app", "", "an app installation token's app")
				return func([]string) ([]registry.Change, error) {
					if spec.Name == "" || spec.Secret == "" || spec.Type == "" {
						return nil, errors.New("--name, --secret and --type are required")
					}
					var scopes []string
					for _, s := range spec.Scopes {
						if s = strings.TrimSpace(s); s != "" {
							scopes = append(scopes, s)
						}
					}
					spec.Scopes = scopes
					return []registry.Change{{Op: registry.OpAddCredential, Credential: &spec}}, nil
				}
			}),
		newPlainChangeCmd(cli, "revoke", "revoke a credential (kept, refused from now on)",
			"Revokes a credential: GHCR refuses it from now on (403 DENIED denied at /token).",
			[]string{"NAME"}, registry.OpRevokeCredential,
			func(a []string) registry.Change { return registry.Change{Op: registry.OpRevokeCredential, Name: a[0]} }),
		newPlainChangeCmd(cli, "remove", "remove a credential (forgotten)",
			"Forgets a credential: its secret becomes unknown.",
			[]string{"NAME"}, registry.OpRemoveCredential,
			func(a []string) registry.Change { return registry.Change{Op: registry.OpRemoveCredential, Name: a[0]} }),
	)
}
