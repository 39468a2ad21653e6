package webui

import (
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
)

// fixFor proposes the change of the world that would have let a refused
// request through, or false. It proposes only what authz.Decide allows in
// the world the change makes, so it holds no rule of its own: a candidate
// that does not fix the refusal is not offered.
func fixFor(w authz.World, rec registry.Record) (authz.Change, bool) {
	if rec.Allowed || rec.Repo == "" || rec.Action == "" {
		return authz.Change{}, false
	}
	cred, ok := credentialOf(w, rec.Principal)
	if !ok {
		return authz.Change{}, false
	}
	access := authz.Access{Package: rec.Repo, Action: authz.Action(rec.Action)}
	if authz.Decide(w, authz.Principal{Credential: &cred}, access).Allow {
		return authz.Change{}, false // the world has changed since: nothing to fix
	}
	role := roleFor(access.Action)
	var candidates []authz.Change
	switch cred.Kind {
	case authz.GitHubToken:
		if cred.Repository == "" {
			break
		}
		if _, exists := w.Package(rec.Repo); exists {
			candidates = append(candidates, authz.Change{Op: authz.OpSetActionsAccess, Package: rec.Repo, Repository: cred.Repository, Role: string(role)})
		}
		if cred.Packages == "" && access.Action == authz.ActionWrite {
			candidates = append(candidates, authz.Change{Op: authz.OpSetWorkflowPermission, Repository: cred.Repository, WorkflowPermission: string(authz.RoleWrite)})
		}
	case authz.ClassicPAT, authz.OAuth:
		if _, exists := w.Package(rec.Repo); exists && cred.User != "" {
			candidates = append(candidates, authz.Change{Op: authz.OpSetUserRole, Package: rec.Repo, User: cred.User, Role: string(role)})
		}
	}
	for _, c := range candidates {
		next, err := w.Apply(c)
		if err != nil {
			continue
		}
		after, _ := credentialOf(next, rec.Principal)
		if authz.Decide(next, authz.Principal{Credential: &after}, access).Allow {
			return c, true
		}
	}
	return authz.Change{}, false
}

// credentialOf finds the credential a record's principal ("kind:name")
// names.
func credentialOf(w authz.World, principal string) (authz.Credential, bool) {
	kind, name, ok := strings.Cut(principal, ":")
	if !ok {
		return authz.Credential{}, false
	}
	for _, c := range w.Credentials {
		if string(c.Kind) == kind && c.Name == name {
			return c, true
		}
	}
	return authz.Credential{}, false
}

func roleFor(a authz.Action) authz.Role {
	switch a {
	case authz.ActionRead:
		return authz.RoleRead
	case authz.ActionWrite:
		return authz.RoleWrite
	}
	return authz.RoleAdmin
}

// pathSteps are the links of a decision path, in the order a request meets
// them.
var pathSteps = []string{"credential", "token permissions", "package", "access list", "role"}

// failingStep is the link of the decision path a refusal's reason marks,
// or -1 when the reason is not on the path (a fault, a REST rule).
func failingStep(reason string) int {
	switch authz.Reason(reason) {
	case authz.DenyBadCredential, authz.DenyAnonymousPrivate, authz.DenyAnonymousMissing, authz.DenyAnonymousPushScope,
		authz.DenyAnonymousRead, authz.DenyAnonymousWrite, authz.DenyInstallationMissing,
		authz.WireBasicOnRegistry, authz.WireEmptyBearer, authz.WireTokenInvalid:
		return 0
	case authz.DenyScopes, authz.DenyFineGrainedPAT, authz.DenyClassicPATForbidden, authz.DenyWorkflowReadOnly,
		authz.DenyWorkflowCreate, authz.DenyWorkflowNoRead, authz.DenyAppCreate, authz.DenyAppWrite, authz.DenyAppRead,
		authz.WireTokenScope:
		return 1
	case authz.DenyNameUnknown, authz.DenyCreatePackage, authz.DenyCreationPolicy:
		return 2
	case authz.DenyActionsAccess:
		return 3
	case authz.DenyReadPackage, authz.DenyWritePackage, authz.DenyDeletePackage:
		return 4
	}
	return -1
}
