package scenarios

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// Validation of credentials, settings and expectations; see validate.go
// for the world.

// credentials builds the file's credentials; authz.CredentialProblems
// checks them, as it does every credential the admin API adds.
func (b *builder) credentials(creds []fileCredential) {
	for _, c := range creds {
		b.s.World.Credentials = append(b.s.World.Credentials, authz.Credential{
			Name: c.Name, Secret: c.Secret, Kind: authz.CredentialKind(c.Type), Revoked: c.Revoked,
			User: strings.ToLower(c.User), Scopes: c.Scopes, Repository: strings.ToLower(c.Repository),
			Packages: authz.Role(c.Packages), Event: c.Event, Fork: c.Fork, Dependabot: c.Dependabot, App: c.App,
			ReusableWorkflow: strings.ToLower(c.ReusableWorkflow),
		})
	}
	for _, p := range authz.CredentialProblems(b.s.World, b.s.World.Credentials) {
		var unknown *authz.UnknownScopeError
		if errors.As(p.Err, &unknown) {
			if near := nearest(unknown.Scope, authz.ClassicScopes()); len(near) > 0 {
				b.errorf(p.Path, "%v (did you mean %q?)", p.Err, near[0])
				continue
			}
		}
		b.errorf(p.Path, "%v", p.Err)
	}
}

func (b *builder) settings(s fileSettings) {
	switch s.AnonymousPrivateTokenStatus {
	case 0:
	case 401, 403:
		b.s.Settings.AnonymousPrivateTokenStatus = s.AnonymousPrivateTokenStatus
	default:
		b.errorf("settings.anonymous_private_token_status", "must be 401 or 403, not %d", s.AnonymousPrivateTokenStatus)
	}
}

// successStatus is the status a successful action answers.
var successStatus = map[string]int{ActionPush: http.StatusCreated, ActionPull: http.StatusOK, ActionLogin: http.StatusOK}

func (b *builder) expects(expects []fileExpect) {
	names := map[string]int{}
	// tags a successful pull can find: preloaded, or pushed by an earlier
	// expected success.
	tags := map[string][]string{}
	for name, t := range b.s.Tags {
		tags[name] = slices.Clone(t)
	}
	for name, ixs := range b.s.Indexes {
		for _, ix := range ixs {
			tags[name] = append(tags[name], ix.Tag)
		}
	}
	for i, e := range expects {
		p := fmt.Sprintf("expect[%d]", i)
		x := Expect{Name: e.Name, Credential: e.Credential, Action: e.Action, Package: e.Package, Tag: e.Tag,
			Status: e.Status, Code: e.Code, Message: e.Message, Reason: authz.Reason(e.Reason)}
		if x.Credential != "" {
			if _, ok := b.s.Credential(x.Credential); !ok {
				b.errorf(p+".credential", "unknown credential %q", x.Credential)
			}
		}
		b.expectAction(p, &x)
		b.expectAnswer(p, x)
		b.expectReason(p, x)
		success := successStatus[x.Action]
		if x.Action == ActionPull && x.Status == success && x.Package != "" && !slices.Contains(tags[x.Package], x.Tag) {
			b.errorf(p+".tag", "a pull of %s:%s cannot succeed: the package has no such tag (add it to the package's tags, or push it in an earlier expect)", x.Package, x.Tag)
		}
		if x.Action == ActionPush && x.Status == success && x.Package != "" && !slices.Contains(tags[x.Package], x.Tag) {
			tags[x.Package] = append(tags[x.Package], x.Tag)
		}
		if x.Name == "" {
			x.Name = defaultExpectName(x)
		}
		if j, dup := names[x.Name]; dup {
			b.errorf(p+".name", "duplicate expect name %q (also expect[%d])", x.Name, j)
		} else {
			names[x.Name] = i
		}
		b.s.Expect = append(b.s.Expect, x)
	}
}

// expectAction checks the action and what it names: a login names no
// package, a push or pull names a package and (by default) tag latest.
func (b *builder) expectAction(p string, x *Expect) {
	_, known := successStatus[x.Action]
	switch {
	case x.Action == "":
		b.errorf(p+".action", "required (want push, pull or login)")
	case !known:
		b.errorf(p+".action", "unknown action %q (want push, pull or login)", x.Action)
	case x.Action == ActionLogin:
		if x.Credential == "" {
			b.errorf(p+".credential", "a login needs a credential")
		}
		if x.Package != "" {
			b.errorf(p+".package", "a login names no package (docker login asks /token without a scope)")
		}
		if x.Tag != "" {
			b.errorf(p+".tag", "a login names no tag")
		}
	default:
		b.packageName(p+".package", x.Package)
		if x.Tag == "" {
			x.Tag = DefaultTag
		} else if !validTag(x.Tag) {
			b.errorf(p+".tag", "invalid tag %q", x.Tag)
		}
	}
}

// expectAnswer checks the status, code and message: a success answers
// the action's status and has no code or message.
func (b *builder) expectAnswer(p string, x Expect) {
	success, known := successStatus[x.Action]
	switch {
	case x.Status == 0:
		b.errorf(p+".status", "required (201 for a successful push, 200 for a pull or login, or GHCR's error status)")
	case known && x.Status < 400 && x.Status != success:
		b.errorf(p+".status", "a successful %s answers %d, not %d", x.Action, success, x.Status)
	case x.Status >= 400 && (x.Status > 599 || http.StatusText(x.Status) == ""):
		b.errorf(p+".status", "%d is not an HTTP error status", x.Status)
	}
	failure := x.Status >= 400
	if !failure && x.Code != "" {
		b.errorf(p+".code", "omit on success")
	}
	if !failure && x.Message != "" {
		b.errorf(p+".message", "omit on success")
	}
	if x.Code != "" && !codeRE().MatchString(x.Code) {
		b.errorf(p+".code", "invalid error code %q (upper case, e.g. DENIED or UNAUTHORIZED)", x.Code)
	}
}

// expectReason checks the reason: one authz declares, for allowing on a
// success and for refusing on a failure.
func (b *builder) expectReason(p string, x Expect) {
	if x.Reason == "" {
		return
	}
	failure := x.Status >= 400
	deny := slices.Contains(refusalReasons(), x.Reason)
	switch {
	case !deny && !slices.Contains(authz.AllowReasons(), x.Reason):
		msg := fmt.Sprintf("unknown reason %q", x.Reason)
		if near := nearest(string(x.Reason), knownReasons()); len(near) > 0 {
			msg += fmt.Sprintf(" (did you mean %q?)", near[0])
		}
		b.errorf(p+".reason", "%s", msg)
	case deny && x.Status != 0 && !failure:
		b.errorf(p+".reason", "%s is a reason for denying, but status %d is a success", x.Reason, x.Status)
	case !deny && failure:
		b.errorf(p+".reason", "%s is a reason for allowing, but status %d is a failure", x.Reason, x.Status)
	}
}

func defaultExpectName(x Expect) string {
	who := "anonymous"
	if x.Credential != "" {
		who = x.Credential
	}
	if x.Action == ActionLogin {
		return fmt.Sprintf("login as %s", who)
	}
	return fmt.Sprintf("%s %s:%s as %s", x.Action, x.Package, x.Tag, who)
}

// refusalReasons lists the reasons an expect may see a push, pull or login
// refused with: decisions, wire refusals and the scenario's own fault
// rules. The REST API's reasons never answer these actions.
func refusalReasons() []authz.Reason {
	return slices.Concat(authz.DenyReasons(), authz.WireReasons(), []authz.Reason{authz.FaultInjected})
}

// knownReasons lists every authz.Reason a scenario may expect.
func knownReasons() []string {
	var names []string
	for _, r := range slices.Concat(authz.AllowReasons(), refusalReasons()) {
		names = append(names, string(r))
	}
	return names
}
