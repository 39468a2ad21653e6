package registry

import (
	"net/http"
	"slices"

	"github.com/fakeghcr/fakeghcr/authz"
)

// A HEAD that GHCR refuses in the middle of a push (crane, BuildKit, skopeo and oras check
// whether each blob or the manifest exists before uploading) is a read on the wire, and
// GHCR's answer is a read's: 403 without a body. But the user is pushing, and a read fix
// ("add the repository with role Read") would not let the push through. So fakeghcr explains
// such a refusal with the push's own decision: its reason for refusing the write and its fix.

// mintedForPush reports whether the token was minted with push for repo.
func (c *tokenClaims) mintedForPush(repo string) bool {
	return slices.ContainsFunc(c.Access, func(g grant) bool {
		return g.Type == "repository" && g.Name == repo && slices.Contains(g.Actions, "push")
	})
}

// explainAsPush returns d (a refused read) explained as the push it is a step of, when the
// request is a HEAD with a token minted for push and the push itself would be refused too.
// The wire answer and the reason stay the read's.
func (s *Server) explainAsPush(v *view, r *http.Request, c caller, repo string, d authz.Decision) authz.Decision {
	if d.Allow || r.Method != http.MethodHead || c.claims == nil || !c.claims.mintedForPush(repo) {
		return d
	}
	wd := s.decide(v, c.principal, authz.Access{Package: repo, Action: authz.ActionWrite})
	if wd.Allow {
		return d
	}
	d.Explanation = "This HEAD is a step of a push to " + repo + " (the token was minted for push), refused because the push is not allowed: " + wd.Explanation
	d.Fix = wd.Fix
	return d
}

// explainMountSource explains a refused mount source as the push it is part of: the client
// then uploads the blob itself, so the push goes on.
func explainMountSource(d authz.Decision, from, target string) authz.Decision {
	if d.Allow {
		return d
	}
	d.Explanation = "A cross-repository mount from " + from + " during a push to " + target +
		" was refused, so the client uploads the blob instead (the push goes on): " + d.Explanation
	return d
}
