package authz

import (
	"fmt"
	"slices"
)

// Credential rules, checked once for every way a credential enters a world:
// a scenario file, the admin API (OpAddCredential) and a Go value given to
// the test fixture.

// classicScopes are the OAuth scopes a classic PAT or OAuth token can carry.
var classicScopes = []string{
	"repo", "repo:status", "repo_deployment", "public_repo", "repo:invite", "security_events",
	"workflow", "write:packages", "read:packages", "delete:packages",
	"admin:org", "write:org", "read:org", "manage_runners:org",
	"admin:public_key", "write:public_key", "read:public_key",
	"admin:repo_hook", "write:repo_hook", "read:repo_hook", "admin:org_hook",
	"gist", "notifications", "user", "read:user", "user:email", "user:follow", "delete_repo",
	"write:discussion", "read:discussion", "admin:enterprise", "manage_runners:enterprise",
	"manage_billing:enterprise", "read:enterprise", "audit_log", "read:audit_log",
	"codespace", "codespace:secrets", "copilot", "manage_billing:copilot", "project", "read:project",
	"admin:gpg_key", "write:gpg_key", "read:gpg_key",
	"admin:ssh_signing_key", "write:ssh_signing_key", "read:ssh_signing_key",
}

// ClassicScopes lists the scopes a classic PAT or OAuth token can carry.
func ClassicScopes() []string { return slices.Clone(classicScopes) }

// UnknownScopeError is a scope GitHub does not offer.
type UnknownScopeError struct{ Scope string }

func (e *UnknownScopeError) Error() string { return fmt.Sprintf("unknown scope %q", e.Scope) }

const credentialTypes = "classic_pat, oauth, fine_grained_pat, github_token or app_installation"

// credentialFields lists, for each optional field, the kinds taking it and
// whether c sets it.
func credentialFields(c Credential) []struct {
	name  string
	kinds []CredentialKind
	set   bool
} {
	type field = struct {
		name  string
		kinds []CredentialKind
		set   bool
	}
	return []field{
		{"repository", []CredentialKind{GitHubToken}, c.Repository != ""},
		{"packages", []CredentialKind{GitHubToken}, c.Packages != ""},
		{"event", []CredentialKind{GitHubToken}, c.Event != ""},
		{"fork", []CredentialKind{GitHubToken}, c.Fork},
		{"dependabot", []CredentialKind{GitHubToken}, c.Dependabot},
		{"reusable_workflow", []CredentialKind{GitHubToken}, c.ReusableWorkflow != ""},
		{"user", []CredentialKind{ClassicPAT, OAuth, FineGrainedPAT}, c.User != ""},
		{"scopes", []CredentialKind{ClassicPAT, OAuth}, c.Scopes != nil},
		{"app", []CredentialKind{AppInstallation}, c.App != ""},
	}
}

// CredentialProblems checks creds against w's owners and repositories:
// names and secrets present and unique (one wildcard at most), a known
// type, only the fields that type takes, and references that exist. Paths
// are "credentials[i].field", i being the index in creds.
func CredentialProblems(w World, creds []Credential) []*Problem {
	var ps problems
	names := map[string]int{}
	secrets := map[string]int{}
	for i, c := range creds {
		p := fmt.Sprintf("credentials[%d]", i)
		if c.Name == "" {
			ps.add(p+".name", "required")
		} else if j, dup := names[c.Name]; dup {
			ps.add(p+".name", "duplicate credential %q (also credentials[%d])", c.Name, j)
		} else {
			names[c.Name] = i
		}
		switch j, dup := secrets[c.Secret]; {
		case c.Secret == "":
			ps.add(p+".secret", "required (what the client sends as password; \"*\" matches any secret no other credential matches)")
		case dup && c.Secret == Wildcard:
			ps.add(p+".secret", "a second wildcard credential (credentials[%d] already has secret \"*\")", j)
		case dup:
			ps.add(p+".secret", "same secret as credentials[%d]", j)
		default:
			secrets[c.Secret] = i
		}
		ps.credential(w, p, c)
	}
	return ps
}

// credential checks one credential's type, fields and references.
func (ps *problems) credential(w World, p string, c Credential) {
	switch c.Kind {
	case "":
		ps.add(p+".type", "required (want %s)", credentialTypes)
		return
	case ClassicPAT, OAuth, FineGrainedPAT, GitHubToken, AppInstallation:
	default:
		ps.add(p+".type", "unknown type %q (want %s)", c.Kind, credentialTypes)
		return
	}
	for _, f := range credentialFields(c) {
		if f.set && !slices.Contains(f.kinds, c.Kind) {
			ps.add(p+"."+f.name, "only for %s credentials", kindList(f.kinds))
		}
	}
	switch c.Kind {
	case GitHubToken:
		ps.repositoryRef(w, p+".repository", c.Repository)
		if c.ReusableWorkflow != "" && !ValidRepositoryName(c.ReusableWorkflow) {
			ps.add(p+".reusable_workflow", "invalid repository name %q (want owner/name, lower case)", c.ReusableWorkflow)
		}
		switch c.Packages {
		case "", RoleRead, RoleWrite, PackagesNone:
		default:
			ps.add(p+".packages", "unknown packages permission %q (want read, write or none; omit it for the repository's default)", c.Packages)
		}
		if c.Event != "" && !words(c.Event, false, "_") {
			ps.add(p+".event", "invalid event %q (a workflow event such as push, pull_request or pull_request_target)", c.Event)
		}
	case ClassicPAT, OAuth, FineGrainedPAT:
		ps.userRef(w, p+".user", c.User)
		var seen []string
		for j, scope := range c.Scopes {
			f := fmt.Sprintf("%s.scopes[%d]", p, j)
			switch {
			case !slices.Contains(classicScopes, scope):
				*ps = append(*ps, &Problem{Path: f, Err: &UnknownScopeError{Scope: scope}})
			case slices.Contains(seen, scope):
				ps.add(f, "duplicate scope %q", scope)
			default:
				seen = append(seen, scope)
			}
		}
	}
}

func kindList(kinds []CredentialKind) string {
	switch len(kinds) {
	case 1:
		return string(kinds[0])
	case 2:
		return string(kinds[0]) + " or " + string(kinds[1])
	}
	s := ""
	for i, k := range kinds {
		switch {
		case i == len(kinds)-1:
			s += " or "
		case i > 0:
			s += ", "
		}
		s += string(k)
	}
	return s
}
