package check

import (
	"fmt"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/clientlines"
	"github.com/fakeghcr/fakeghcr/workflows"
)

// player walks a job's interactions in one world, keeping the job's
// logins and the packages its pushes create.
type player struct {
	a           *analyzer
	wf          *workflows.Workflow
	job         *workflows.Job
	ev          event
	call        *call
	world       authz.World
	repoDefault authz.Role
	items       []found
	// nextLogin[i] is the line of the first ghcr.io login at or after
	// item i (0 for none), built on first use.
	nextLogin []int
	// trace records, when not nil, each image finding of play: enough to
	// replay it in another state of its package (replay).
	trace *[]traced
}

// traced is one image finding of a play: its index among the findings,
// its step's interaction and image, and the login the job had there.
type traced struct {
	finding, item int
	rf            ref
	current       *login
}

// login is the credential a job logged in to ghcr.io with.
type login struct {
	line int
	cred *authz.Credential
	desc string
	// unknown says why the credential cannot be known, if it cannot.
	unknown string
	// empty: the secret is empty in this event (forks).
	empty bool
	// orEmpty names a secret that is empty in this Dependabot run unless
	// the repository has a Dependabot secret of that name: the answer is
	// the credential's when that refuses too, unknown otherwise.
	orEmpty string
}

// dependabotSecret settles a Dependabot run's answer r for a login whose
// secret may be empty (l.orEmpty): refused either way, or open.
func dependabotSecret(l login, r result) result {
	if l.orEmpty == "" || r.Outcome == Unknown {
		return r
	}
	if r.Outcome == Deny {
		r.Explanation += fmt.Sprintf(" (In this Dependabot run secrets.%s is a Dependabot secret of that name if the repository has one, else empty, which is refused too.)", l.orEmpty)
		return r
	}
	return result{Outcome: Unknown, Explanation: fmt.Sprintf("In a Dependabot run secrets.%s is a Dependabot secret of that name, if the repository has one, a state the world leaves open: GitHub passes only Dependabot secrets to Dependabot runs (its docs suggest storing the token under the same name in both). Without one the password is empty and the login fails; with one, as here: %s", l.orEmpty, r.Explanation),
		Fix: fmt.Sprintf("Add a Dependabot secret named %s (repository Settings -> Secrets and variables -> Dependabot), or skip this step in Dependabot runs (if: github.actor != 'dependabot[bot]')", l.orEmpty)}
}

func (p *player) play() ([]Finding, []result) {
	var fs []Finding
	var rs []result
	var current *login
	failedAt := 0
	for i, it := range p.items {
		if failedAt > 0 {
			it.assumptions = append(append([]string{}, it.assumptions...), fmt.Sprintf("reached only once the refusal at line %d is fixed (a failing step ends the job)", failedAt))
		}
		in := it.in
		base := Finding{File: p.wf.File, Line: in.line, Job: p.job.ID, Step: it.stepName, Event: p.ev.name, Action: in.action,
			Client: string(in.client), Tool: in.tool, Assumptions: append([]string{}, it.assumptions...)}
		if p.call != nil {
			base.Via = fmt.Sprintf("%s:%d job %s", p.call.wf.File, p.call.job.Line, p.call.job.ID)
		}
		if in.action == ActionCall {
			f := base
			f.Step = in.tool
			f.Tool = "local action"
			fs = append(fs, f)
			rs = append(rs, result{Outcome: Unknown, Explanation: fmt.Sprintf("Step uses %s, which check could not read here (run check at the repository's root, where the action's action.yml is): what it pushes or pulls is unknown.", in.tool)})
			continue
		}
		if in.action == ActionLogin {
			host := display(in.refs[0])
			if !resolved(in.refs[0]) || strings.ContainsRune(in.refs[0], secretOpen) {
				f := base
				f.Image = host
				f.Assumptions = append(f.Assumptions, "the registry "+host+" could not be evaluated; if it is ghcr.io, run check with the values it needs")
				fs, rs = append(fs, f), append(rs, result{Outcome: Unknown, Explanation: fmt.Sprintf("The login's registry %s could not be evaluated.", host)})
				continue
			}
			if !isGHCR(strings.TrimPrefix(strings.TrimPrefix(host, "https://"), "http://")) {
				continue
			}
			l := p.resolveLogin(in.password, in.passwordSet, in.line)
			current = &l
			base.Image, base.Credential = "ghcr.io", l.desc
			r := p.loginResult(in, l)
			if r.Outcome == Deny && failedAt == 0 {
				failedAt = in.line
			}
			fs, rs = append(fs, base), append(rs, r)
			continue
		}
		for _, r := range in.refs {
			rf, ok := parseRef(r)
			if !ok || !isGHCR(rf.host) {
				if ok && !resolved(rf.host) {
					f := base
					f.Image = display(r)
					f.Assumptions = append(f.Assumptions, "the registry of "+display(r)+" could not be evaluated; if it is ghcr.io, run check with the values it needs")
					fs, rs = append(fs, f), append(rs, result{Outcome: Unknown, Explanation: fmt.Sprintf("The image %s could not be evaluated.", display(r))})
				}
				continue
			}
			f := base
			f.Image = "ghcr.io/" + display(rf.repo)
			if rf.tag != "" {
				f.Tags = []string{display(rf.tag)}
			}
			if in.pushUnknown != "" {
				f.Assumptions = append(f.Assumptions, fmt.Sprintf("push: %s could not be evaluated; predicted as if it pushes", in.pushUnknown))
			}
			if p.trace != nil {
				*p.trace = append(*p.trace, traced{finding: len(fs), item: i, rf: rf, current: current})
			}
			r := p.imageResult(&f, in, rf, current, i)
			if r.Outcome == Deny && failedAt == 0 {
				failedAt = in.line
			}
			fs, rs = append(fs, f), append(rs, r)
		}
	}
	return fs, rs
}

// replay predicts again, in p's world, the image findings ts of an
// earlier play of the same job: each with the login the job had at its
// step, in order, so a push that creates the package precedes the pulls
// that read it. The other interactions are not played again: a login's
// answer and the credential a step uses do not depend on any package.
func (p *player) replay(ts []traced) []result {
	out := make([]result, len(ts))
	for j, t := range ts {
		var f Finding
		out[j] = p.imageResult(&f, p.items[t.item].in, t.rf, t.current, t.item)
	}
	return out
}

// imageResult predicts one push or pull of one image.
func (p *player) imageResult(f *Finding, in interaction, rf ref, current *login, index int) result {
	if current != nil && in.inline == "" {
		f.Credential = current.desc
	}
	if !resolved(rf.repo) {
		return result{Outcome: Unknown, Explanation: fmt.Sprintf("The image name %s could not be evaluated, so its package is unknown.", f.Image)}
	}
	if rf.repo != strings.ToLower(rf.repo) {
		r := result{Outcome: Deny, Stage: clientlines.StageReference,
			Explanation: fmt.Sprintf("The image name %s has upper-case letters; registries accept only lower-case repository names, so the client refuses it before sending anything to GHCR.", f.Image),
			Fix:         LowercaseFix}
		if in.client == clientlines.Buildx {
			r.prints = fmt.Sprintf("ERROR: invalid tag \"%s\": repository name must be lowercase", display(rf.host+"/"+rf.repo+tagSuffix(rf.tag)))
		} else {
			r.prints, _ = clientlines.Print(clientlines.Docker, clientlines.StageReference, clientlines.PrintVars{})
		}
		return r
	}
	var l login
	switch {
	case in.inline != "":
		_, pw, _ := strings.Cut(in.inline, ":")
		l = p.resolveLogin(pw, true, in.line)
	case in.credFile != "":
		l = login{desc: "unknown: from a file check does not read", unknown: "The credential is not in the workflow: " + in.credFile + "."}
	case current != nil:
		l = *current
	case in.tool == "job container" || strings.HasPrefix(in.tool, "service "):
		l = p.tokenLogin(in.line)
		f.Assumptions = append(f.Assumptions, "no credentials: given; the runner logs in with the job's GITHUB_TOKEN")
	default:
		l = login{desc: "none: no login to ghcr.io before this step (anonymous)"}
		if later := p.laterLogin(index); later > 0 {
			l.desc = fmt.Sprintf("none: the login to ghcr.io at line %d runs after this step (anonymous here)", later)
		}
	}
	f.Credential = l.desc
	if l.unknown != "" {
		return result{Outcome: Unknown, Explanation: l.unknown}
	}
	if l.empty {
		return result{Outcome: Deny, Stage: clientlines.StageLogin, Explanation: l.desc + "; the login before this step already failed."}
	}
	var principal authz.Principal
	if l.cred != nil {
		principal.Credential = l.cred
	}
	r := predict(p.world, principal, in.action, rf.repo, in.headFirst, p.a.opts.AnonymousPrivateTokenStatus == 403)
	// A package the push creates is kept: in the state without the
	// secret the job stopped at its login.
	r = dependabotSecret(l, r)
	if l.cred == nil && r.Outcome == Deny {
		r.Explanation = "No login to ghcr.io precedes this step, so the client is anonymous. " + r.Explanation
		r.Fix = "Log in to ghcr.io before this step (docker/login-action with registry: ghcr.io, username: ${{ github.actor }}, password: ${{ secrets.GITHUB_TOKEN }})"
	}
	if in.manifestOnly && r.Stage == clientlines.StageUploadPost {
		r.Stage = clientlines.StageManifestPut
	}
	if r.created != nil {
		p.world.Packages[rf.repo] = *r.created
	}
	tag := display(rf.tag)
	if tag == "" {
		tag = "latest"
	}
	r.prints = prints(in.client, in.prefix, r.Stage, rf.repo, tag, r)
	return r
}

func tagSuffix(tag string) string {
	if tag == "" {
		return ""
	}
	return ":" + tag
}

// laterLogin returns the line of a ghcr.io login after item index, or 0.
// The answers are computed once per job, so a job of many pushes is not
// rescanned for each (linear, not quadratic).
func (p *player) laterLogin(index int) int {
	if p.nextLogin == nil {
		p.nextLogin = make([]int, len(p.items)+1)
		for i := len(p.items) - 1; i >= 0; i-- {
			p.nextLogin[i] = p.nextLogin[i+1]
			if in := p.items[i].in; in.action == ActionLogin && len(in.refs) > 0 && isGHCR(display(in.refs[0])) {
				p.nextLogin[i] = in.line
			}
		}
	}
	return p.nextLogin[index+1]
}

func (p *player) loginResult(in interaction, l login) result {
	switch {
	case l.unknown != "":
		return result{Outcome: Unknown, Explanation: l.unknown}
	case l.empty:
		r := result{Outcome: Deny, Stage: clientlines.StageLogin,
			Explanation: l.desc + ": GitHub passes no secrets other than GITHUB_TOKEN to workflows run for pull requests from forks, and only Dependabot secrets to Dependabot runs, so the password is empty",
			Fix:         "Skip the login and push for pull requests from forks and Dependabot (if: github.event.pull_request.head.repo.full_name == github.repository), or use ${{ secrets.GITHUB_TOKEN }}"}
		if in.tool == "docker/login-action" {
			r.prints, _ = clientlines.Print(clientlines.LoginAction, clientlines.StageLogin, clientlines.PrintVars{})
			r.prints = "Error: " + r.prints
		}
		return r
	}
	var principal authz.Principal
	if l.cred != nil {
		principal.Credential = l.cred
	}
	r := predict(p.world, principal, ActionLogin, "", false, false)
	if r.Outcome == Allow {
		r.Explanation = fmt.Sprintf("GHCR's token service accepts %s; the login succeeds (what it may do is decided per package, on each push and pull).", l.desc)
	}
	r = dependabotSecret(l, r)
	if r.Outcome == Deny {
		r.prints = prints(in.client, in.prefix, clientlines.StageLogin, "", "", r)
	}
	return r
}

// resolveLogin finds the credential a password names.
func (p *player) resolveLogin(password string, set bool, line int) login {
	secrets := secretsIn(password)
	switch {
	case !set || strings.TrimSpace(password) == "":
		return login{line: line, unknown: "The login gives no password fakeghcr can read.", desc: "unknown (no password given)"}
	case len(secrets) == 0 && !resolved(password):
		return login{line: line, unknown: fmt.Sprintf("The password %s could not be evaluated.", display(password)), desc: "unknown: " + display(password)}
	case len(secrets) == 0:
		if c, ok := p.world.Authenticate(password); ok && c.Secret != authz.Wildcard {
			return login{line: line, cred: &c, desc: fmt.Sprintf("a literal password (credential %s of the world)", c.Name)}
		}
		return login{line: line, unknown: "The password is a literal value no credential of the world has.", desc: "a literal password"}
	}
	name := secrets[0]
	if strings.EqualFold(name, "GITHUB_TOKEN") {
		return p.tokenLogin(line)
	}
	desc := fmt.Sprintf("secrets.%s", name)
	if p.ev.fork {
		return login{line: line, empty: true, desc: desc + " is empty in this event"}
	}
	if p.ev.dependabot {
		// GitHub passes only Dependabot secrets to a Dependabot run, and
		// its docs suggest storing the token under the same name in both
		// [GitHub docs: "Troubleshooting Dependabot on GitHub Actions",
		// "Accessing secrets"]: whether the repository has one is a state
		// the world leaves open. With one, the run logs in as the
		// repository's own runs do.
		q := *p
		q.ev.dependabot = false
		l := q.resolveLogin(password, set, line)
		l.desc += "; in a Dependabot run only if the repository has a Dependabot secret " + name + " (else empty)"
		l.orEmpty = name
		return l
	}
	if p.call != nil && !p.call.job.SecretsInherit {
		v, ok := passedSecret(p.call.job.Secrets, name)
		if !ok {
			return login{line: line, empty: true, desc: desc + " is not passed by the calling job (secrets: inherit or secrets: " + name + ")"}
		}
		// secrets: NAME: ${{ ... }} maps a caller's value to the name:
		// resolve it in the caller's scope (GITHUB_TOKEN stays the
		// caller's token).
		if mapped := p.a.callerValue(p.call, p.ev, v); !strings.EqualFold(mapped, password) && mapped != secretValue(name) {
			// The mapped value names the caller's secrets: resolve it as
			// if inherited (no second mapping, no loop); the token is
			// still the caller's.
			saved := p.call
			job := *saved.job
			job.SecretsInherit = true
			p.call = &call{wf: saved.wf, job: &job}
			l := p.resolveLogin(mapped, true, line)
			p.call = saved
			l.desc = desc + " ← " + l.desc
			return l
		}
	}
	for _, c := range p.world.Credentials {
		if secretMatches(c.Name, name) {
			c := c
			return login{line: line, cred: &c, desc: fmt.Sprintf("%s (credential %s: %s)", desc, c.Name, c.Kind)}
		}
	}
	why := fmt.Sprintf("Secret %s is not described: add a credential named %s (its type, user and scopes) to the world to predict this login.", name, name)
	return login{line: line, unknown: why, desc: desc + " (not described in the world)"}
}

// passedSecret finds the value a calling job's secrets: block passes as
// name.
func passedSecret(vars []workflows.Var, name string) (string, bool) {
	for _, v := range vars {
		if strings.EqualFold(v.Name, name) {
			return v.Value.Text, true
		}
	}
	return "", false
}

// secretMatches: a world credential named like the secret (case and - / _
// ignored) stands for it.
func secretMatches(cred, secret string) bool {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	return norm(cred) == norm(secret)
}

// tokenLogin is the job's GITHUB_TOKEN.
func (p *player) tokenLogin(line int) login {
	if p.a.repo == "" {
		return login{line: line, desc: "GITHUB_TOKEN", unknown: "The workflow's repository is unknown (pass --repository OWNER/NAME), so its GITHUB_TOKEN cannot be evaluated."}
	}
	pk, where := tokenPackages(p.wf, p.job, p.call, p.repoDefault)
	c := &authz.Credential{Name: "job " + p.job.ID, Kind: authz.GitHubToken, Repository: strings.ToLower(p.a.repo), Packages: pk,
		Event: p.ev.base, Fork: p.ev.fork, Dependabot: p.ev.dependabot}
	if p.call != nil {
		c.Repository = strings.ToLower(p.a.repo)
	}
	desc := "GITHUB_TOKEN of " + p.a.repo
	switch {
	case pk == "":
		desc += ", packages: the repository's default"
	case pk == authz.PackagesNone:
		desc += ", packages: none (" + where + ")"
	default:
		desc += fmt.Sprintf(", packages: %s (%s)", pk, where)
	}
	if p.ev.fork {
		desc += "; a fork's pull request caps it at read"
	}
	if p.ev.dependabot {
		switch {
		case pk == "":
			desc += "; read-only in a Dependabot run: no permissions block raises its read-only default"
		case pk == authz.RoleWrite:
			desc += "; in a Dependabot run the permissions key raises its read-only default"
		}
	}
	return login{line: line, cred: c, desc: desc}
}

// LowercaseFix fixes an image name with upper-case letters.
const LowercaseFix = "Lower-case the image name: use docker/metadata-action (it lower-cases images), or ${GITHUB_REPOSITORY,,} / $(echo \"$IMAGE\" | tr '[:upper:]' '[:lower:]') in a run step"
