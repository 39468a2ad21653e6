package authz

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidChange is wrapped by every error World.Apply returns for a
// change that names something that does not exist or a value that is not
// allowed.
var ErrInvalidChange = errors.New("invalid change")

// ErrWorkflowWriteDisabled is GitHub's answer (409 Conflict) to setting a
// repository's workflow permissions to read and write when its organization
// forbids it (Owner.ForbidWorkflowWrite). Apply wraps it with
// ErrInvalidChange.
var ErrWorkflowWriteDisabled = errors.New("Write permissions for workflows are disabled by the organization")

// Op names one change a user makes on github.com.
type Op string

// Change operations; Ops describes each.
const (
	OpSetActionsAccess      Op = "set_actions_access"
	OpRemoveActionsAccess   Op = "remove_actions_access"
	OpSetVisibility         Op = "set_visibility"
	OpLinkRepository        Op = "link_repository"
	OpSetInheritAccess      Op = "set_inherit_access"
	OpSetUserRole           Op = "set_user_role"
	OpRemoveUserRole        Op = "remove_user_role"
	OpSetWorkflowPermission Op = "set_workflow_permission"
	OpAddCredential         Op = "add_credential"
	OpRevokeCredential      Op = "revoke_credential"
	OpRemoveCredential      Op = "remove_credential"
)

// OpInfo describes one change operation: where on github.com a user makes
// it, and which Change fields it reads.
type OpInfo struct {
	Op Op
	// Setting is the page and control on github.com, or the event, that
	// makes this change.
	Setting string
	// Fields are the Change's JSON fields the operation reads; the others
	// are ignored.
	Fields []string
	// apply edits a world Apply has already cloned.
	apply func(*World, Change) error
}

// Ops lists every change operation, in the order of the settings pages.
// The admin API, the CLI and the Go fixture offer exactly these.
func Ops() []OpInfo {
	return []OpInfo{
		{OpSetActionsAccess, "Package settings -> Manage Actions access -> Add repository / change role", []string{"package", "repository", "role"}, setActionsAccess},
		{OpRemoveActionsAccess, "Package settings -> Manage Actions access -> remove repository", []string{"package", "repository"}, removeActionsAccess},
		{OpSetVisibility, "Package settings -> Danger Zone -> Change visibility", []string{"package", "visibility"}, setVisibility},
		{OpLinkRepository, "Package settings -> Repository source (an empty repository unlinks)", []string{"package", "repository"}, linkRepository},
		{OpSetInheritAccess, "Package settings -> Inherit access from source repository", []string{"package", "inherit_access"}, setInheritAccess},
		{OpSetUserRole, "Package settings -> Manage access -> Invite / change role", []string{"package", "user", "role"}, setUserRole},
		{OpRemoveUserRole, "Package settings -> Manage access -> remove", []string{"package", "user"}, removeUserRole},
		{OpSetWorkflowPermission, "Repository settings -> Actions -> General -> Workflow permissions", []string{"repository", "workflow_permission"}, setWorkflowPermission},
		{OpAddCredential, "a new token (Developer settings, a workflow run, an app installation)", []string{"credential"}, addCredential},
		{OpRevokeCredential, "the token is revoked or expires: GitHub knows it and refuses it", []string{"name"}, revokeCredential},
		{OpRemoveCredential, "the token is forgotten: GitHub no longer knows it", []string{"name"}, removeCredential},
	}
}

// opNames lists the operations' names, for messages.
func opNames() string {
	var names []string
	for _, o := range Ops() {
		names = append(names, string(o.Op))
	}
	return strings.Join(names, ", ")
}

// Change is one edit a user would make on github.com, applied to a world
// (World.Apply). It is also the admin API's JSON body. Fields not used by
// Op are ignored.
type Change struct {
	Op         Op     `json:"op"`
	Package    string `json:"package,omitempty"`
	Repository string `json:"repository,omitempty"`
	User       string `json:"user,omitempty"`
	Role       string `json:"role,omitempty"`
	Visibility string `json:"visibility,omitempty"`
	// Inherit is the value for OpSetInheritAccess.
	Inherit *bool `json:"inherit_access,omitempty"`
	// WorkflowPermission is the value for OpSetWorkflowPermission.
	WorkflowPermission string `json:"workflow_permission,omitempty"`
	// Credential is the credential for OpAddCredential.
	Credential *CredentialSpec `json:"credential,omitempty"`
	// Name names the credential for OpRevokeCredential/OpRemoveCredential.
	Name string `json:"name,omitempty"`
}

// CredentialSpec is a credential as the admin API and the scenario file
// spell it.
type CredentialSpec struct {
	Name       string   `json:"name"`
	Secret     string   `json:"secret"`
	Type       string   `json:"type"`
	User       string   `json:"user,omitempty"`
	Scopes     []string `json:"scopes,omitempty"`
	Repository string   `json:"repository,omitempty"`
	Packages   string   `json:"packages,omitempty"`
	Event      string   `json:"event,omitempty"`
	Fork       bool     `json:"fork,omitempty"`
	Dependabot bool     `json:"dependabot,omitempty"`
	App        string   `json:"app,omitempty"`
	// ReusableWorkflow is Credential.ReusableWorkflow.
	ReusableWorkflow string `json:"reusable_workflow,omitempty"`
}

// Credential converts the spec; user and repository are stored lower-case.
func (s CredentialSpec) Credential() Credential {
	return Credential{
		Name: s.Name, Secret: s.Secret, Kind: CredentialKind(s.Type),
		User: strings.ToLower(s.User), Scopes: s.Scopes, Repository: strings.ToLower(s.Repository),
		Packages: Role(s.Packages), Event: s.Event, Fork: s.Fork, Dependabot: s.Dependabot, App: s.App,
		ReusableWorkflow: strings.ToLower(s.ReusableWorkflow),
	}
}

// SpecOf is the spec of c (without its Revoked state).
func SpecOf(c Credential) CredentialSpec {
	return CredentialSpec{
		Name: c.Name, Secret: c.Secret, Type: string(c.Kind), User: c.User, Scopes: c.Scopes,
		Repository: c.Repository, Packages: string(c.Packages), Event: c.Event, Fork: c.Fork,
		Dependabot: c.Dependabot, App: c.App, ReusableWorkflow: c.ReusableWorkflow,
	}
}

// LogAttrs are the change's key/value pairs for a log record (op, then the
// fields it sets), never a secret.
func (c Change) LogAttrs() []any {
	attrs := []any{"op", string(c.Op)}
	name := c.Name
	if c.Credential != nil {
		name = c.Credential.Name
	}
	for _, kv := range [][2]string{{"package", c.Package}, {"repository", c.Repository}, {"user", c.User},
		{"role", c.Role}, {"visibility", c.Visibility}, {"credential", name}} {
		if kv[1] != "" {
			attrs = append(attrs, kv[0], kv[1])
		}
	}
	return attrs
}

// Describe says in words what the change does, never with a secret.
func (c Change) Describe() string {
	switch c.Op {
	case OpSetActionsAccess:
		return fmt.Sprintf("%s: Manage Actions access: repository %s has role %s", c.Package, c.Repository, strings.ToLower(c.Role))
	case OpRemoveActionsAccess:
		return fmt.Sprintf("%s: Manage Actions access: repository %s removed", c.Package, c.Repository)
	case OpSetVisibility:
		return fmt.Sprintf("%s: visibility is %s", c.Package, c.Visibility)
	case OpLinkRepository:
		if c.Repository == "" {
			return fmt.Sprintf("%s: no longer connected to a repository", c.Package)
		}
		return fmt.Sprintf("%s: connected to repository %s", c.Package, c.Repository)
	case OpSetInheritAccess:
		state := "off"
		if c.Inherit != nil && *c.Inherit {
			state = "on"
		}
		return fmt.Sprintf("%s: inherit access from source repository: %s", c.Package, state)
	case OpSetUserRole:
		return fmt.Sprintf("%s: Manage access: user %s has role %s", c.Package, c.User, strings.ToLower(c.Role))
	case OpRemoveUserRole:
		return fmt.Sprintf("%s: Manage access: user %s removed", c.Package, c.User)
	case OpSetWorkflowPermission:
		return fmt.Sprintf("%s: workflow permissions: %s", c.Repository, c.WorkflowPermission)
	case OpAddCredential:
		if c.Credential == nil {
			return "credential added"
		}
		return "credential " + c.Credential.Name + " added (" + c.Credential.describe() + ")"
	case OpRevokeCredential:
		return "credential " + c.Name + " revoked: refused from now on"
	case OpRemoveCredential:
		return "credential " + c.Name + " removed"
	}
	return "applied " + string(c.Op)
}

// describe describes a credential spec without its secret.
func (s CredentialSpec) describe() string {
	parts := []string{s.Type}
	if s.User != "" {
		parts = append(parts, "user "+s.User)
	}
	if len(s.Scopes) > 0 {
		parts = append(parts, "scopes "+strings.Join(s.Scopes, " "))
	}
	if s.Repository != "" {
		parts = append(parts, "repository "+s.Repository)
	}
	if s.Packages != "" {
		parts = append(parts, "packages: "+s.Packages)
	}
	if s.Fork {
		parts = append(parts, "fork")
	}
	if s.Dependabot {
		parts = append(parts, "dependabot")
	}
	if s.App != "" {
		parts = append(parts, "app "+s.App)
	}
	return strings.Join(parts, ", ")
}
