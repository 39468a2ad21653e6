package authz

import (
	"fmt"
	"strings"
)

// Decide is GHCR's /v2/ (data plane) decision: may principal p do a to a
// package in world w? It follows spec §6 and §7; each rule below names its
// source key, and rules the spec only infers say INFERRED.
//
// A revoked credential is treated as anonymous: an expired or forged bearer
// authenticates nobody on /v2/. An Action other than read,
// write and delete is decided as delete, the most demanding.
func Decide(w World, p Principal, a Access) Decision {
	a.Package = strings.ToLower(a.Package)
	if a.Action != ActionRead && a.Action != ActionWrite {
		a.Action = ActionDelete
	}
	c := p.Credential
	if c == nil {
		return decideAnonymous(w, a, "")
	}
	if c.Revoked {
		return decideAnonymous(w, a, fmt.Sprintf("%s is revoked or expired and authenticates nobody; ", describe(c)))
	}
	switch c.Kind {
	case ClassicPAT, OAuth:
		return decideUser(w, c, a)
	case FineGrainedPAT:
		return decideFineGrained(c, a)
	case GitHubToken:
		return decideWorkflow(w, c, a)
	case AppInstallation:
		return decideApp(w, c, a)
	}
	// INFERRED: a credential of a kind GitHub would not recognise
	// authenticates nobody.
	return decideAnonymous(w, a, fmt.Sprintf("credential %q has unknown kind %q and authenticates nobody; ", c.Name, c.Kind))
}

// decideAnonymous: anonymous pulls of public packages only; everything
// else is 401 "unauthenticated" on /v2/. prefix explains why a
// credentialed request ended up here.
func decideAnonymous(w World, a Access, prefix string) Decision {
	pkg, exists := w.Package(a.Package)
	if a.Action == ActionRead {
		if exists && pkg.Visibility == Public {
			return allow(AllowPublicRead,
				prefix+fmt.Sprintf("anyone may pull public package %s, even without credentials", a.Package))
		}
		state := "does not exist"
		if exists {
			state = "is " + visibilityOf(pkg)
		}
		return deny(DenyAnonymousRead,
			prefix+fmt.Sprintf("anonymous requests may pull only public packages and %s %s", a.Package, state),
			"docker login ghcr.io with a classic PAT that has the read:packages scope (or, in Actions, with GITHUB_TOKEN)")
	}
	return deny(DenyAnonymousWrite,
		prefix+fmt.Sprintf("anonymous requests may not %s package %s", verb(a.Action), a.Package),
		"docker login ghcr.io with a classic PAT that has the write:packages scope (or, in Actions, with GITHUB_TOKEN and \"permissions: packages: write\")")
}

// decideFineGrained: GitHub Packages does not support fine-grained PATs
// (roadmap #558): push fails "does not match expected
// scopes". INFERRED and conservative: reads are denied too, even of public
// packages, consistent with the classic-PAT scope check below.
func decideFineGrained(c *Credential, a Access) Decision {
	return deny(DenyFineGrainedPAT,
		fmt.Sprintf("%s cannot %s package %s: GitHub Packages does not support fine-grained personal access tokens",
			describe(c), verb(a.Action), a.Package),
		"Create a classic PAT (Settings -> Developer settings -> Personal access tokens -> Tokens (classic)) with the "+scopeFor(a.Action)+" scope")
}

// decideApp: installation tokens of GitHub Apps other than Actions log in but
// cannot use GHCR (staff-confirmed,). Public packages stay
// readable, as for anyone.
func decideApp(w World, c *Credential, a Access) Decision {
	pkg, exists := w.Package(a.Package)
	const fix = "Use a classic PAT with the packages scopes, or GITHUB_TOKEN inside a workflow; GitHub Container Registry does not accept GitHub App installation tokens"
	switch {
	case a.Action == ActionRead && exists && pkg.Visibility == Public:
		return allow(AllowPublicRead,
			fmt.Sprintf("anyone may pull public package %s; %s is not needed for it", a.Package, describe(c)))
	case a.Action == ActionRead && !exists:
		// As for every authenticated reader: 404, so a pushing client's
		// blob HEAD falls through to the upload POST, where crane reports
		// "installation not allowed to Create organization package".
		return deny(DenyNameUnknown,
			fmt.Sprintf("package %s does not exist; GHCR answers an authenticated read of a missing package with NAME_UNKNOWN", a.Package),
			"Check the image name, or push the package first")
	case a.Action == ActionRead:
		// INFERRED: "pull of private -> denied"; the exact body is
		// not captured.
		return deny(DenyAppRead,
			fmt.Sprintf("%s cannot pull %s: GitHub App installation tokens may read only public packages", describe(c), a.Package),
			fix)
	case a.Action == ActionWrite && !exists:
		return deny(DenyAppCreate,
			fmt.Sprintf("%s cannot create package %s: GitHub App installation tokens cannot publish to GitHub Container Registry", describe(c), a.Package),
			fix)
	}
	// Write to an existing package, and delete (INFERRED: same answer).
	return deny(DenyAppWrite,
		fmt.Sprintf("%s cannot %s package %s: GitHub App installation tokens cannot publish to GitHub Container Registry", describe(c), verb(a.Action), a.Package),
		fix)
}

func allow(r Reason, explanation string) Decision {
	return Decision{Allow: true, Reason: r, Explanation: sentence(explanation)}
}

func deny(r Reason, explanation, fix string) Decision {
	return Decision{Reason: r, Explanation: sentence(explanation), Fix: fix}
}

func sentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// describe names a credential for humans: by kind and Name, never by Secret.
func describe(c *Credential) string {
	switch c.Kind {
	case ClassicPAT:
		return fmt.Sprintf("classic PAT %q of user %s", c.Name, c.User)
	case OAuth:
		return fmt.Sprintf("OAuth token %q of user %s", c.Name, c.User)
	case FineGrainedPAT:
		return fmt.Sprintf("fine-grained PAT %q of user %s", c.Name, c.User)
	case GitHubToken:
		return fmt.Sprintf("GITHUB_TOKEN %q of a workflow in %s", c.Name, c.Repository)
	case AppInstallation:
		return fmt.Sprintf("GitHub App installation token %q (app %s)", c.Name, c.App)
	}
	return fmt.Sprintf("credential %q", c.Name)
}

func verb(a Action) string {
	switch a {
	case ActionRead:
		return "pull"
	case ActionWrite:
		return "push to"
	case ActionDelete:
		return "delete"
	}
	return string(a)
}

func visibilityOf(p Package) string {
	if p.Visibility == "" {
		return string(Private)
	}
	return string(p.Visibility)
}

func scopeFor(a Action) string {
	switch a {
	case ActionWrite:
		return "write:packages"
	case ActionDelete:
		return "read:packages and delete:packages"
	}
	return "read:packages"
}

// settings names a package's settings page as GitHub's UI links it
// (§5: /users/<u>/... or /orgs/<o>/...). Package names containing '/' are
// URL-encoded as %2F (INFERRED).
func settings(w World, pkg string) string {
	owner, name, _ := strings.Cut(strings.ToLower(pkg), "/")
	kind := "users"
	if w.isOrg(owner) {
		kind = "orgs"
	}
	return fmt.Sprintf("Package settings (https://github.com/%s/%s/packages/container/%s/settings)",
		kind, owner, strings.ReplaceAll(name, "/", "%2F"))
}
