package authz

import (
	"fmt"
	"strings"
)

// DecideToken is the token service's (GET /token) decision for one
// requested scope: a.Action is ActionRead for pull and ActionWrite for push
// (ActionDelete is treated as push). Credentialed principals always get a
// token, because GHCR authorizes on /v2/; the caller answers an
// unknown secret with DenyBadCredential itself.
func DecideToken(w World, p Principal, a Access) Decision {
	a.Package = strings.ToLower(a.Package)
	if c := p.Credential; c != nil {
		if c.Revoked {
			// Rule token-bad-credential: stale credentials fail
			// at /token even for public packages.
			return deny(DenyBadCredential,
				fmt.Sprintf("%s is revoked or expired; the token service refuses it for every scope, even of public packages", describe(c)),
				"docker logout ghcr.io, then docker login ghcr.io with a current classic PAT (or remove the stale ghcr.io entry from ~/.docker/config.json)")
		}
		// Rule token-credential: any valid credential
		// gets a token, whatever the scope.
		return allow(AllowCredentialToken,
			fmt.Sprintf("%s is valid; the token service issues a token for any scope and %s is authorized on /v2/", describe(c), a.Package))
	}

	pkg, exists := w.Package(a.Package)
	switch {
	case !exists:
		// Rule token-anonymous-missing. Partly INFERRED: one
		// fixture says GHCR does not distinguish missing from private.
		return deny(DenyAnonymousMissing,
			fmt.Sprintf("package %s does not exist, and anonymous tokens are only issued for public packages", a.Package),
			"Check the package name (ghcr.io/OWNER/NAME, lower case); to push, docker login ghcr.io first")
	case pkg.Visibility != Public:
		// Rule token-anonymous-private.
		return deny(DenyAnonymousPrivate,
			fmt.Sprintf("package %s is %s, and anonymous tokens are only issued for public packages", a.Package, visibilityOf(pkg)),
			"docker login ghcr.io with a classic PAT that has the read:packages scope, or "+settings(w, a.Package)+" -> Danger Zone -> Change visibility -> Public")
	case a.Action != ActionRead:
		// Rule token-anonymous-push-scope:
		// only a single :pull scope is accepted anonymously.
		return deny(DenyAnonymousPushScope,
			fmt.Sprintf("package %s is public, but anonymous tokens are issued for pull only, not push", a.Package),
			"docker login ghcr.io with a classic PAT that has the write:packages scope (or, in Actions, with GITHUB_TOKEN and \"permissions: packages: write\")")
	}
	// Rule token-anonymous-public.
	return allow(AllowAnonymousToken,
		fmt.Sprintf("package %s is public; anyone gets a pull token for it", a.Package))
}
