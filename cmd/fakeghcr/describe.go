package main

import (
	"fmt"
	"strings"

	"github.com/fakeghcr/fakeghcr/registry"
)

// describeChange says in words what a change did.
func describeChange(c registry.Change) string {
	switch c.Op {
	case registry.OpSetActionsAccess:
		return fmt.Sprintf("%s: Manage Actions access: repository %s has role %s", c.Package, c.Repository, strings.ToLower(c.Role))
	case registry.OpRemoveActionsAccess:
		return fmt.Sprintf("%s: Manage Actions access: repository %s removed", c.Package, c.Repository)
	case registry.OpSetVisibility:
		return fmt.Sprintf("%s: visibility is %s", c.Package, c.Visibility)
	case registry.OpLinkRepository:
		if c.Repository == "" {
			return fmt.Sprintf("%s: no longer connected to a repository", c.Package)
		}
		return fmt.Sprintf("%s: connected to repository %s", c.Package, c.Repository)
	case registry.OpSetInheritAccess:
		state := "off"
		if c.Inherit != nil && *c.Inherit {
			state = "on"
		}
		return fmt.Sprintf("%s: inherit access from source repository: %s", c.Package, state)
	case registry.OpSetUserRole:
		return fmt.Sprintf("%s: Manage access: user %s has role %s", c.Package, c.User, strings.ToLower(c.Role))
	case registry.OpRemoveUserRole:
		return fmt.Sprintf("%s: Manage access: user %s removed", c.Package, c.User)
	case registry.OpSetWorkflowPermission:
		return fmt.Sprintf("%s: workflow permissions: %s", c.Repository, c.WorkflowPermission)
	case registry.OpAddCredential:
		return "credential " + c.Credential.Name + " added (" + describeSpec(c.Credential) + ")"
	case registry.OpRevokeCredential:
		return "credential " + c.Name + " revoked: refused from now on"
	case registry.OpRemoveCredential:
		return "credential " + c.Name + " removed"
	}
	return "applied " + c.Op
}

// describeSpec describes a credential without its secret.
func describeSpec(s *registry.CredentialSpec) string {
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
	for _, f := range []struct {
		on   bool
		name string
	}{{s.Fork, "fork"}, {s.Dependabot, "dependabot"}} {
		if f.on {
			parts = append(parts, f.name)
		}
	}
	if s.App != "" {
		parts = append(parts, "app "+s.App)
	}
	return strings.Join(parts, ", ")
}
