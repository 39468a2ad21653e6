package registry

import (
	"net/http"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// The GHCR answers, byte for byte, for every authz denial. Sources are the
// keys of shared/spec/ghcr-behavior.md; INFERRED marks texts no transcript
// shows.
const (
	msgAuthRequired    = "authentication required"
	msgUnauthenticated = "unauthenticated: User cannot be authenticated with the token provided."
	msgResourceDenied  = "requested access to the resource is denied"
	msgScopes          = "permission_denied: The token provided does not match expected scopes."
)

// ghcrAnswers maps each denial reason to GHCR's status, code and message.
// %OWNER% in a message is replaced by the package's owner.
var ghcrAnswers = map[authz.Reason]regError{
	authz.DenyBadCredential:       {Status: http.StatusForbidden, Code: "DENIED", Message: "denied"},                                                                                                                                                                         // [T10]
	authz.DenyAnonymousPrivate:    {Status: http.StatusUnauthorized, Code: "UNAUTHORIZED", Message: msgAuthRequired, Challenge: true},                                                                                                                                        // [T8], §10 Q2
	authz.DenyAnonymousMissing:    {Status: http.StatusForbidden, Code: "DENIED", Message: msgResourceDenied},                                                                                                                                                                // [T9]
	authz.DenyAnonymousPushScope:  {Status: http.StatusForbidden, Code: "DENIED", Message: msgResourceDenied},                                                                                                                                                                // §10 Q2 (message INFERRED)
	authz.DenyAnonymousRead:       {Status: http.StatusUnauthorized, Code: "UNAUTHORIZED", Message: msgUnauthenticated, Challenge: true},                                                                                                                                     // §7, [T6]
	authz.DenyAnonymousWrite:      {Status: http.StatusUnauthorized, Code: "UNAUTHORIZED", Message: msgUnauthenticated, Challenge: true},                                                                                                                                     // [T16]
	authz.DenyScopes:              {Status: http.StatusForbidden, Code: "DENIED", Message: msgScopes},                                                                                                                                                                        // [T15]
	authz.DenyFineGrainedPAT:      {Status: http.StatusForbidden, Code: "DENIED", Message: msgScopes},                                                                                                                                                                        // [T15][T19]
	authz.DenyClassicPATForbidden: {Status: http.StatusForbidden, Code: "DENIED", Message: "permission_denied: %OWNER% forbids access via a personal access token (classic). Please use a GitHub App, OAuth App, or a personal access token with fine-grained permissions."}, // [T15]
	authz.DenyReadPackage:         {Status: http.StatusForbidden, Code: "DENIED", Message: "permission_denied: read_package"},                                                                                                                                                // [T11]
	authz.DenyWritePackage:        {Status: http.StatusForbidden, Code: "DENIED", Message: "permission_denied: write_package"},                                                                                                                                               // [D1][T14]
	authz.DenyDeletePackage:       {Status: http.StatusForbidden, Code: "DENIED", Message: "permission_denied: delete_package"},                                                                                                                                              // INFERRED
	authz.DenyCreatePackage:       {Status: http.StatusForbidden, Code: "DENIED", Message: "permission_denied: create_package"},                                                                                                                                              // §10 Q8
	authz.DenyCreationPolicy:      {Status: http.StatusForbidden, Code: "DENIED", Message: "permission_denied: create_package"},                                                                                                                                              // INFERRED: GHCR's text is unknown [D2]
	authz.DenyNameUnknown:         {Status: http.StatusNotFound, Code: "NAME_UNKNOWN", Message: "repository name not known to registry"},                                                                                                                                     // §10 Q1 (weak)
	authz.DenyInstallationMissing: {Status: http.StatusForbidden, Code: "DENIED", Message: "permission_denied: The requested installation does not exist."},                                                                                                                  // [T17]
	authz.DenyWorkflowReadOnly:    {Status: http.StatusForbidden, Code: "DENIED", Message: "installation not allowed to Write organization package"},                                                                                                                         // [T20][T12]
	authz.DenyWorkflowCreate:      {Status: http.StatusForbidden, Code: "DENIED", Message: "installation not allowed to Create organization package"},                                                                                                                        // [T21][T13]
	authz.DenyWorkflowNoRead:      {Status: http.StatusForbidden, Code: "DENIED", Message: "installation not allowed to Read organization package"},                                                                                                                          // [T12]
	authz.DenyActionsAccess:       {Status: http.StatusForbidden, Code: "DENIED", Message: "permission_denied: write_package"},                                                                                                                                               // §6 4c, [D1][T14]
	authz.DenyAppCreate:           {Status: http.StatusForbidden, Code: "DENIED", Message: "permission_denied: installation not allowed to Create organization package"},                                                                                                     // [T18]
	authz.DenyAppWrite:            {Status: http.StatusForbidden, Code: "DENIED", Message: "permission_denied: installation not allowed to Write organization package"},                                                                                                      // [T18]
	authz.DenyAppRead:             {Status: http.StatusForbidden, Code: "DENIED", Message: msgResourceDenied},                                                                                                                                                                // [T18] prints bare "denied"; INFERRED body
}

// ghcrAnswer returns GHCR's answer for a denial of pkg, and whether the
// reason is known. Unknown reasons must not happen; callers treat them as
// a generic 403 so nothing is ever allowed by accident.
func ghcrAnswer(reason authz.Reason, pkg string) (*regError, bool) {
	a, ok := ghcrAnswers[reason]
	if !ok {
		return &regError{Status: http.StatusForbidden, Code: "DENIED", Message: msgResourceDenied}, false
	}
	owner, _, _ := strings.Cut(pkg, "/")
	a.Message = strings.ReplaceAll(a.Message, "%OWNER%", owner)
	return &a, true
}
