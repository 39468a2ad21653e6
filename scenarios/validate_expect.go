package scenarios

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// Validation of credentials, settings and expectations; see validate.go
// for the world.

// allowReasons are authz's reasons for allowing; keep in sync with
// authz/reason.go (authz.DenyReasons lists the others).
var allowReasons = []authz.Reason{
	authz.AllowPublicRead, authz.AllowInternalRead, authz.AllowRole, authz.AllowOrgOwner,
	authz.AllowPackageOwner, authz.AllowActionsAccess, authz.AllowInheritedRepo,
	authz.AllowCreate, authz.AllowAnonymousToken,
}

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

// credentialFields says which optional fields each credential type takes.
var credentialFields = map[authz.CredentialKind][]string{
	authz.GitHubToken:     {"repository", "packages", "event", "fork", "dependabot"},
	authz.ClassicPAT:      {"user", "scopes"},
	authz.OAuth:           {"user", "scopes"},
	authz.FineGrainedPAT:  {"user"},
	authz.AppInstallation: {"app"},
}

// credentialFieldOwners names, for each optional field, the types taking it.
var credentialFieldOwners = map[string]string{
	"repository": "github_token", "packages": "github_token", "event": "github_token",
	"fork": "github_token", "dependabot": "github_token",
	"user": "classic_pat, oauth or fine_grained_pat", "scopes": "classic_pat or oauth",
	"app": "app_installation",
}

func (b *builder) credentials(creds []fileCredential) {
	names := map[string]int{}
	secrets := map[string]int{}
	for i, c := range creds {
		p := fmt.Sprintf("credentials[%d]", i)
		if c.Name == "" {
			b.errorf(p+".name", "required")
		} else if j, dup := names[c.Name]; dup {
			b.errorf(p+".name", "duplicate credential %q (also credentials[%d])", c.Name, j)
		} else {
			names[c.Name] = i
		}
		switch j, dup := secrets[c.Secret]; {
		case c.Secret == "":
			b.errorf(p+".secret", "required (what the client sends as password; \"*\" matches any secret no other credential matches)")
		case dup && c.Secret == authz.Wildcard:
			b.errorf(p+".secret", "a second wildcard credential (credentials[%d] already has secret \"*\")", j)
		case dup:
			b.errorf(p+".secret", "same secret as credentials[%d]", j)
		default:
			secrets[c.Secret] = i
		}
		kind := authz.CredentialKind(c.Type)
		allowed, known := credentialFields[kind]
		switch {
		case c.Type == "":
			b.errorf(p+".type", "required (want classic_pat, oauth, fine_grained_pat, github_token or app_installation)")
		case !known:
			b.errorf(p+".type", "unknown type %q (want classic_pat, oauth, fine_grained_pat, github_token or app_installation)", c.Type)
		}
		cred := authz.Credential{Name: c.Name, Secret: c.Secret, Kind: kind, Revoked: c.Revoked, Event: c.Event, Fork: c.Fork, Dependabot: c.Dependabot, App: c.App}
		if known {
			for _, field := range []string{"repository", "packages", "event", "fork", "dependabot", "user", "scopes", "app"} {
				if !slices.Contains(allowed, field) && c.has(field) {
					b.errorf(p+"."+field, "only for %s credentials", credentialFieldOwners[field])
				}
			}
		}
		switch kind {
		case authz.GitHubToken:
			if repo, ok := b.repoRef(p+".repository", c.Repository); ok {
				cred.Repository = repo
			}
			switch authz.Role(c.Packages) {
			case "", authz.RoleRead, authz.RoleWrite, authz.PackagesNone:
				cred.Packages = authz.Role(c.Packages)
			default:
				b.errorf(p+".packages", "unknown packages permission %q (want read, write or none; omit it for the repository's default)", c.Packages)
			}
			if c.Event != "" && !eventRE.MatchString(c.Event) {
				b.errorf(p+".event", "invalid event %q (a workflow event such as push, pull_request or pull_request_target)", c.Event)
			}
		case authz.ClassicPAT, authz.OAuth, authz.FineGrainedPAT:
			user := strings.ToLower(c.User)
			if b.userRef(p+".user", user) {
				cred.User = user
			}
			for j, scope := range c.Scopes {
				f := fmt.Sprintf("%s.scopes[%d]", p, j)
				switch {
				case !slices.Contains(classicScopes, scope):
					msg := fmt.Sprintf("unknown scope %q", scope)
					if near := nearest(scope, classicScopes); len(near) > 0 {
						msg += fmt.Sprintf(" (did you mean %q?)", near[0])
					}
					b.errorf(f, "%s", msg)
				case slices.Contains(cred.Scopes, scope):
					b.errorf(f, "duplicate scope %q", scope)
				default:
					cred.Scopes = append(cred.Scopes, scope)
				}
			}
		}
		b.s.World.Credentials = append(b.s.World.Credentials, cred)
	}
}

func (c fileCredential) has(field string) bool {
	switch field {
	case "repository":
		return c.Repository != ""
	case "packages":
		return c.Packages != ""
	case "event":
		return c.Event != ""
	case "fork":
		return c.Fork
	case "dependabot":
		return c.Dependabot
	case "user":
		return c.User != ""
	case "scopes":
		return c.Scopes != nil
	case "app":
		return c.App != ""
	}
	return false
}

func (b *builder) settings(s fileSettings) {
	switch s.AnonymousPrivateTokenStatus {
	case 0:
	case 401, 403:
		b.s.Settings.AnonymousPrivateTokenStatus = s.AnonymousPrivateTokenStatus
	default:
		b.errorf("settings.anonymous_private_token_status", "must be 401 or 403, not %d", s.AnonymousPrivateTokenStatus)
	}
}

// successStatus is the status a successful action answers.
var successStatus = map[string]int{ActionPush: http.StatusCreated, ActionPull: http.StatusOK, ActionLogin: http.StatusOK}

func (b *builder) expects(expects []fileExpect) {
	names := map[string]int{}
	// tags a successful pull can find: preloaded, or pushed by an earlier
	// expected success.
	tags := map[string][]string{}
	for name, t := range b.s.Tags {
		tags[name] = slices.Clone(t)
	}
	for i, e := range expects {
		p := fmt.Sprintf("expect[%d]", i)
		x := Expect{Name: e.Name, Credential: e.Credential, Action: e.Action, Package: e.Package, Tag: e.Tag,
			Status: e.Status, Code: e.Code, Message: e.Message, Reason: authz.Reason(e.Reason)}
		if x.Credential != "" {
			if _, ok := b.s.Credential(x.Credential); !ok {
				b.errorf(p+".credential", "unknown credential %q", x.Credential)
			}
		}
		success, actionOK := successStatus[x.Action]
		switch {
		case x.Action == "":
			b.errorf(p+".action", "required (want push, pull or login)")
		case !actionOK:
			b.errorf(p+".action", "unknown action %q (want push, pull or login)", x.Action)
		case x.Action == ActionLogin:
			if x.Credential == "" {
				b.errorf(p+".credential", "a login needs a credential")
			}
			if x.Package != "" {
				b.errorf(p+".package", "a login names no package (docker login asks /token without a scope)")
			}
			if x.Tag != "" {
				b.errorf(p+".tag", "a login names no tag")
			}
		default:
			b.packageName(p+".package", x.Package)
			if x.Tag == "" {
				x.Tag = DefaultTag
			} else if !tagRE.MatchString(x.Tag) {
				b.errorf(p+".tag", "invalid tag %q", x.Tag)
			}
		}
		switch {
		case x.Status == 0:
			b.errorf(p+".status", "required (201 for a successful push, 200 for a pull or login, or GHCR's error status)")
		case actionOK && x.Status < 400 && x.Status != success:
			b.errorf(p+".status", "a successful %s answers %d, not %d", x.Action, success, x.Status)
		case x.Status >= 400 && (x.Status > 599 || http.StatusText(x.Status) == ""):
			b.errorf(p+".status", "%d is not an HTTP error status", x.Status)
		}
		failure := x.Status >= 400
		if !failure && x.Code != "" {
			b.errorf(p+".code", "omit on success")
		}
		if !failure && x.Message != "" {
			b.errorf(p+".message", "omit on success")
		}
		if x.Code != "" && !codeRE.MatchString(x.Code) {
			b.errorf(p+".code", "invalid error code %q (upper case, e.g. DENIED or UNAUTHORIZED)", x.Code)
		}
		if x.Reason != "" {
			deny := slices.Contains(authz.DenyReasons(), x.Reason)
			switch {
			case !deny && !slices.Contains(allowReasons, x.Reason):
				msg := fmt.Sprintf("unknown reason %q", x.Reason)
				if near := nearest(string(x.Reason), knownReasons()); len(near) > 0 {
					msg += fmt.Sprintf(" (did you mean %q?)", near[0])
				}
				b.errorf(p+".reason", "%s", msg)
			case deny && x.Status != 0 && !failure:
				b.errorf(p+".reason", "%s is a reason for denying, but status %d is a success", x.Reason, x.Status)
			case !deny && failure:
				b.errorf(p+".reason", "%s is a reason for allowing, but status %d is a failure", x.Reason, x.Status)
			}
		}
		if x.Action == ActionPull && x.Status == success && x.Package != "" && !slices.Contains(tags[x.Package], x.Tag) {
			b.errorf(p+".tag", "a pull of %s:%s cannot succeed: the package has no such tag (add it to the package's tags, or push it in an earlier expect)", x.Package, x.Tag)
		}
		if x.Action == ActionPush && x.Status == success && x.Package != "" && !slices.Contains(tags[x.Package], x.Tag) {
			tags[x.Package] = append(tags[x.Package], x.Tag)
		}
		if x.Name == "" {
			x.Name = defaultExpectName(x)
		}
		if j, dup := names[x.Name]; dup {
			b.errorf(p+".name", "duplicate expect name %q (also expect[%d])", x.Name, j)
		} else {
			names[x.Name] = i
		}
		b.s.Expect = append(b.s.Expect, x)
	}
}

func defaultExpectName(x Expect) string {
	who := "anonymous"
	if x.Credential != "" {
		who = x.Credential
	}
	if x.Action == ActionLogin {
		return fmt.Sprintf("login as %s", who)
	}
	return fmt.Sprintf("%s %s:%s as %s", x.Action, x.Package, x.Tag, who)
}

// knownReasons lists every authz.Reason a scenario may expect.
func knownReasons() []string {
	var names []string
	for _, r := range slices.Concat(allowReasons, authz.DenyReasons()) {
		names = append(names, string(r))
	}
	return names
}
