package ghcrtest

import (
	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
)

// The methods below are the admin API's changes (POST /_fakeghcr/changes) as
// typed calls: each is what a user does on github.com, applied at once to
// the running server. Content (blobs, manifests, tags) is never touched:
// images pushed before a change can still be pulled by whoever may read
// them after it. Each fails the test if the change names something the world
// does not have; Apply returns that error instead.

// Apply makes one change to the world and returns registry.ErrInvalidChange
// (wrapped) if it names something that does not exist or a bad value.
func (s *Server) Apply(c registry.Change) error {
	s.t.Helper()
	if err := s.reg.Apply(c); err != nil {
		return err
	}
	s.note("world changed", c.LogAttrs()...)
	return nil
}

// must applies c and fails the test on error.
func (s *Server) must(c registry.Change) {
	s.t.Helper()
	if err := s.Apply(c); err != nil {
		s.fatal(err)
	}
}

// SetActionsAccess adds repo to pkg's "Manage Actions access" with role, or
// changes its role (Package settings -> Manage Actions access).
func (s *Server) SetActionsAccess(pkg, repo string, role authz.Role) {
	s.t.Helper()
	s.must(registry.Change{Op: registry.OpSetActionsAccess, Package: pkg, Repository: repo, Role: string(role)})
}

// RemoveActionsAccess removes repo from pkg's "Manage Actions access".
func (s *Server) RemoveActionsAccess(pkg, repo string) {
	s.t.Helper()
	s.must(registry.Change{Op: registry.OpRemoveActionsAccess, Package: pkg, Repository: repo})
}

// SetVisibility changes pkg's visibility (Package settings -> Danger Zone).
func (s *Server) SetVisibility(pkg string, v authz.Visibility) {
	s.t.Helper()
	s.must(registry.Change{Op: registry.OpSetVisibility, Package: pkg, Visibility: string(v)})
}

// LinkRepository links pkg to repo, a repository of the same owner
// (Package settings -> Repository source); repo "" unlinks it.
func (s *Server) LinkRepository(pkg, repo string) {
	s.t.Helper()
	s.must(registry.Change{Op: registry.OpLinkRepository, Package: pkg, Repository: repo})
}

// SetInheritAccess sets pkg's "Inherit access from source repository".
func (s *Server) SetInheritAccess(pkg string, inherit bool) {
	s.t.Helper()
	s.must(registry.Change{Op: registry.OpSetInheritAccess, Package: pkg, Inherit: &inherit})
}

// SetUserRole gives user role on pkg (Package settings -> Manage access).
func (s *Server) SetUserRole(pkg, user string, role authz.Role) {
	s.t.Helper()
	s.must(registry.Change{Op: registry.OpSetUserRole, Package: pkg, User: user, Role: string(role)})
}

// RemoveUserRole removes user's role on pkg.
func (s *Server) RemoveUserRole(pkg, user string) {
	s.t.Helper()
	s.must(registry.Change{Op: registry.OpRemoveUserRole, Package: pkg, User: user})
}

// SetWorkflowPermission sets repo's default GITHUB_TOKEN permission for
// packages, authz.RoleRead or authz.RoleWrite (Repository settings ->
// Actions -> General -> Workflow permissions).
func (s *Server) SetWorkflowPermission(repo string, p authz.Role) {
	s.t.Helper()
	s.must(registry.Change{Op: registry.OpSetWorkflowPermission, Repository: repo, WorkflowPermission: string(p)})
}

// AddCredential adds a credential (a new token). Its Name and Secret must be
// new; a Revoked credential is added, then revoked.
func (s *Server) AddCredential(c authz.Credential) {
	s.t.Helper()
	spec := authz.SpecOf(c)
	s.must(registry.Change{Op: registry.OpAddCredential, Credential: &spec})
	if c.Revoked {
		s.RevokeCredential(c.Name)
	}
}

// RevokeCredential revokes the credential called name: GitHub still knows
// it, and refuses it (/token answers 403 DENIED "denied").
func (s *Server) RevokeCredential(name string) {
	s.t.Helper()
	s.must(registry.Change{Op: registry.OpRevokeCredential, Name: name})
}

// RemoveCredential forgets the credential called name.
func (s *Server) RemoveCredential(name string) {
	s.t.Helper()
	s.must(registry.Change{Op: registry.OpRemoveCredential, Name: name})
}

// Reset restores the world the server started with; content is kept.
func (s *Server) Reset() {
	s.t.Helper()
	s.reg.Reset()
	s.note("world reset")
}
