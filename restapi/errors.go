package restapi

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// apiError is one GitHub REST error answer. GitHub's body is compact JSON
// with the message, the documentation URL of the endpoint and the status as
// a string, e.g. (cli/cli#9606, 2024-10):
//
//	{"message":"Invalid argument.","documentation_url":"https://docs.github.com/rest/packages/packages#list-packages-for-an-organization","status":"400"}
type apiError struct {
	Status  int
	Message string
	// DocURL is documentation_url; empty means the endpoint's own page.
	DocURL string
}

func (e *apiError) Error() string { return strconv.Itoa(e.Status) + " " + e.Message }

// docsRoot is GitHub's documentation_url for answers not tied to an
// endpoint: "Bad credentials" and unknown routes.
const docsRoot = "https://docs.github.com/rest"

// GitHub's texts. Each cites a public transcript; INFERRED marks the texts
// no transcript shows (same family of wording, same status).
const (
	// cli/cli#9606 and issues citing it; gh prints "gh: Package not found. (HTTP 404)".
	msgPackageNotFound = "Package not found."
	// INFERRED: the version-level twin of "Package not found.".
	msgVersionNotFound = "Package version not found."
	// cli/cli#9606 (GITHUB_TOKEN listing an organization's container packages), octokit/octokit.js#2606.
	msgInvalidArgument = "Invalid argument."
	// GitHub's generic answers for an unknown route and for an unknown or revoked token.
	msgNotFound       = "Not Found"
	msgBadCredentials = "Bad credentials"
	// INFERRED: GitHub's answer to an endpoint that needs a token, asked without one.
	msgRequiresAuth = "Requires authentication"
	// Scope refusals, reported verbatim in many public transcripts (e.g. the
	// packages docs' users quoting `gh api`), 403 each.
	msgScopeList         = "You need at least read:packages scope to list packages."
	msgScopeGetPackage   = "You need at least read:packages scope to get a package."
	msgScopeListVersions = "You need at least read:packages scope to get a package's versions."
	// INFERRED: same wording for one version.
	msgScopeGetVersion    = "You need at least read:packages scope to get a package version."
	msgScopeDeleteVersion = "You need at least delete:packages and read:packages scopes to delete a package version."
	// INFERRED: same wording for the other delete-level operations.
	msgScopeDeletePackage  = "You need at least delete:packages and read:packages scopes to delete a package."
	msgScopeRestoreVersion = "You need at least delete:packages and read:packages scopes to restore a package version."
	msgScopeRestorePackage = "You need at least delete:packages and read:packages scopes to restore a package."
	msgScopeDeletedList    = "You need at least delete:packages and read:packages scopes to get a package's deleted versions."
	// Deleting the only tagged version of a container package, 400
	// (reported verbatim by gh and octokit users, e.g. mkoepf/ghcrctl).
	msgLastTagged = "You cannot delete the last tagged version of a package. You must delete the package instead."
	// GitHub's documented 5,000-downloads rule, 400 (snok/container-retention-policy matches this text and status).
	msgPopular = "Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance."
	// INFERRED texts for fine-grained PATs and GitHub App tokens, GitHub's
	// generic refusals for those token kinds on other endpoints.
	msgNotAccessiblePAT         = "Resource not accessible by personal access token"
	msgNotAccessibleIntegration = "Resource not accessible by integration"
	// INFERRED: bad query parameters.
	msgBadPackageType = "The package_type parameter is invalid."
	msgBadVisibility  = "The visibility parameter is invalid."
	msgBadState       = "The state parameter is invalid."
	msgBadPagination  = "Pagination parameters are out of range."
	// INFERRED: restoring a package whose name a new package has taken since
	// (GitHub's docs: "The same package namespace is still available and not
	// reused for a new package").
	msgNamespaceTaken = "A package with this name already exists. Delete it before restoring the deleted package."
)

// errorBody is GitHub's error JSON, field order as GitHub sends it.
type errorBody struct {
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url"`
	Status           string `json:"status"`
}

// body renders e for endpoint ep.
func (e *apiError) body(ep endpoint) []byte {
	doc := e.DocURL
	if doc == "" {
		doc = ep.docURL()
	}
	out, _ := json.Marshal(errorBody{Message: e.Message, DocumentationURL: doc, Status: strconv.Itoa(e.Status)}) // strings only: cannot fail
	return out
}

// writeError sends e as GitHub does.
func writeError(w http.ResponseWriter, ep endpoint, e *apiError) {
	body := e.body(ep)
	h := w.Header()
	setGitHubHeaders(h)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// setGitHubHeaders sets the headers every GitHub REST JSON answer carries.
func setGitHubHeaders(h http.Header) {
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
}
