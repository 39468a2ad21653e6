package registry

import (
	"fmt"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// The change API lives beside the world it edits, in authz; these names
// keep the registry's API as it was.

// ErrInvalidChange is wrapped by every error Apply returns for a change
// that names something that does not exist or a value that is not allowed.
var ErrInvalidChange = authz.ErrInvalidChange

// Change is one edit a user would make on github.com (authz.Change).
type Change = authz.Change

// CredentialSpec is a credential as the admin API takes it.
type CredentialSpec = authz.CredentialSpec

// Change operations (authz.Ops describes each).
const (
	OpSetActionsAccess      = authz.OpSetActionsAccess
	OpRemoveActionsAccess   = authz.OpRemoveActionsAccess
	OpSetVisibility         = authz.OpSetVisibility
	OpLinkRepository        = authz.OpLinkRepository
	OpSetInheritAccess      = authz.OpSetInheritAccess
	OpSetUserRole           = authz.OpSetUserRole
	OpRemoveUserRole        = authz.OpRemoveUserRole
	OpSetWorkflowPermission = authz.OpSetWorkflowPermission
	OpAddCredential         = authz.OpAddCredential
	OpRevokeCredential      = authz.OpRevokeCredential
	OpRemoveCredential      = authz.OpRemoveCredential
)

// load installs a scenario as the current and initial world and preloads
// its tags.
func (s *Server) load(sc *scenarios.Scenario) error {
	w := sc.World.Clone()
	ensureMaps(&w)
	if err := w.Validate(); err != nil {
		return fmt.Errorf("scenario %q: the world is not valid: %w", sc.Name, err)
	}
	s.mu.Lock()
	s.current.Store(newView(w, s.current.Load()))
	s.initial, s.settings = sc, sc.Settings
	s.mu.Unlock()
	return s.preload(sc)
}

func ensureMaps(w *authz.World) {
	if w.Owners == nil {
		w.Owners = map[string]authz.Owner{}
	}
	if w.Repositories == nil {
		w.Repositories = map[string]authz.Repository{}
	}
	if w.Packages == nil {
		w.Packages = map[string]authz.Package{}
	}
}

// World returns a copy of the current world.
func (s *Server) World() authz.World { return s.snapshot().world.Clone() }

// Reset restores the world the server started with. Registry data (blobs,
// manifests, tags) is kept: permissions never delete content.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.initial.World.Clone()
	ensureMaps(&w)
	s.current.Store(newView(w, s.current.Load()))
}

// Export returns the current world as a scenario (the file format).
func (s *Server) Export() *scenarios.Scenario {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc := &scenarios.Scenario{
		Name:        s.initial.Name,
		Description: s.initial.Description,
		Fix:         s.initial.Fix,
		World:       s.current.Load().world.Clone(),
		Settings:    s.settings,
		Tags:        map[string][]string{},
	}
	for pkg := range s.current.Load().world.Packages {
		if tags, err := s.store.Tags(pkg); err == nil && len(tags) > 0 {
			sc.Tags[pkg] = tags
		}
	}
	return sc
}

// renewedBy names the credentials whose tokens change c voids: the one it
// adds, revokes or removes.
func renewedBy(c Change) []string {
	switch c.Op {
	case OpAddCredential:
		if c.Credential != nil {
			return []string{c.Credential.Name}
		}
	case OpRevokeCredential, OpRemoveCredential:
		return []string{c.Name}
	}
	return nil
}

// Apply makes one change to the world, copy-on-write: requests in flight
// keep the world they started with.
func (s *Server) Apply(c Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.current.Load().world.Apply(c)
	if err != nil {
		return err
	}
	s.current.Store(newView(w, s.current.Load(), renewedBy(c)...))
	return nil
}
