package registry

import (
	"net/http"

	"github.com/fakeghcr/fakeghcr/answers"
	"github.com/fakeghcr/fakeghcr/authz"
)

// GHCR's messages that registry also writes for refusals made before any
// decision.
const (
	msgAuthRequired    = answers.MsgAuthRequired
	msgUnauthenticated = answers.MsgUnauthenticated
	msgResourceDenied  = answers.MsgResourceDenied
	msgScopes          = answers.MsgScopes
)

// ghcrAnswer returns GHCR's answer for a denial of pkg, from the answers
// package's table (the one list of them), and whether the reason is known.
// Unknown reasons must not happen; they get a generic 403 so nothing is
// ever allowed by accident. GHCR challenges on its 401s.
func ghcrAnswer(reason authz.Reason, pkg string) (*regError, bool) {
	a, ok := answers.For(reason, pkg)
	return &regError{Status: a.Status, Code: a.Code, Message: a.Message, Challenge: a.Status == http.StatusUnauthorized}, ok
}
