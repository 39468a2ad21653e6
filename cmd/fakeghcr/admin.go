package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/fakeghcr/fakeghcr/registry"
)

// The runtime commands change a running server's world through its admin
// API (POST /_fakeghcr/changes), as a user would change settings on
// github.com: each prints what changed, or the server's refusal (exit 1).

// subcommand dispatches `fakeghcr NOUN VERB ...`.
func subcommand(ctx context.Context, env *cliEnv, noun string, args []string, verbs map[string]func(context.Context, *cliEnv, []string) int, synopsis string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		out := env.stderr
		if len(args) > 0 {
			out = env.stdout
		}
		fmt.Fprintf(out, "Usage:\n%s\nRun 'fakeghcr %s VERB --help' for a verb's flags.\n", synopsis, noun)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	run, ok := verbs[args[0]]
	if !ok {
		fmt.Fprintf(env.stderr, "fakeghcr %s: unknown verb %q\nUsage:\n%s", noun, args[0], synopsis)
		return 2
	}
	return run(ctx, env, args[1:])
}

const accessUsage = `  fakeghcr access add PACKAGE REPOSITORY --role read|write|admin
  fakeghcr access remove PACKAGE REPOSITORY
(Package settings -> Manage Actions access)
`

func runAccess(ctx context.Context, env *cliEnv, args []string) int {
	return subcommand(ctx, env, "access", args, map[string]func(context.Context, *cliEnv, []string) int{
		"add": func(ctx context.Context, env *cliEnv, args []string) int {
			return valueChange(ctx, env, "access add", "Gives a repository's workflows a role on a package (Package settings -> Manage Actions access -> Add repository).",
				[]string{"PACKAGE", "REPOSITORY"}, "role", "the repository's role", "read, write or admin", args,
				func(a []string, role string) registry.Change {
					return registry.Change{Op: registry.OpSetActionsAccess, Package: a[0], Repository: a[1], Role: role}
				})
		},
		"remove": func(ctx context.Context, env *cliEnv, args []string) int {
			return plainChange(ctx, env, "access remove", "Removes a repository from a package's Manage Actions access.",
				[]string{"PACKAGE", "REPOSITORY"}, args, func(a []string) registry.Change {
					return registry.Change{Op: registry.OpRemoveActionsAccess, Package: a[0], Repository: a[1]}
				})
		},
	}, accessUsage)
}

const packageUsage = `  fakeghcr package set PACKAGE [--visibility private|public|internal] [--link REPOSITORY | --unlink] [--inherit=true|false]
(Package settings: Danger Zone -> Change visibility; Repository source; Inherit access from source repository)
`

// optBool is a boolean flag that knows whether it was given.
type optBool struct{ set, value bool }

func (b *optBool) String() string {
	if b == nil || !b.set {
		return ""
	}
	return strconv.FormatBool(b.value)
}

func (b *optBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false")
	}
	b.set, b.value = true, v
	return nil
}

func (b *optBool) IsBoolFlag() bool { return true }

func runPackage(ctx context.Context, env *cliEnv, args []string) int {
	return subcommand(ctx, env, "package", args, map[string]func(context.Context, *cliEnv, []string) int{
		"set": func(ctx context.Context, env *cliEnv, args []string) int {
			return changeCommand(ctx, env, "package set", "Changes a package's settings; the changes are applied in the order link, inherit, visibility.",
				[]string{"PACKAGE"}, func(fs *flag.FlagSet) func([]string) ([]registry.Change, error) {
					visibility := fs.String("visibility", "", "private, public or internal")
					link := fs.String("link", "", "connect the package to this repository (Repository source)")
					unlink := fs.Bool("unlink", false, "disconnect the package from its repository")
					var inherit optBool
					fs.Var(&inherit, "inherit", "inherit access from the source repository: true or false")
					return func(a []string) ([]registry.Change, error) {
						var cs []registry.Change
						if *link != "" && *unlink {
							return nil, fmt.Errorf("--link and --unlink exclude each other")
						}
						if *link != "" || *unlink {
							cs = append(cs, registry.Change{Op: registry.OpLinkRepository, Package: a[0], Repository: *link})
						}
						if inherit.set {
							v := inherit.value
							cs = append(cs, registry.Change{Op: registry.OpSetInheritAccess, Package: a[0], Inherit: &v})
						}
						if *visibility != "" {
							cs = append(cs, registry.Change{Op: registry.OpSetVisibility, Package: a[0], Visibility: *visibility})
						}
						if len(cs) == 0 {
							return nil, fmt.Errorf("nothing to change: give --visibility, --link, --unlink or --inherit")
						}
						return cs, nil
					}
				}, args)
		},
	}, packageUsage)
}

const roleUsage = `  fakeghcr role set PACKAGE USER --role read|write|admin
  fakeghcr role remove PACKAGE USER
(Package settings -> Manage access)
`

func runRole(ctx context.Context, env *cliEnv, args []string) int {
	return subcommand(ctx, env, "role", args, map[string]func(context.Context, *cliEnv, []string) int{
		"set": func(ctx context.Context, env *cliEnv, args []string) int {
			return valueChange(ctx, env, "role set", "Gives a user a role on a package (Package settings -> Manage access -> Invite / change role).",
				[]string{"PACKAGE", "USER"}, "role", "the user's role", "read, write or admin", args,
				func(a []string, role string) registry.Change {
					return registry.Change{Op: registry.OpSetUserRole, Package: a[0], User: a[1], Role: role}
				})
		},
		"remove": func(ctx context.Context, env *cliEnv, args []string) int {
			return plainChange(ctx, env, "role remove", "Removes a user's role on a package (Package settings -> Manage access -> Remove).",
				[]string{"PACKAGE", "USER"}, args, func(a []string) registry.Change {
					return registry.Change{Op: registry.OpRemoveUserRole, Package: a[0], User: a[1]}
				})
		},
	}, roleUsage)
}

const repoUsage = `  fakeghcr repo set REPOSITORY --workflow-permission read|write
(Repository settings -> Actions -> General -> Workflow permissions: the GITHUB_TOKEN's default)
`

func runRepo(ctx context.Context, env *cliEnv, args []string) int {
	return subcommand(ctx, env, "repo", args, map[string]func(context.Context, *cliEnv, []string) int{
		"set": func(ctx context.Context, env *cliEnv, args []string) int {
			return valueChange(ctx, env, "repo set", "Sets a repository's default GITHUB_TOKEN permissions (Settings -> Actions -> General -> Workflow permissions).",
				[]string{"REPOSITORY"}, "workflow-permission", "the GITHUB_TOKEN's default for packages", "read or write", args,
				func(a []string, perm string) registry.Change {
					return registry.Change{Op: registry.OpSetWorkflowPermission, Repository: a[0], WorkflowPermission: perm}
				})
		},
	}, repoUsage)
}

const credentialUsage = `  fakeghcr credential add --name N --secret S --type T [--user U] [--scopes a,b] [--repository R] [--packages P] [--event E] [--fork] [--dependabot] [--app A]
  fakeghcr credential revoke NAME   (kept, refused from now on)
  fakeghcr credential remove NAME   (forgotten)
`

func runCredential(ctx context.Context, env *cliEnv, args []string) int {
	return subcommand(ctx, env, "credential", args, map[string]func(context.Context, *cliEnv, []string) int{
		"add": func(ctx context.Context, env *cliEnv, args []string) int {
			return changeCommand(ctx, env, "credential add", "Adds a credential (a token someone created). The secret is never printed.",
				nil, func(fs *flag.FlagSet) func([]string) ([]registry.Change, error) {
					var spec registry.CredentialSpec
					var scopes string
					fs.StringVar(&spec.Name, "name", "", "the credential's name (required)")
					fs.StringVar(&spec.Secret, "secret", "", "the password clients send (required)")
					fs.StringVar(&spec.Type, "type", "", "classic_pat, oauth, fine_grained_pat, github_token or app_installation (required)")
					fs.StringVar(&spec.User, "user", "", "the user a PAT or OAuth token belongs to")
					fs.StringVar(&scopes, "scopes", "", "a classic PAT's scopes, comma-separated (write:packages,read:packages)")
					fs.StringVar(&spec.Repository, "repository", "", "a GITHUB_TOKEN's repository (owner/name)")
					fs.StringVar(&spec.Packages, "packages", "", "a GITHUB_TOKEN's packages permission: read, write or none (empty: the repository's default)")
					fs.StringVar(&spec.Event, "event", "", "a GITHUB_TOKEN's triggering event (push, pull_request, ...)")
					fs.BoolVar(&spec.Fork, "fork", false, "a GITHUB_TOKEN of a pull request from a fork")
					fs.BoolVar(&spec.Dependabot, "dependabot", false, "a GITHUB_TOKEN of a Dependabot run")
					fs.StringVar(&spec.App, "app", "", "an app installation token's app")
					return func([]string) ([]registry.Change, error) {
						if spec.Name == "" || spec.Secret == "" || spec.Type == "" {
							return nil, fmt.Errorf("--name, --secret and --type are required")
						}
						for s := range strings.SplitSeq(scopes, ",") {
							if s = strings.TrimSpace(s); s != "" {
								spec.Scopes = append(spec.Scopes, s)
							}
						}
						return []registry.Change{{Op: registry.OpAddCredential, Credential: &spec}}, nil
					}
				}, args)
		},
		"revoke": func(ctx context.Context, env *cliEnv, args []string) int {
			return plainChange(ctx, env, "credential revoke", "Revokes a credential: GHCR refuses it from now on (403 DENIED denied at /token).",
				[]string{"NAME"}, args, func(a []string) registry.Change {
					return registry.Change{Op: registry.OpRevokeCredential, Name: a[0]}
				})
		},
		"remove": func(ctx context.Context, env *cliEnv, args []string) int {
			return plainChange(ctx, env, "credential remove", "Forgets a credential: its secret becomes unknown.",
				[]string{"NAME"}, args, func(a []string) registry.Change {
					return registry.Change{Op: registry.OpRemoveCredential, Name: a[0]}
				})
		},
	}, credentialUsage)
}

// changeCommand is the body of every change command: flags (its own plus
// the server flags), positional arguments, then the changes in order. It
// stops at the first refusal; changes applied before it stay applied.
func changeCommand(ctx context.Context, env *cliEnv, name, synopsis string, argNames []string,
	define func(*flag.FlagSet) func([]string) ([]registry.Change, error), args []string) int {
	fs := newFlagSet(env, name, synopsis)
	var sf serverFlags
	sf.register(fs)
	build := define(fs)
	pos, code := parseArgs(fs, env, args)
	if code >= 0 {
		return code
	}
	if !wantArgs(env, fs, pos, argNames...) {
		return 2
	}
	changes, err := build(pos)
	if err != nil {
		fmt.Fprintf(env.stderr, "fakeghcr %s: %v\n", name, err)
		return 2
	}
	ac := sf.client()
	for _, c := range changes {
		if err := ac.apply(ctx, c); err != nil {
			return fail(env, name, err)
		}
		fmt.Fprintln(env.stdout, describeChange(c))
	}
	return 0
}

// plainChange is a change command with positional arguments only.
func plainChange(ctx context.Context, env *cliEnv, name, synopsis string, argNames, args []string,
	build func(pos []string) registry.Change) int {
	return changeCommand(ctx, env, name, synopsis, argNames, func(*flag.FlagSet) func([]string) ([]registry.Change, error) {
		return func(pos []string) ([]registry.Change, error) { return []registry.Change{build(pos)}, nil }
	}, args)
}

// valueChange is a change command with positional arguments and one
// required flag (--role, --workflow-permission).
func valueChange(ctx context.Context, env *cliEnv, name, synopsis string, argNames []string, flagName, meaning, allowed string, args []string,
	build func(pos []string, value string) registry.Change) int {
	return changeCommand(ctx, env, name, synopsis, argNames, func(fs *flag.FlagSet) func([]string) ([]registry.Change, error) {
		value := fs.String(flagName, "", meaning+": "+allowed+" (required)")
		return func(pos []string) ([]registry.Change, error) {
			if *value == "" {
				return nil, fmt.Errorf("--%s is required (%s)", flagName, allowed)
			}
			return []registry.Change{build(pos, *value)}, nil
		}
	}, args)
}

// describeChange says in words what a change did.
func describeChange(c registry.Change) string {
	switch c.Op {
	case registry.OpSetActionsAccess:
		return fmt.Sprintf("%s: Manage Actions access: repository %s has role %s", c.Package, c.Repository, strings.ToLower(c.Role))
	case registry.OpRemoveActionsAccess:
		return fmt.Sprintf("%s: Manage Actions access: repository %s removed", c.Package, c.Repository)
	case registry.OpSetVisibility:
		return fmt.Sprintf("%s: visibility is %s", c.Package, c.Visibility)
	case registry.OpLinkRepository:
		if c.Repository == "" {
			return fmt.Sprintf("%s: no longer connected to a repository", c.Package)
		}
		return fmt.Sprintf("%s: connected to repository %s", c.Package, c.Repository)
	case registry.OpSetInheritAccess:
		state := "off"
		if c.Inherit != nil && *c.Inherit {
			state = "on"
		}
		return fmt.Sprintf("%s: inherit access from source repository: %s", c.Package, state)
	case registry.OpSetUserRole:
		return fmt.Sprintf("%s: Manage access: user %s has role %s", c.Package, c.User, strings.ToLower(c.Role))
	case registry.OpRemoveUserRole:
		return fmt.Sprintf("%s: Manage access: user %s removed", c.Package, c.User)
	case registry.OpSetWorkflowPermission:
		return fmt.Sprintf("%s: workflow permissions: %s", c.Repository, c.WorkflowPermission)
	case registry.OpAddCredential:
		return "credential " + c.Credential.Name + " added (" + describeSpec(c.Credential) + ")"
	case registry.OpRevokeCredential:
		return "credential " + c.Name + " revoked: refused from now on"
	case registry.OpRemoveCredential:
		return "credential " + c.Name + " removed"
	}
	return "applied " + string(c.Op)
}

// describeSpec describes a credential without its secret.
func describeSpec(s *registry.CredentialSpec) string {
	parts := []string{s.Type}
	if s.User != "" {
		parts = append(parts, "user "+s.User)
	}
	if len(s.Scopes) > 0 {
		parts = append(parts, "scopes "+strings.Join(s.Scopes, " "))
	}
	if s.Repository != "" {
		parts = append(parts, "repository "+s.Repository)
	}
	if s.Packages != "" {
		parts = append(parts, "packages: "+s.Packages)
	}
	for _, f := range []struct {
		on   bool
		name string
	}{{s.Fork, "fork"}, {s.Dependabot, "dependabot"}} {
		if f.on {
			parts = append(parts, f.name)
		}
	}
	if s.App != "" {
		parts = append(parts, "app "+s.App)
	}
	return strings.Join(parts, ", ")
}

func runReset(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "reset", "Restores the world the running server started with (registry content is kept).")
	var sf serverFlags
	sf.register(fs)
	pos, code := parseArgs(fs, env, args)
	if code >= 0 {
		return code
	}
	if !wantArgs(env, fs, pos) {
		return 2
	}
	if err := sf.client().do(ctx, http.MethodPost, "/reset", nil, nil); err != nil {
		return fail(env, "reset", err)
	}
	fmt.Fprintln(env.stdout, "world reset to the loaded scenario (images kept)")
	return 0
}

func runWorld(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "world", "Prints the running server's current world as a scenario file (YAML).")
	var sf serverFlags
	sf.register(fs)
	pos, code := parseArgs(fs, env, args)
	if code >= 0 {
		return code
	}
	if !wantArgs(env, fs, pos) {
		return 2
	}
	if err := sf.client().do(ctx, http.MethodGet, "/world", nil, env.stdout); err != nil {
		return fail(env, "world", err)
	}
	return 0
}
