package restapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// Reasons the REST API gives that authz has no rule for, declared in
// authz: they concern the API's own token handling, not a package's
// permissions. Denials authz decides keep authz's reason.
const (
	ReasonRequiresAuth   = authz.RESTRequiresAuth
	ReasonBadCredentials = authz.RESTBadCredentials
	ReasonScopes         = authz.RESTScopes
	ReasonFineGrained    = authz.RESTFineGrained
	ReasonIntegration    = authz.RESTIntegration
	ReasonListWorkflow   = authz.RESTListWorkflow
	ReasonLastTagged     = authz.RESTLastTagged
	ReasonPopular        = authz.RESTPopular
	ReasonAllowed        = authz.RESTAllowed
)

// verdict is the REST API's decision about one request: authz's decision
// (or the API's own) and, for a denial, GitHub's answer.
type verdict struct {
	authz.Decision
	err *apiError
}

func refuse(reason authz.Reason, err *apiError, explanation, fix string) verdict {
	return verdict{Decision: authz.Decision{Reason: reason, Explanation: sentence(explanation), Fix: fix}, err: err}
}

// sentence capitalizes s and ends it with a period, as authz's
// explanations read.
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// describeToken names the principal's token for explanations, never its secret.
func describeToken(p authz.Principal) string {
	c := p.Credential
	switch {
	case c == nil:
		return "an anonymous request"
	case c.Kind == authz.ClassicPAT:
		return fmt.Sprintf("classic PAT %q of user %s", c.Name, c.User)
	case c.Kind == authz.OAuth:
		return fmt.Sprintf("OAuth token %q of user %s", c.Name, c.User)
	case c.Kind == authz.FineGrainedPAT:
		return fmt.Sprintf("fine-grained PAT %q of user %s", c.Name, c.User)
	case c.Kind == authz.GitHubToken:
		return fmt.Sprintf("GITHUB_TOKEN %q of a workflow in %s", c.Name, c.Repository)
	case c.Kind == authz.AppInstallation:
		return fmt.Sprintf("GitHub App installation token %q", c.Name)
	}
	return fmt.Sprintf("credential %q", c.Name)
}

// decideToken applies the rules every packages endpoint shares, before any
// package is looked at: a token is needed, fine-grained PATs are refused
// (GitHub Packages does not support them: github/roadmap#558, and the
// packages docs list classic scopes only), GitHub App installation tokens
// and a workflow's GITHUB_TOKEN cannot use /user/ (there is no user), and a
// classic PAT or OAuth token needs the operation's scopes. ok is true when
// the request may go on to the package's own permissions.
func decideToken(w authz.World, p authz.Principal, ep endpoint, deleted bool) (verdict, bool) {
	c := p.Credential
	if c == nil {
		return refuse(ReasonRequiresAuth, &apiError{Status: http.StatusUnauthorized, Message: msgRequiresAuth},
			"the packages REST API needs a token (INFERRED: GitHub documents every packages endpoint as needing read:packages)",
			"Send a classic PAT with the read:packages scope: gh auth refresh --scopes read:packages, or Authorization: Bearer TOKEN"), false
	}
	switch c.Kind {
	case authz.FineGrainedPAT:
		return refuse(ReasonFineGrained, &apiError{Status: http.StatusForbidden, Message: msgNotAccessiblePAT},
			describeToken(p)+" cannot use the packages API: GitHub Packages supports only personal access tokens (classic) (https://docs.github.com/packages/learn-github-packages/about-permissions-for-github-packages)",
			"Create a classic PAT with the "+scopesFor(ep, deleted)+" scope"), false
	case authz.AppInstallation, authz.GitHubToken:
		if ep.scope == scopeAuthUser {
			return refuse(ReasonIntegration, &apiError{Status: http.StatusForbidden, Message: msgNotAccessibleIntegration},
				describeToken(p)+" acts for no user, so /user/packages names nobody (INFERRED)",
				"Use /orgs/OWNER/packages/… or /users/OWNER/packages/…"), false
		}
		if ep.op == opListPackages {
			return refuse(ReasonListWorkflow, &apiError{Status: http.StatusBadRequest, Message: msgInvalidArgument},
				describeToken(p)+" cannot list an owner's container packages: GitHub answers 400 \"Invalid argument.\" to installation tokens here, a known limitation (https://github.com/cli/cli/issues/9606)",
				"List packages with a classic PAT that has read:packages, or name the package: GET …/packages/container/NAME/versions works with GITHUB_TOKEN"), false
		}
		return verdict{}, true
	case authz.ClassicPAT, authz.OAuth:
	default:
		return refuse(ReasonBadCredentials, &apiError{Status: http.StatusUnauthorized, Message: msgBadCredentials, DocURL: docsRoot},
			fmt.Sprintf("credential %q has a kind GitHub does not know", c.Name), "Use a classic PAT"), false
	}
	owner := ep.owner
	if o, ok := w.Owner(owner); ok && c.Kind == authz.ClassicPAT && o.Type == authz.Organization && o.ForbidClassicPAT {
		return refuse(authz.DenyClassicPATForbidden,
			&apiError{Status: http.StatusForbidden, Message: fmt.Sprintf("`%s` forbids access via a personal access token (classic). Please use a GitHub App, OAuth App, or a personal access token with fine-grained permissions.", o.Login)},
			fmt.Sprintf("organization %s forbids access via personal access tokens (classic), so %s is refused (INFERRED text, GitHub's wording for this policy elsewhere)", o.Login, describeToken(p)),
			fmt.Sprintf("Organization %s settings -> Personal access tokens -> Settings -> allow access via personal access tokens (classic)", o.Login)), false
	}
	read := c.HasScope("read:packages") || c.HasScope("write:packages")
	needDelete := deleted || ep.op == opDeletePackage || ep.op == opRestorePackage || ep.op == opDeleteVersion || ep.op == opRestoreVersion
	if !read || needDelete && !c.HasScope("delete:packages") {
		return refuse(ReasonScopes, &apiError{Status: http.StatusForbidden, Message: scopeMessage(ep, deleted)},
			fmt.Sprintf("%s lacks the %s scopes GitHub's packages API asks for here", describeToken(p), scopesFor(ep, deleted)),
			fmt.Sprintf("Add the scope: gh auth refresh --scopes %s, or a classic PAT from https://github.com/settings/tokens/new?scopes=%s",
				strings.ReplaceAll(scopesFor(ep, deleted), " and ", ","), strings.ReplaceAll(scopesFor(ep, deleted), " and ", ","))), false
	}
	return verdict{}, true
}

func scopesFor(ep endpoint, deleted bool) string {
	switch ep.op {
	case opDeletePackage, opRestorePackage, opDeleteVersion, opRestoreVersion:
		return "read:packages and delete:packages"
	}
	if deleted {
		return "read:packages and delete:packages"
	}
	return "read:packages"
}

func scopeMessage(ep endpoint, deleted bool) string {
	switch ep.op {
	case opListPackages:
		return msgScopeList
	case opGetPackage:
		return msgScopeGetPackage
	case opListVersions:
		if deleted {
			return msgScopeDeletedList
		}
		return msgScopeListVersions
	case opGetVersion:
		return msgScopeGetVersion
	case opDeleteVersion:
		return msgScopeDeleteVersion
	case opRestoreVersion:
		return msgScopeRestoreVersion
	case opDeletePackage:
		return msgScopeDeletePackage
	}
	return msgScopeRestorePackage
}

// decidePackage decides a request about package pkg (full name, owner/…)
// once decideToken let it through: reads need authz's read, deletes and
// restores (and listing deleted versions) authz's delete, which is the
// Admin role for a user (https://docs.github.com/packages/learn-github-packages/deleting-and-restoring-a-package)
// or Admin in Manage Actions access for a workflow's GITHUB_TOKEN. Every
// refusal is 404 "Package not found.": GitHub does not reveal a package to
// whoever may not act on it (vlaurin/action-ghcr-prune#4: a token with the
// scopes but without admin on the package got "Package not found.").
func decidePackage(w authz.World, p authz.Principal, pkg string, action authz.Action) verdict {
	if p.Credential != nil && p.Credential.Kind == authz.AppInstallation {
		// A GitHub App token gets 404 where a PAT gets the package
		// (actions/create-github-app-token#314).
		return refuse(ReasonIntegration, &apiError{Status: http.StatusNotFound, Message: msgPackageNotFound},
			describeToken(p)+" cannot see packages through the packages API (https://github.com/actions/create-github-app-token/issues/314)",
			"Use a classic PAT with the packages scopes, or the workflow's GITHUB_TOKEN")
	}
	d := authz.Decide(w, p, authz.Access{Package: pkg, Action: action})
	if d.Allow {
		return verdict{Decision: d}
	}
	v := verdict{Decision: d, err: &apiError{Status: http.StatusNotFound, Message: msgPackageNotFound}}
	v.Explanation = strings.TrimSuffix(d.Explanation, ".") + "; the packages API answers 404 \"Package not found.\" rather than reveal the package."
	return v
}
