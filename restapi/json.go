package restapi

import (
	"net/url"
	"strings"
	"time"

	"github.com/fakeghcr/fakeghcr/authz"
)

// The JSON shapes of GitHub's "package" and "package-version" schemas
// (https://docs.github.com/rest/packages/packages, the public OpenAPI
// description github/rest-api-description), fields in the order GitHub
// sends them (community discussion 124413 shows a live version listing).

// packageJSON is GitHub's "package".
type packageJSON struct {
	ID           int64           `json:"id"`
	Name         string          `json:"name"`
	PackageType  string          `json:"package_type"`
	Owner        ownerJSON       `json:"owner"`
	VersionCount int             `json:"version_count"`
	Visibility   string          `json:"visibility"`
	URL          string          `json:"url"`
	CreatedAt    string          `json:"created_at"`
	UpdatedAt    string          `json:"updated_at"`
	Repository   *repositoryJSON `json:"repository,omitempty"`
	HTMLURL      string          `json:"html_url"`
}

// ownerJSON is the part of GitHub's "simple-user" fakeghcr can fill.
type ownerJSON struct {
	Login     string `json:"login"`
	ID        int64  `json:"id"`
	URL       string `json:"url"`
	HTMLURL   string `json:"html_url"`
	Type      string `json:"type"`
	SiteAdmin bool   `json:"site_admin"`
}

// repositoryJSON is the part of GitHub's "minimal-repository" fakeghcr can fill.
type repositoryJSON struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	FullName string    `json:"full_name"`
	Private  bool      `json:"private"`
	Owner    ownerJSON `json:"owner"`
	HTMLURL  string    `json:"html_url"`
	URL      string    `json:"url"`
}

// versionJSON is GitHub's "package-version" for a container.
type versionJSON struct {
	ID             int64        `json:"id"`
	Name           string       `json:"name"`
	URL            string       `json:"url"`
	PackageHTMLURL string       `json:"package_html_url"`
	CreatedAt      string       `json:"created_at"`
	UpdatedAt      string       `json:"updated_at"`
	DeletedAt      string       `json:"deleted_at,omitempty"`
	HTMLURL        string       `json:"html_url"`
	Metadata       metadataJSON `json:"metadata"`
}

type metadataJSON struct {
	PackageType string        `json:"package_type"`
	Container   containerJSON `json:"container"`
}

type containerJSON struct {
	Tags []string `json:"tags"`
}

// githubTime formats t as GitHub does: UTC, whole seconds.
func githubTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// webRoot is github.com: fakeghcr imitates github.com, whose HTML URLs its
// answers carry whatever address serves the API.
const webRoot = "https://github.com"

// links builds the URLs of one package. A name with slashes appears
// URL-encoded in every URL, as in the paths GitHub's API takes.
type links struct {
	api      string // API root, e.g. https://api.github.com or http://127.0.0.1:5000/api/v3
	kind     string // "orgs" or "users"
	owner    string // owner login as GitHub spells it
	name     string // package name without the owner
	ownerTyp authz.OwnerType
}

func (l links) escaped() string { return url.PathEscape(l.name) }

func (l links) packageURL() string {
	return l.api + "/" + l.kind + "/" + l.owner + "/packages/container/" + l.escaped()
}

func (l links) packageHTML() string {
	return webRoot + "/" + l.kind + "/" + l.owner + "/packages/container/package/" + l.escaped()
}

func (l links) versionURL(id int64) string { return l.packageURL() + "/versions/" + itoa(id) }

func (l links) versionHTML(id int64) string {
	return webRoot + "/" + l.kind + "/" + l.owner + "/packages/container/" + l.escaped() + "/" + itoa(id)
}

func (l links) ownerJSON(id int64) ownerJSON {
	typ := "User"
	if l.ownerTyp == authz.Organization {
		typ = "Organization"
	}
	return ownerJSON{Login: l.owner, ID: id, URL: l.api + "/users/" + l.owner, HTMLURL: webRoot + "/" + l.owner, Type: typ}
}

func (l links) version(v versionView) versionJSON {
	out := versionJSON{
		ID: v.ID, Name: v.Digest, URL: l.versionURL(v.ID), PackageHTMLURL: l.packageHTML(),
		CreatedAt: githubTime(v.Created), UpdatedAt: githubTime(v.Updated), HTMLURL: l.versionHTML(v.ID),
		Metadata: metadataJSON{PackageType: "container", Container: containerJSON{Tags: v.Tags}},
	}
	if !v.Deleted.IsZero() {
		out.DeletedAt = githubTime(v.Deleted)
	}
	return out
}

// shortName is a package's name in the API: the path after its owner
// (ghcr.io/acme/web/api is package "web/api" of acme).
func shortName(full string) string {
	_, name, _ := strings.Cut(full, "/")
	return name
}
