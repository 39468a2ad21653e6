package check

import (
	"strings"

	"github.com/fakeghcr/fakeghcr/answers"
	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/clientlines"
)

// result is the predicted answer to one interaction in one world.
type result struct {
	Outcome     string
	Status      int
	Code        string
	Message     string
	Stage       clientlines.Stage
	Reason      authz.Reason
	Explanation string
	Fix         string
	// prints is what the step's client prints for a denial.
	prints string
	// created is the package a successful first push created.
	created *authz.Package
}

// Outcomes.
const (
	Allow   = "allow"
	Deny    = "deny"
	Unknown = "unknown"
)

// predict plays a push, pull or login through the decisions the server
// makes for each request, in the order a client sends them:
//   - login: GET /token without a scope (a revoked credential is refused);
//   - push: GET /token for push (anonymous tokens only for public
//     pulls), then for HEAD-first clients the blob HEAD (a read: a refusal
//     other than 404 ends the push, with no body), then the upload POST
//     and the manifest PUT (writes);
//   - pull: GET /token for pull, then the manifest GET (a read).
//
// A HEAD refused during a push is explained and fixed as the push: the
// write decision says which setting lets the step through.
func predict(w authz.World, p authz.Principal, action, pkg string, headFirst bool, anonPrivate403 bool) result {
	pkg = strings.ToLower(pkg)
	switch action {
	case ActionLogin:
		if p.Credential == nil {
			return result{Outcome: Allow, Status: 200}
		}
		d := authz.DecideToken(w, p, authz.Access{Action: authz.ActionRead})
		if !d.Allow {
			return denied(d, pkg, clientlines.StageLogin)
		}
		return result{Outcome: Allow, Status: 200, Reason: d.Reason, Explanation: d.Explanation}
	case ActionPull:
		if d := authz.DecideToken(w, p, authz.Access{Package: pkg, Action: authz.ActionRead}); !d.Allow {
			return tokenDenied(d, pkg, anonPrivate403)
		}
		d := authz.Decide(w, p, authz.Access{Package: pkg, Action: authz.ActionRead})
		if !d.Allow {
			return denied(d, pkg, clientlines.StageManifestGet)
		}
		return result{Outcome: Allow, Status: 200, Reason: d.Reason, Explanation: d.Explanation}
	}
	if d := authz.DecideToken(w, p, authz.Access{Package: pkg, Action: authz.ActionWrite}); !d.Allow {
		return tokenDenied(d, pkg, anonPrivate403)
	}
	write := authz.Decide(w, p, authz.Access{Package: pkg, Action: authz.ActionWrite})
	if headFirst {
		read := authz.Decide(w, p, authz.Access{Package: pkg, Action: authz.ActionRead})
		if !read.Allow && read.Reason != authz.DenyNameUnknown {
			r := denied(read, pkg, clientlines.StageHeadBlob)
			r.Code, r.Message = "", "" // HEAD responses have no body
			if !write.Allow {
				r.Reason, r.Explanation, r.Fix = write.Reason, write.Explanation, write.Fix
			}
			return r
		}
	}
	if !write.Allow {
		return denied(write, pkg, clientlines.StageUploadPost)
	}
	r := result{Outcome: Allow, Status: 201, Reason: write.Reason, Explanation: write.Explanation}
	if write.Reason == authz.AllowCreate {
		created := authz.NewPackage(w, p, pkg, "")
		r.created = &created
	}
	return r
}

func denied(d authz.Decision, pkg string, stage clientlines.Stage) result {
	a, _ := answers.For(d.Reason, pkg)
	return result{Outcome: Deny, Status: a.Status, Code: a.Code, Message: a.Message, Stage: stage,
		Reason: d.Reason, Explanation: d.Explanation, Fix: d.Fix}
}

// tokenDenied is a /token refusal; a world may answer an anonymous request
// for a private package with 403 instead of 401, as the registry does.
func tokenDenied(d authz.Decision, pkg string, anonPrivate403 bool) result {
	r := denied(d, pkg, clientlines.StageToken)
	if d.Reason == authz.DenyAnonymousPrivate && anonPrivate403 {
		a, _ := answers.For(authz.DenyAnonymousMissing, pkg)
		r.Status, r.Code, r.Message = a.Status, a.Code, a.Message
	}
	return r
}

// Prediction is GHCR's predicted answer to one push, pull or login.
type Prediction struct {
	Outcome       string
	Status        int
	Code, Message string
	Stage         clientlines.Stage
	Reason        authz.Reason
	Explanation   string
	Fix           string
}

// Predict plays one push, pull or login (ActionPush, ActionPull,
// ActionLogin) of package pkg by principal p in world w, as check does
// for a step: headFirst for clients that HEAD each blob before uploading
// (buildx, crane, skopeo, oras), false for the Docker engine.
func Predict(w authz.World, p authz.Principal, action, pkg string, headFirst, anonymousPrivate403 bool) Prediction {
	r := predict(w, p, action, pkg, headFirst, anonymousPrivate403)
	return Prediction{Outcome: r.Outcome, Status: r.Status, Code: r.Code, Message: r.Message, Stage: r.Stage,
		Reason: r.Reason, Explanation: r.Explanation, Fix: r.Fix}
}
