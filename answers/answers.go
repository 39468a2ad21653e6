// Package answers holds, without any HTTP, what GitHub Container Registry
// answers each refusal fakeghcr models (status, error code and message per
// authz.Reason) and what each registry client prints for such an answer at
// each stage of a push or pull.
//
// fakeghcr check renders these lines to predict a step's output, and
// fakeghcr diagnose compiles the same templates into patterns to recognize
// them in a log: one list serves both. The status/code/message table mirrors
// the registry package's (which writes the bytes); a test compares the two.
// Where it knowingly differs: a client version's exact wording is only as
// good as the line recorded for it, and unknown versions may word a failure
// differently.
package answers

import (
	"strconv"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// Answer is GHCR's response to a refused request.
type Answer struct {
	Status  int
	Code    string
	Message string
}

// GHCR's messages shared by several reasons.
const (
	msgAuthRequired    = "authentication required"
	msgUnauthenticated = "unauthenticated: User cannot be authenticated with the token provided."
	msgResourceDenied  = "requested access to the resource is denied"
	msgScopes          = "permission_denied: The token provided does not match expected scopes."
)

var table = map[authz.Reason]Answer{
	authz.DenyBadCredential:       {403, "DENIED", "denied"},
	authz.DenyAnonymousPrivate:    {401, "UNAUTHORIZED", msgAuthRequired},
	authz.DenyAnonymousMissing:    {403, "DENIED", msgResourceDenied},
	authz.DenyAnonymousPushScope:  {403, "DENIED", msgResourceDenied},
	authz.DenyAnonymousRead:       {401, "UNAUTHORIZED", msgUnauthenticated},
	authz.DenyAnonymousWrite:      {401, "UNAUTHORIZED", msgUnauthenticated},
	authz.DenyScopes:              {403, "DENIED", msgScopes},
	authz.DenyFineGrainedPAT:      {403, "DENIED", msgScopes},
	authz.DenyClassicPATForbidden: {403, "DENIED", "permission_denied: %OWNER% forbids access via a personal access token (classic). Please use a GitHub App, OAuth App, or a personal access token with fine-grained permissions."},
	authz.DenyReadPackage:         {403, "DENIED", "permission_denied: read_package"},
	authz.DenyWritePackage:        {403, "DENIED", "permission_denied: write_package"},
	authz.DenyDeletePackage:       {403, "DENIED", "permission_denied: delete_package"},
	authz.DenyCreatePackage:       {403, "DENIED", "permission_denied: create_package"},
	authz.DenyCreationPolicy:      {403, "DENIED", "permission_denied: create_package"},
	authz.DenyNameUnknown:         {404, "NAME_UNKNOWN", "repository name not known to registry"},
	authz.DenyInstallationMissing: {403, "DENIED", "permission_denied: The requested installation does not exist."},
	authz.DenyWorkflowReadOnly:    {403, "DENIED", "installation not allowed to Write organization package"},
	authz.DenyWorkflowCreate:      {403, "DENIED", "installation not allowed to Create organization package"},
	authz.DenyWorkflowNoRead:      {403, "DENIED", "installation not allowed to Read organization package"},
	authz.DenyActionsAccess:       {403, "DENIED", "permission_denied: write_package"},
	authz.DenyAppCreate:           {403, "DENIED", "permission_denied: installation not allowed to Create organization package"},
	authz.DenyAppWrite:            {403, "DENIED", "permission_denied: installation not allowed to Write organization package"},
	authz.DenyAppRead:             {403, "DENIED", msgResourceDenied},
}

// For returns GHCR's answer to a denial with reason r of package pkg, and
// whether the reason is known. An unknown reason gets a generic 403, so a
// prediction never turns into an allow by accident.
func For(r authz.Reason, pkg string) (Answer, bool) {
	a, ok := table[r]
	if !ok {
		return Answer{403, "DENIED", msgResourceDenied}, false
	}
	owner, _, _ := strings.Cut(strings.ToLower(pkg), "/")
	a.Message = strings.ReplaceAll(a.Message, "%OWNER%", owner)
	return a, true
}

// Matches reports whether a denial with reason r can produce message (a
// message with the owner filled in matches its %OWNER% template).
func Matches(r authz.Reason, message string) bool {
	a, ok := table[r]
	if !ok {
		return false
	}
	before, after, templ := strings.Cut(a.Message, "%OWNER%")
	if !templ {
		return a.Message == message
	}
	return len(message) > len(before)+len(after) && strings.HasPrefix(message, before) && strings.HasSuffix(message, after)
}

// Reasons returns the denial reasons whose answer has status (any status
// when zero) and, when message is not empty, that message; in
// authz.DenyReasons order.
func Reasons(status int, message string) []authz.Reason {
	var out []authz.Reason
	for _, r := range authz.DenyReasons() {
		a, ok := table[r]
		if !ok || (status != 0 && a.Status != status) || (message != "" && !Matches(r, message)) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// StatusText is the status line clients print ("403 Forbidden").
func StatusText(status int) string {
	switch status {
	case 400:
		return "400 Bad Request"
	case 401:
		return "401 Unauthorized"
	case 403:
		return "403 Forbidden"
	case 404:
		return "404 Not Found"
	case 405:
		return "405 Method Not Allowed"
	case 429:
		return "429 Too Many Requests"
	case 500:
		return "500 Internal Server Error"
	}
	return strconv.Itoa(status)
}
