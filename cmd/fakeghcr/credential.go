package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
)

// newCredentialCmd adds, revokes and removes tokens.
func newCredentialCmd(cli *cliEnv) *cobra.Command {
	return newGroupCmd(cli, "credential", "add, revoke or remove a credential",
		newCredentialAddCmd(cli),
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

// maxSecretLine bounds the line --secret-stdin reads.
const maxSecretLine = 64 << 10

// readSecretLine reads the first line of r, without its line ending.
func readSecretLine(r io.Reader) (string, error) {
	sc := bufio.NewScanner(io.LimitReader(r, maxSecretLine+2))
	sc.Buffer(make([]byte, 0, 4096), maxSecretLine+2)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return "", fmt.Errorf("--secret-stdin: reading standard input: %w", err)
		}
		return "", errors.New("--secret-stdin: standard input is empty")
	}
	return strings.TrimRight(sc.Text(), "\r"), nil
}

// newCredentialAddCmd adds a credential; --secret-stdin keeps the secret
// out of the process list, where --secret puts it.
func newCredentialAddCmd(cli *cliEnv) *cobra.Command {
	var stdin io.Reader
	c := newChangeCmd(cli, "add", "add a credential (a token someone created)",
		"Adds a credential (a token someone created). The secret is never printed. --secret puts it in\n"+
			"the process list (ps) and the shell history: prefer --secret-stdin, which reads it from the first\n"+
			"line of standard input (printf '%s\\n' \"$TOKEN\" | fakeghcr credential add --secret-stdin ...).",
		nil, []authz.Op{registry.OpAddCredential},
		func(fs *pflag.FlagSet) changeBuilder {
			var spec registry.CredentialSpec
			var fromStdin bool
			fs.StringVar(&spec.Name, "name", "", "the credential's name (required)")
			fs.StringVar(&spec.Secret, "secret", "", "the password clients send (visible to ps: prefer --secret-stdin)")
			fs.BoolVar(&fromStdin, "secret-stdin", false, "read the secret from the first line of standard input")
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
				if fromStdin {
					if spec.Secret != "" {
						return nil, errors.New("--secret and --secret-stdin: give one")
					}
					secret, err := readSecretLine(stdin)
					if err != nil {
						return nil, err
					}
					spec.Secret = secret
				}
				if spec.Name == "" || spec.Secret == "" || spec.Type == "" {
					return nil, errors.New("--name, --secret (or --secret-stdin) and --type are required")
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
		})
	c.PreRunE = func(cmd *cobra.Command, _ []string) error {
		stdin = cmd.InOrStdin()
		return nil
	}
	return c
}
