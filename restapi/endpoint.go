package restapi

import (
	"net/url"
	"strconv"
	"strings"
)

// scope is whose packages a path names.
type scope int

const (
	scopeOrg      scope = iota // /orgs/{org}/…
	scopeUser                  // /users/{user}/…
	scopeAuthUser              // /user/…
)

// op is one of the REST operations on container packages.
type op int

const (
	opListPackages op = iota
	opGetPackage
	opDeletePackage
	opRestorePackage
	opListVersions
	opGetVersion
	opDeleteVersion
	opRestoreVersion
)

// endpoint is one parsed REST request.
type endpoint struct {
	scope scope
	op    op
	// owner is the login in the path (empty for /user/).
	owner string
	// packageType and name are the path's {package_type} and decoded
	// {package_name} (GitHub requires a name with slashes to be sent
	// URL-encoded: acme%2Fweb → acme/web).
	packageType string
	name        string
	// versionID is {package_version_id}; versionRaw is the path segment.
	versionID  int64
	versionRaw string
}

// docAnchors are the anchors of https://docs.github.com/rest/packages/packages,
// one per endpoint, as GitHub's error bodies cite them.
var docAnchors = map[scope][8]string{
	scopeOrg: {
		"list-packages-for-an-organization", "get-a-package-for-an-organization",
		"delete-a-package-for-an-organization", "restore-a-package-for-an-organization",
		"list-package-versions-for-a-package-owned-by-an-organization", "get-a-package-version-for-an-organization",
		"delete-package-version-for-an-organization", "restore-package-version-for-an-organization",
	},
	scopeUser: {
		"list-packages-for-a-user", "get-a-package-for-a-user",
		"delete-a-package-for-a-user", "restore-a-package-for-a-user",
		"list-package-versions-for-a-package-owned-by-a-user", "get-a-package-version-for-a-user",
		"delete-package-version-for-a-user", "restore-package-version-for-a-user",
	},
	scopeAuthUser: {
		"list-packages-for-the-authenticated-users-namespace", "get-a-package-for-the-authenticated-user",
		"delete-a-package-for-the-authenticated-user", "restore-a-package-for-the-authenticated-user",
		"list-package-versions-for-a-package-owned-by-the-authenticated-user", "get-a-package-version-for-the-authenticated-user",
		"delete-a-package-version-for-the-authenticated-user", "restore-a-package-version-for-the-authenticated-user",
	},
}

func (e endpoint) docURL() string {
	return "https://docs.github.com/rest/packages/packages#" + docAnchors[e.scope][e.op]
}

// parsePath parses the escaped path below the API root (no leading slash
// prefix such as /api/v3) and the method into an endpoint. ok is false for
// any path or method GitHub has no route for.
func parsePath(method, escaped string) (endpoint, bool) {
	segs := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	var e endpoint
	switch {
	case len(segs) >= 3 && segs[0] == "orgs" && segs[2] == "packages":
		e.scope, e.owner, segs = scopeOrg, segs[1], segs[3:]
	case len(segs) >= 3 && segs[0] == "users" && segs[2] == "packages":
		e.scope, e.owner, segs = scopeUser, segs[1], segs[3:]
	case len(segs) >= 2 && segs[0] == "user" && segs[1] == "packages":
		e.scope, segs = scopeAuthUser, segs[2:]
	default:
		return e, false
	}
	if e.scope != scopeAuthUser {
		owner, err := url.PathUnescape(e.owner)
		if err != nil || owner == "" {
			return e, false
		}
		e.owner = owner
	}
	if len(segs) == 0 {
		e.op = opListPackages
		return e, method == "GET"
	}
	if len(segs) < 2 || segs[0] == "" || segs[1] == "" {
		return e, false
	}
	e.packageType = segs[0]
	name, err := url.PathUnescape(segs[1])
	if err != nil {
		return e, false
	}
	e.name, segs = name, segs[2:]
	switch {
	case len(segs) == 0:
		switch method {
		case "GET":
			e.op = opGetPackage
		case "DELETE":
			e.op = opDeletePackage
		default:
			return e, false
		}
	case len(segs) == 1 && segs[0] == "restore":
		e.op = opRestorePackage
		return e, method == "POST"
	case len(segs) == 1 && segs[0] == "versions":
		e.op = opListVersions
		return e, method == "GET"
	case len(segs) >= 2 && segs[0] == "versions":
		e.versionRaw = segs[1]
		e.versionID, _ = strconv.ParseInt(segs[1], 10, 64) // a bad id finds no version
		switch {
		case len(segs) == 2 && method == "GET":
			e.op = opGetVersion
		case len(segs) == 2 && method == "DELETE":
			e.op = opDeleteVersion
		case len(segs) == 3 && segs[2] == "restore" && method == "POST":
			e.op = opRestoreVersion
		default:
			return e, false
		}
	default:
		return e, false
	}
	return e, true
}
