package authz

import "strings"

// NewPackage returns the package a first push of name by p creates, after
// Decide allowed it with AllowCreate [§3, Q5]:
//   - visibility private, the observed default even for workflows of
//     public repositories (the docs conflict) [D1, Q5];
//   - a GITHUB_TOKEN push links the package to the workflow's repository
//     (name and current id), inheriting access and listing that repository
//     in Manage Actions access with the Admin role (INFERRED: no source
//     shows that role; the grant records the repository's id, so a
//     repository re-created under the same name does not inherit it);
//     when the owner's "Inherit access from source repository" default is
//     off, the package is linked but neither inherits nor grants any role,
//     so the same workflow's next push is refused;
//   - otherwise an org.opencontainers.image.source label (source) naming
//     an existing repository of the same owner links the package the same
//     way [D1]; a plain CLI push is not linked [D1];
//   - the user behind a classic PAT or OAuth token becomes its admin: the
//     publisher gets admin [D5].
func NewPackage(w World, p Principal, name string, source string) Package {
	name = strings.ToLower(name)
	owner := ownerOf(name)
	pkg := Package{Name: name, Visibility: Private}
	c := p.Credential
	if c != nil && c.Revoked {
		c = nil
	}

	link := func(repo string) {
		pkg.Repository = strings.ToLower(repo)
		if r, ok := w.Repository(repo); ok {
			pkg.RepositoryID = r.ID
		}
		pkg.InheritAccess = w.inheritDefault(owner)
	}
	switch {
	case c != nil && c.Kind == GitHubToken && c.Repository != "" && ownerOf(c.Repository) == owner:
		link(c.Repository)
		// With the organization's inheritance default off, the package is linked but
		// the repository gets no role: the workflow's next push is refused
		// (https://github.com/HybridAIOne/hybridclaw/issues/66,
		// https://github.com/yoda-digital/mcp-gitlab-server/issues/51).
		if pkg.InheritAccess {
			pkg.ActionsAccess = []RepoGrant{{Repository: pkg.Repository, Role: RoleAdmin, RepositoryID: pkg.RepositoryID}}
		}
	default:
		if repo, ok := SourceRepository(source); ok && ownerOf(repo) == owner {
			if _, exists := w.Repository(repo); exists {
				link(repo)
			}
		}
	}
	if c != nil && (c.Kind == ClassicPAT || c.Kind == OAuth) && c.User != "" {
		pkg.Users = map[string]Role{strings.ToLower(c.User): RoleAdmin}
	}
	return pkg
}

// maxSourceLabel is the longest org.opencontainers.image.source GHCR reads
// [D1: 256 characters].
const maxSourceLabel = 256

// SourceRepository parses an org.opencontainers.image.source label of the
// form https://github.com/OWNER/REPO into "owner/repo" (lower case). Scheme
// and host are case-insensitive; a trailing ".git" and a trailing "/" are
// tolerated. Anything else (another host, extra path segments, a query)
// is not a repository URL: INFERRED and conservative, since a link grants
// access.
func SourceRepository(url string) (string, bool) {
	if len(url) > maxSourceLabel {
		return "", false
	}
	const prefix = "https://github.com/"
	s := strings.ToLower(url)
	if !strings.HasPrefix(s, prefix) {
		return "", false
	}
	s = strings.TrimSuffix(s[len(prefix):], "/")
	s = strings.TrimSuffix(s, ".git")
	owner, repo, ok := strings.Cut(s, "/")
	if !ok || !validOwner(owner) || !validRepo(repo) {
		return "", false
	}
	return owner + "/" + repo, true
}

// validOwner: GitHub logins are letters, digits and hyphens (legacy
// accounts may have a trailing or doubled hyphen, so those are accepted).
func validOwner(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// validRepo: repository names are letters, digits, '-', '_' and '.', but
// not "." or "..".
func validRepo(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}
