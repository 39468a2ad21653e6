package diagnose

import (
	"slices"
	"strconv"
	"strings"

	"github.com/fakeghcr/fakeghcr/answers"
	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/check"
	"github.com/fakeghcr/fakeghcr/clientlines"
)

// signature is the answer one scenario gives one request, as a client of
// one kind sees it, with the decision behind it.
type signature struct {
	scenario string
	pkg      string // the scenario's package the refusal is for
	world    worldNames
	check.Prediction
}

// signatures plays every scenario's pushes, pulls and logins through
// check.Predict, once as the Docker engine sends them and once as
// HEAD-first clients do, keeping the refusals.
func signatures(scs []Scenario) []signature {
	var out []signature
	for _, sc := range scs {
		wn := namesOf(sc)
		w := sc.World.Clone()
		for _, e := range sc.Expect {
			var p authz.Principal
			for _, c := range w.Credentials {
				if c.Name == e.Credential && e.Credential != "" {
					c := c
					p.Credential = &c
				}
			}
			var created bool
			if p.Credential == nil && e.Action == check.ActionPush {
				// A client that goes on without a token meets the /v2/
				// refusal of an anonymous write.
				if d := authz.Decide(w, p, authz.Access{Package: e.Package, Action: authz.ActionWrite}); !d.Allow {
					a, _ := answers.For(d.Reason, e.Package)
					out = append(out, signature{scenario: sc.Name, pkg: e.Package, world: wn, Prediction: check.Prediction{Outcome: check.Deny, Status: a.Status, Code: a.Code,
						Message: a.Message, Stage: clientlines.StageUploadPost, Reason: d.Reason, Explanation: d.Explanation, Fix: d.Fix}})
				}
			}
			for _, headFirst := range []bool{false, true} {
				pr := check.Predict(w, p, e.Action, e.Package, headFirst, sc.AnonymousPrivateTokenStatus == 403)
				if pr.Outcome == check.Deny {
					out = append(out, signature{scenario: sc.Name, pkg: e.Package, world: wn, Prediction: pr})
				}
				created = pr.Reason == authz.AllowCreate
			}
			if created {
				w.Packages[strings.ToLower(e.Package)] = authz.NewPackage(w, p, e.Package, "")
			}
		}
	}
	return out
}

// priority orders reasons when a failure fits several: the cases users
// meet most often first (the 2022 seed case leads).
var priority = []authz.Reason{
	authz.DenyActionsAccess, authz.DenyWorkflowReadOnly, authz.DenyWorkflowCreate, authz.DenyWritePackage,
	authz.DenyInstallationMissing, authz.DenyWorkflowNoRead, authz.DenyReadPackage, authz.DenyScopes,
	authz.DenyBadCredential, authz.DenyAnonymousWrite, authz.DenyAnonymousPushScope, authz.DenyAnonymousRead,
	authz.DenyAnonymousPrivate, authz.DenyAnonymousMissing, authz.DenyCreatePackage, authz.DenyCreationPolicy,
	authz.DenyFineGrainedPAT, authz.DenyClassicPATForbidden, authz.DenyNameUnknown, authz.DenyAppCreate,
	authz.DenyAppWrite, authz.DenyAppRead, authz.DenyDeletePackage,
}

func rankOf(r authz.Reason) int {
	if i := slices.Index(priority, r); i >= 0 {
		return i
	}
	return len(priority)
}

// ambiguousStage: lines that print only "unexpected status" may come from
// the blob HEAD, the upload POST or the manifest PUT.
func ambiguousStage(f *Failure) bool {
	return strings.Contains(f.Version, "v0.10") || strings.Contains(f.Version, "v0.11") || strings.Contains(f.Version, "1.6.24")
}

// fits reports whether a scenario's refusal explains the failure.
func fits(f *Failure, s signature) bool {
	if f.Status != 0 && f.Status != s.Status {
		return false
	}
	if f.Message != "" {
		if cut, ok := truncated(f.Message); ok {
			return strings.HasPrefix(s.Message, cut)
		}
		return s.Message == f.Message
	}
	if f.Code != "" && s.Code != f.Code {
		// The code without its message.
		return false
	}
	// A line without GHCR's message: match by status and stage.
	stage := clientlines.Stage(f.Stage)
	switch {
	case ambiguousStage(f):
		return s.Stage == clientlines.StageHeadBlob || s.Stage == clientlines.StageUploadPost || s.Stage == clientlines.StageManifestPut
	case stage == clientlines.StageHeadBlob:
		return s.Stage == clientlines.StageHeadBlob
	case stage == clientlines.StageUploadPost || stage == clientlines.StageManifestPut:
		return s.Stage == clientlines.StageUploadPost || s.Stage == clientlines.StageManifestPut
	case stage == clientlines.StageToken || stage == clientlines.StageLogin:
		return s.Stage == clientlines.StageToken || s.Stage == clientlines.StageLogin
	case stage == clientlines.StageManifestGet:
		return s.Stage == clientlines.StageManifestGet || s.Stage == clientlines.StageToken
	}
	return true
}

// truncated: a quoted message cut short with an ellipsis.
func truncated(m string) (string, bool) {
	for _, e := range []string{"...", "…"} {
		if cut, ok := strings.CutSuffix(m, e); ok {
			return strings.TrimSpace(cut), true
		}
	}
	return "", false
}

// Reasons that refuse a read, and those that refuse a write; the others
// (a bad credential, a token's scopes, an organization's PAT policy) refuse
// both. A /token request's scope (":pull" or ":pull,push") tells which.
var (
	readReasons = []authz.Reason{authz.DenyAnonymousPrivate, authz.DenyAnonymousRead, authz.DenyAnonymousMissing, authz.DenyReadPackage,
		authz.DenyWorkflowNoRead, authz.DenyAppRead, authz.DenyNameUnknown}
	writeReasons = []authz.Reason{authz.DenyActionsAccess, authz.DenyWorkflowReadOnly, authz.DenyWorkflowCreate, authz.DenyWritePackage,
		authz.DenyCreatePackage, authz.DenyCreationPolicy, authz.DenyInstallationMissing, authz.DenyAnonymousWrite,
		authz.DenyAnonymousPushScope, authz.DenyAppWrite, authz.DenyAppCreate, authz.DenyDeletePackage}
	anonymousReasons = []authz.Reason{authz.DenyAnonymousPrivate, authz.DenyAnonymousRead, authz.DenyAnonymousMissing,
		authz.DenyAnonymousWrite, authz.DenyAnonymousPushScope}
)

// keep filters reasons by pred, unless that would leave none.
func keep(order []authz.Reason, pred func(authz.Reason) bool) []authz.Reason {
	var out []authz.Reason
	for _, r := range order {
		if pred(r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return order
	}
	return out
}

// preferredScenario names the built-in whose story fits the log's event
// best for reasons several scenarios reproduce: a read-only token from a
// Dependabot run or a fork's pull request is fixed differently from a
// workflow whose permissions leave packages out.
func preferredScenario(r authz.Reason, event string) string {
	switch r {
	case authz.DenyWorkflowReadOnly:
		switch event {
		case "dependabot":
			return "dependabot"
		case "pull_request":
			return "fork-pull-request"
		}
		return "workflow-permissions-read-only"
	case authz.DenyWorkflowCreate:
		return "workflow-first-publish-read-only"
	}
	return strings.ReplaceAll(string(r), "_", "-")
}

// namesIn reads the log's owner and package from a failure's image.
func namesIn(f *Failure) names {
	var n names
	rest, ok := strings.CutPrefix(f.Image, "ghcr.io/")
	if ok && strings.Contains(rest, "/") {
		n.pkg = strings.ToLower(rest)
		n.owner, _, _ = strings.Cut(n.pkg, "/")
	}
	n.account, n.repo = f.Account, f.repo
	return n
}

// explain fills a failure's causes and questions.
func (d *Diagnoser) explain(f *Failure) {
	f.Causes = []Cause{}
	f.Questions = []string{}
	if d.opts.Repository != "" {
		f.repo = d.opts.Repository
	}
	if w := d.opts.World; w != nil && f.Account == "" {
		if rest, ok := strings.CutPrefix(f.Image, "ghcr.io/"); ok {
			owner, _, _ := strings.Cut(strings.ToLower(rest), "/")
			for login, o := range w.Owners {
				if strings.EqualFold(login, owner) {
					f.Account = map[authz.OwnerType]string{authz.User: "users", authz.Organization: "orgs"}[o.Type]
				}
			}
		}
	}
	n := namesIn(f)
	switch {
	case f.special != "":
		f.Causes = specialCauses(f, n)
		if f.special != specialHelmScope && f.special != specialManifest {
			return
		}
	case f.Stage == string(clientlines.StageReference):
		f.Causes = append(f.Causes, Cause{Explanation: "The image name has upper-case letters; the client refuses it before asking GHCR (repository names are lower case).", Fix: check.LowercaseFix})
		return
	case f.Library == string(clientlines.LoginAction) && f.Status == 0:
		f.Causes = append(f.Causes, Cause{Explanation: "docker/login-action got an empty username or password: a secret that is not set, or not passed to this run (pull requests from forks and Dependabot runs get no repository secrets).", Fix: "Set the secret, or use ${{ secrets.GITHUB_TOKEN }}; skip the login for forks and Dependabot"})
		return
	}
	bySig := map[authz.Reason][]signature{}
	var order []authz.Reason
	for _, s := range d.sigs {
		if !fits(f, s) {
			continue
		}
		if _, ok := bySig[s.Reason]; !ok {
			order = append(order, s.Reason)
		}
		bySig[s.Reason] = append(bySig[s.Reason], s)
	}
	byReason := map[authz.Reason]*Cause{}
	for r, sigs := range bySig {
		pick := sigs[0]
		want := preferredScenario(r, f.event)
		for _, s := range sigs {
			if s.scenario == want {
				pick = s
				break
			}
		}
		c := &Cause{Reason: r, Scenario: pick.scenario, Scenarios: []string{pick.scenario},
			Explanation: localize(pick.Explanation, pick.pkg, pick.world, n), Fix: localize(pick.Fix, pick.pkg, pick.world, n)}
		for _, s := range sigs {
			if !slices.Contains(c.Scenarios, s.scenario) {
				c.Scenarios = append(c.Scenarios, s.scenario)
			}
		}
		byReason[r] = c
	}
	if len(order) == 0 && f.Message != "" {
		// No built-in reproduces it: name the rules that give this answer.
		for _, r := range answers.Reasons(f.Status, f.Message) {
			byReason[r] = &Cause{Reason: r, Explanation: "GHCR gives this answer for rule " + string(r) + "; no built-in scenario reproduces it."}
			order = append(order, r)
		}
	}
	slices.SortStableFunc(order, func(a, b authz.Reason) int { return rankOf(a) - rankOf(b) })
	order = d.narrow(f, order, byReason, n)
	if d.opts.Check != nil {
		order = d.predicted(f, byReason, order)
	}
	for _, r := range order {
		c := *byReason[r]
		c.Fix = clientFix(f.Client, r, c.Fix)
		f.Causes = append(f.Causes, c)
	}
	for i, c := range f.Causes {
		if i == 3 {
			break
		}
		for _, q := range questions(c.Reason, f) {
			if !slices.Contains(f.Questions, q) {
				f.Questions = append(f.Questions, q)
			}
		}
	}
}

// narrow applies what the log says beyond the answer: the token's scope,
// whether a credential was sent, and GHCR's "unauthenticated" message.
func (d *Diagnoser) narrow(f *Failure, order []authz.Reason, byReason map[authz.Reason]*Cause, n names) []authz.Reason {
	switch {
	case strings.Contains(f.Scope, "push"):
		order = keep(order, func(r authz.Reason) bool { return !slices.Contains(readReasons, r) })
	case f.Scope == "pull":
		order = keep(order, func(r authz.Reason) bool { return !slices.Contains(writeReasons, r) })
	}
	if f.Stage == string(clientlines.StageManifestGet) {
		order = keep(order, func(r authz.Reason) bool { return !slices.Contains(writeReasons, r) })
	}
	front := func(rs ...authz.Reason) {
		var head []authz.Reason
		for _, r := range rs {
			if slices.Contains(order, r) {
				head = append(head, r)
			}
		}
		order = append(head, slices.DeleteFunc(order, func(r authz.Reason) bool { return slices.Contains(head, r) })...)
	}
	if f.Status == 403 && f.Message == "" && f.Stage == string(clientlines.StageManifestGet) {
		// A pull refused without a body (a HEAD): a stale or invalid login
		// is the most common cause, then a credential without a role.
		front(authz.DenyBadCredential, authz.DenyReadPackage, authz.DenyAnonymousMissing)
	}
	if f.event != "" {
		front(authz.DenyWorkflowReadOnly, authz.DenyWorkflowCreate)
	}
	if f.app {
		front(authz.DenyAppRead, authz.DenyAppWrite, authz.DenyAppCreate)
	}
	switch {
	case f.anonymous:
		// "failed to fetch anonymous token": the client sent no credential.
		order = keep(order, func(r authz.Reason) bool { return slices.Contains(anonymousReasons, r) })
	case f.oauth:
		// "failed to fetch oauth token": a credential was sent.
		order = keep(order, func(r authz.Reason) bool { return !slices.Contains(anonymousReasons, r) })
	}
	pkg := n.pkg
	if pkg == "" {
		pkg = "OWNER/NAME"
	}
	if f.Message == answers.MsgUnauthenticated || (f.oauth && f.Status == 403 && f.Message == "") {
		// GHCR answers an invalid, expired or revoked credential so, and
		// so it answered every pull during its incident of 2022-06-22
		// (https://github.com/slok/sloth/issues/336).
		c := &Cause{Reason: authz.DenyBadCredential, Scenario: "stale-credentials", Scenarios: []string{"stale-credentials"},
			Explanation: "The credential sent for " + pkg + " is invalid: an expired or revoked PAT, a stale login left in the client's config, or a secret that holds an old token. GHCR gives the same answer during an incident (check https://www.githubstatus.com).",
			Fix:         "Log out of ghcr.io and log in again with a current classic PAT (read:packages, and write:packages to push) or, in Actions, GITHUB_TOKEN; if nothing changed on your side, check https://www.githubstatus.com and retry"}
		byReason[authz.DenyBadCredential] = c
		order = append([]authz.Reason{authz.DenyBadCredential}, slices.DeleteFunc(order, func(r authz.Reason) bool { return r == authz.DenyBadCredential })...)
	}
	if f.Status == 401 && !strings.Contains(f.Scope, "push") && (f.Stage == string(clientlines.StageManifestGet) || f.Stage == string(clientlines.StageToken)) &&
		!slices.Contains(order, authz.DenyAnonymousMissing) {
		// GHCR answers an anonymous pull of a package that does not exist
		// as one of a private package: 401 (seen on a mistyped path in
		// https://github.com/nix-community/docker-nixpkgs/issues/55).
		byReason[authz.DenyAnonymousMissing] = &Cause{Reason: authz.DenyAnonymousMissing, Scenario: "missing-package-anonymous-pull", Scenarios: []string{"missing-package-anonymous-pull"},
			Explanation: "Package " + pkg + " may not exist: a misspelled owner or name, a path a redirect or helper changed, or an image never pushed. GHCR answers an anonymous pull of a missing package as it answers a private one.",
			Fix:         "Check the name against the owner's Packages page (https://github.com/" + n.owner + "?tab=packages), lower case; push the image first if it was never published"}
		at := min(1, len(order))
		order = slices.Insert(order, at, authz.DenyAnonymousMissing)
	}
	return order
}

// clientFix words a fix for the client that failed: helm and podman keep
// their own logins.
func clientFix(client string, r authz.Reason, fix string) string {
	if r != authz.DenyBadCredential && r != authz.DenyAnonymousPrivate && r != authz.DenyAnonymousMissing && r != authz.Reason(specialCredHelper) {
		return fix
	}
	switch client {
	case "helm":
		return "helm registry logout ghcr.io (a stale helm login is used before docker's), then helm registry login ghcr.io with a current classic PAT; " + fix
	case "podman", "buildah", "skopeo":
		return client + " logout ghcr.io (it keeps its own auth.json), then " + client + " login ghcr.io with a current classic PAT; " + fix
	case "nerdctl":
		return "nerdctl logout ghcr.io, then nerdctl login ghcr.io; " + fix
	case "kubelet":
		return "Check the pod's imagePullSecrets (a docker-registry secret for ghcr.io with a current classic PAT that has read:packages); " + fix
	}
	return fix
}

// predicted moves the causes check predicts for this image to the front,
// with check's own explanation, and adds those the library lacks.
func (d *Diagnoser) predicted(f *Failure, byReason map[authz.Reason]*Cause, order []authz.Reason) []authz.Reason {
	var front []authz.Reason
	for _, fd := range d.opts.Check.Findings {
		if fd.Action == check.ActionLogin && f.Stage != string(clientlines.StageLogin) && f.Stage != string(clientlines.StageToken) {
			continue
		}
		if f.Image != "" && !strings.EqualFold(fd.Image, f.Image) {
			continue
		}
		cands := []check.State{{Outcome: fd.Outcome, Status: fd.Status, Code: fd.Code, Message: fd.Message, Reason: fd.Reason, Explanation: fd.Explanation, Fix: fd.Fix}}
		cands = append(cands, fd.States...)
		for _, st := range cands {
			if st.Outcome != check.Deny || st.Reason == "" {
				continue
			}
			if f.Message != "" && st.Message != "" && st.Message != f.Message {
				continue
			}
			if f.Status != 0 && st.Status != f.Status {
				continue
			}
			c, ok := byReason[st.Reason]
			if !ok {
				c = &Cause{Reason: st.Reason}
				byReason[st.Reason] = c
			}
			if c.Predicted == "" {
				// The first finding wins: an event before its fork's
				// and Dependabot's variants.
				c.Explanation, c.Fix = st.Explanation, st.Fix
				c.Predicted = fd.File + ":" + itoa(fd.Line) + " (" + fd.Event + ")"
			}
			if !slices.Contains(front, st.Reason) {
				front = append(front, st.Reason)
			}
		}
	}
	out := front
	for _, r := range order {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

// questions tell a reason apart from the others a failure fits.
func questions(r authz.Reason, f *Failure) []string {
	var q []string
	if f.Stage == string(clientlines.StageHeadBlob) {
		q = append(q, "Is the package public? (a blob HEAD refused during a push means the credential cannot even read it)")
	}
	switch r {
	case authz.DenyActionsAccess:
		q = append(q, "Who first pushed the package: this repository's workflow, a personal access token (e.g. from a laptop), or another repository's workflow?",
			"Is this repository listed under the package's Manage Actions access, and with which role?")
	case authz.DenyWritePackage, authz.DenyReadPackage, authz.DenyCreatePackage:
		q = append(q, "Did the step log in with GITHUB_TOKEN or with a personal access token, and which user's?",
			"Which role does that user have on the package (Package settings -> Manage access)?")
	case authz.DenyWorkflowReadOnly, authz.DenyWorkflowCreate:
		q = append(q, "Does the job's permissions block say packages: write?",
			"Did the run come from a fork's pull request or from Dependabot (read-only tokens)?")
	case authz.DenyInstallationMissing:
		q = append(q, "Is the image's owner (ghcr.io/OWNER/...) the owner of the workflow's repository?")
	case authz.DenyWorkflowNoRead:
		q = append(q, "Is this repository listed under the package's Manage Actions access (or the package public)?")
	case authz.DenyScopes, authz.DenyFineGrainedPAT:
		q = append(q, "Is the password a classic PAT with the write:packages (and read:packages) scope, or a fine-grained PAT (not supported by GHCR)?")
	case authz.DenyBadCredential:
		q = append(q, "Is the password current (not expired or revoked), and is there a stale ghcr.io entry in ~/.docker/config.json?")
	case authz.DenyAnonymousRead, authz.DenyAnonymousWrite, authz.DenyAnonymousPushScope, authz.DenyAnonymousPrivate, authz.DenyAnonymousMissing:
		q = append(q, "Did a login to ghcr.io run before this step, in the same job?")
	case authz.DenyClassicPATForbidden:
		q = append(q, "Does the organization forbid personal access tokens (classic)?")
	case authz.DenyAppCreate, authz.DenyAppWrite, authz.DenyAppRead:
		q = append(q, "Is the password a GitHub App installation token (not GITHUB_TOKEN)?")
	}
	return q
}
