// Package answers holds, without any HTTP, what GitHub Container Registry
// answers each refusal fakeghcr models: status, error code and message per
// authz.Reason. It is the one source of GHCR's answers: the registry package
// writes its answers from For (its golden file,
// registry/testdata/ghcr_answers.golden, records the bytes), check predicts
// them and diagnose reads them back. What each client prints for an answer
// lives in package clientlines.
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

// GHCR's messages shared by several reasons (and by registry's answers to
// refusals made before any decision).
const (
	MsgAuthRequired    = "authentication required"
	MsgUnauthenticated = "unauthenticated: User cannot be authenticated with the token provided."
	MsgResourceDenied  = "requested access to the resource is denied"
	MsgScopes          = "permission_denied: The token provided does not match expected scopes."
)

// table maps each denial reason to GHCR's status, code and message, byte
// for byte; %OWNER% in a message is replaced by the package's owner. The
// notes name the transcript each answer comes from; INFERRED marks texts no
// transcript shows.
var table = map[authz.Reason]Answer{
	authz.DenyBadCredential:       {403, "DENIED", "denied"},                                                                                                                                                                         // [T10]
	authz.DenyAnonymousPrivate:    {401, "UNAUTHORIZED", MsgAuthRequired},                                                                                                                                                            // [T8], §10 Q2
	authz.DenyAnonymousMissing:    {403, "DENIED", MsgResourceDenied},                                                                                                                                                                // [T9]
	authz.DenyAnonymousPushScope:  {403, "DENIED", MsgResourceDenied},                                                                                                                                                                // §10 Q2 (message INFERRED)
	authz.DenyAnonymousRead:       {401, "UNAUTHORIZED", MsgUnauthenticated},                                                                                                                                                         // §7, [T6]
	authz.DenyAnonymousWrite:      {401, "UNAUTHORIZED", MsgUnauthenticated},                                                                                                                                                         // [T16]
	authz.DenyScopes:              {403, "DENIED", MsgScopes},                                                                                                                                                                        // [T15]
	authz.DenyFineGrainedPAT:      {403, "DENIED", MsgScopes},                                                                                                                                                                        // [T15][T19]
	authz.DenyClassicPATForbidden: {403, "DENIED", "permission_denied: %OWNER% forbids access via a personal access token (classic). Please use a GitHub App, OAuth App, or a personal access token with fine-grained permissions."}, // [T15]
	authz.DenyReadPackage:         {403, "DENIED", "permission_denied: read_package"},                                                                                                                                                // [T11]
	authz.DenyWritePackage:        {403, "DENIED", "permission_denied: write_package"},                                                                                                                                               // [D1][T14]
	authz.DenyDeletePackage:       {403, "DENIED", "permission_denied: delete_package"},                                                                                                                                              // INFERRED
	authz.DenyCreatePackage:       {403, "DENIED", "permission_denied: create_package"},                                                                                                                                              // §10 Q8
	authz.DenyCreationPolicy:      {403, "DENIED", "permission_denied: create_package"},                                                                                                                                              // INFERRED: GHCR's text is unknown [D2]
	authz.DenyNameUnknown:         {404, "NAME_UNKNOWN", "repository name not known to registry"},                                                                                                                                    // §10 Q1 (weak)
	authz.DenyInstallationMissing: {403, "DENIED", "permission_denied: The requested installation does not exist."},                                                                                                                  // [T17]
	authz.DenyWorkflowReadOnly:    {403, "DENIED", "installation not allowed to Write organization package"},                                                                                                                         // [T20][T12]
	authz.DenyWorkflowCreate:      {403, "DENIED", "installation not allowed to Create organization package"},                                                                                                                        // [T21][T13]
	authz.DenyWorkflowNoRead:      {403, "DENIED", "installation not allowed to Read organization package"},                                                                                                                          // [T12]
	authz.DenyActionsAccess:       {403, "DENIED", "permission_denied: write_package"},                                                                                                                                               // §6 4c, [D1][T14]
	authz.DenyAppCreate:           {403, "DENIED", "permission_denied: installation not allowed to Create organization package"},                                                                                                     // [T18]
	authz.DenyAppWrite:            {403, "DENIED", "permission_denied: installation not allowed to Write organization package"},                                                                                                      // [T18]
	authz.DenyAppRead:             {403, "DENIED", MsgResourceDenied},                                                                                                                                                                // [T18] prints bare "denied"; INFERRED body
}

// For returns GHCR's answer to a denial with reason r of package pkg, and
// whether the reason is known. An unknown reason gets a generic 403, so a
// prediction never turns into an allow by accident.
func For(r authz.Reason, pkg string) (Answer, bool) {
	a, ok := table[r]
	if !ok {
		return Answer{403, "DENIED", MsgResourceDenied}, false
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
