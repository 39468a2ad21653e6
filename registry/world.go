package registry

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// ErrInvalidChange is wrapped by every error Apply returns for a change
// that names something that does not exist or a value that is not allowed.
var ErrInvalidChange = errors.New("invalid change")

// Change is one edit a user would make on github.com, applied to a running
// server (admin API, CLI, or the Go fixture). Fields not used by Op are
// ignored.
type Change struct {
	// Op is one of the Op* constants.
	Op         string `json:"op"`
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

// Change operations.
const (
	OpSetActionsAccess      = "set_actions_access"      // Package settings -> Manage Actions access -> Add repository / change role
	OpRemoveActionsAccess   = "remove_actions_access"   // ... -> remove repository
	OpSetVisibility         = "set_visibility"          // Package settings -> Danger Zone -> Change visibility
	OpLinkRepository        = "link_repository"         // Package settings -> Repository source (Repository "" unlinks)
	OpSetInheritAccess      = "set_inherit_access"      // Package settings -> Inherit access from source repository
	OpSetUserRole           = "set_user_role"           // Package settings -> Manage access -> Invite / change role
	OpRemoveUserRole        = "remove_user_role"        // ... -> remove
	OpSetWorkflowPermission = "set_workflow_permission" // Repository settings -> Actions -> General -> Workflow permissions
	OpAddCredential         = "add_credential"          // a new token
	OpRevokeCredential      = "revoke_credential"       // the token is revoked (kept, refused)
	OpRemoveCredential      = "remove_credential"       // the token is forgotten
)

// Ops lists every change operation.
func Ops() []string {
	return []string{OpSetActionsAccess, OpRemoveActionsAccess, OpSetVisibility, OpLinkRepository,
		OpSetInheritAccess, OpSetUserRole, OpRemoveUserRole, OpSetWorkflowPermission,
		OpAddCredential, OpRevokeCredential, OpRemoveCredential}
}

// CredentialSpec is a credential as the admin API takes it (the scenario
// file's fields).
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
}

// load installs a scenario as the current and initial world and preloads
// its tags.
func (s *Server) load(sc *scenarios.Scenario) error {
	w := sc.World.Clone()
	ensureMaps(&w)
	s.mu.Lock()
	s.view, s.initial, s.settings = newView(w), sc, sc.Settings
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
	s.view = newView(w)
}

// Export returns the current world as a scenario (the file format).
func (s *Server) Export() *scenarios.Scenario {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc := &scenarios.Scenario{
		Name:        s.initial.Name,
		Description: s.initial.Description,
		Fix:         s.initial.Fix,
		World:       s.view.world.Clone(),
		Settings:    s.settings,
		Tags:        map[string][]string{},
	}
	for pkg := range s.view.world.Packages {
		if tags, err := s.store.Tags(pkg); err == nil && len(tags) > 0 {
			sc.Tags[pkg] = tags
		}
	}
	return sc
}

// Apply makes one change to the world, copy-on-write: requests in flight
// keep the world they started with.
func (s *Server) Apply(c Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.view.world.Clone()
	ensureMaps(&w)
	if err := applyChange(&w, c); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalidChange, c.Op, err)
	}
	// The world must stay one a scenario file can describe, so that
	// export (GET /_fakeghcr/world) always works.
	if _, err := scenarios.Marshal(&scenarios.Scenario{Name: s.initial.Name, World: w, Settings: s.settings}); err != nil {
		return fmt.Errorf("%w: %s: the resulting world is not valid: %w", ErrInvalidChange, c.Op, err)
	}
	s.view = newView(w)
	return nil
}

func applyChange(w *authz.World, c Change) error {
	switch c.Op {
	case OpSetActionsAccess, OpRemoveActionsAccess:
		pkg, err := lookupPackage(w, c.Package)
		if err != nil {
			return err
		}
		repo, err := lookupRepository(w, c.Repository)
		if err != nil {
			return err
		}
		pkg.ActionsAccess = slices.DeleteFunc(slices.Clone(pkg.ActionsAccess), func(g authz.RepoGrant) bool {
			return strings.EqualFold(g.Repository, repo.Name)
		})
		if c.Op == OpSetActionsAccess {
			role, err := parseRole(c.Role)
			if err != nil {
				return err
			}
			pkg.ActionsAccess = append(pkg.ActionsAccess, authz.RepoGrant{Repository: repo.Name, RepositoryID: repo.ID, Role: role})
		}
		w.Packages[key(pkg.Name)] = pkg
	case OpSetVisibility:
		pkg, err := lookupPackage(w, c.Package)
		if err != nil {
			return err
		}
		v := authz.Visibility(c.Visibility)
		if v != authz.Private && v != authz.Public && v != authz.Internal {
			return fmt.Errorf("unknown visibility %q (want private, public or internal)", c.Visibility)
		}
		pkg.Visibility = v
		w.Packages[key(pkg.Name)] = pkg
	case OpLinkRepository:
		pkg, err := lookupPackage(w, c.Package)
		if err != nil {
			return err
		}
		pkg.Repository, pkg.RepositoryID = "", 0
		if c.Repository != "" {
			repo, err := lookupRepository(w, c.Repository)
			if err != nil {
				return err
			}
			if repo.Owner() != pkg.Owner() {
				return fmt.Errorf("repository %s belongs to another owner than package %s", repo.Name, pkg.Name)
			}
			pkg.Repository, pkg.RepositoryID = repo.Name, repo.ID
		}
		w.Packages[key(pkg.Name)] = pkg
	case OpSetInheritAccess:
		pkg, err := lookupPackage(w, c.Package)
		if err != nil {
			return err
		}
		if c.Inherit == nil {
			return errors.New("inherit_access: missing (want true or false)")
		}
		pkg.InheritAccess = *c.Inherit
		w.Packages[key(pkg.Name)] = pkg
	case OpSetUserRole, OpRemoveUserRole:
		pkg, err := lookupPackage(w, c.Package)
		if err != nil {
			return err
		}
		if o, ok := w.Owners[key(c.User)]; !ok || o.Type != authz.User {
			return fmt.Errorf("unknown user %q", c.User)
		}
		users := map[string]authz.Role{}
		for u, r := range pkg.Users {
			users[u] = r
		}
		delete(users, key(c.User))
		if c.Op == OpSetUserRole {
			role, err := parseRole(c.Role)
			if err != nil {
				return err
			}
			users[key(c.User)] = role
		}
		pkg.Users = users
		w.Packages[key(pkg.Name)] = pkg
	case OpSetWorkflowPermission:
		repo, err := lookupRepository(w, c.Repository)
		if err != nil {
			return err
		}
		p := authz.Role(c.WorkflowPermission)
		if p != authz.RoleRead && p != authz.RoleWrite {
			return fmt.Errorf("unknown workflow permission %q (want read or write)", c.WorkflowPermission)
		}
		repo.WorkflowPermission = p
		w.Repositories[key(repo.Name)] = repo
	case OpAddCredential:
		cred, err := credentialFromSpec(w, c.Credential)
		if err != nil {
			return err
		}
		w.Credentials = append(w.Credentials, cred)
		// The wildcard matches last: keep it at the end.
		slices.SortStableFunc(w.Credentials, func(a, b authz.Credential) int {
			return boolInt(a.Secret == authz.Wildcard) - boolInt(b.Secret == authz.Wildcard)
		})
	case OpRevokeCredential, OpRemoveCredential:
		i := slices.IndexFunc(w.Credentials, func(cr authz.Credential) bool { return cr.Name == c.Name })
		if i < 0 {
			return fmt.Errorf("unknown credential %q", c.Name)
		}
		w.Credentials = slices.Clone(w.Credentials)
		if c.Op == OpRevokeCredential {
			w.Credentials[i].Revoked = true
		} else {
			w.Credentials = slices.Delete(w.Credentials, i, i+1)
		}
	default:
		return fmt.Errorf("unknown op %q (want one of %s)", c.Op, strings.Join(Ops(), ", "))
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func key(name string) string { return strings.ToLower(name) }

func lookupPackage(w *authz.World, name string) (authz.Package, error) {
	p, ok := w.Packages[key(name)]
	if !ok {
		return authz.Package{}, fmt.Errorf("unknown package %q", name)
	}
	return p, nil
}

func lookupRepository(w *authz.World, name string) (authz.Repository, error) {
	r, ok := w.Repositories[key(name)]
	if !ok {
		return authz.Repository{}, fmt.Errorf("unknown repository %q", name)
	}
	return r, nil
}

func parseRole(s string) (authz.Role, error) {
	switch r := authz.Role(strings.ToLower(s)); r {
	case authz.RoleRead, authz.RoleWrite, authz.RoleAdmin:
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q (want read, write or admin)", s)
}

func credentialFromSpec(w *authz.World, spec *CredentialSpec) (authz.Credential, error) {
	if spec == nil {
		return authz.Credential{}, errors.New("credential: missing")
	}
	if spec.Name == "" || spec.Secret == "" {
		return authz.Credential{}, errors.New("credential: name and secret are required")
	}
	for _, c := range w.Credentials {
		if c.Name == spec.Name {
			return authz.Credential{}, fmt.Errorf("credential %q already exists", spec.Name)
		}
		if c.Secret == spec.Secret {
			return authz.Credential{}, fmt.Errorf("credential %q: another credential has the same secret", spec.Name)
		}
	}
	cred := authz.Credential{
		Name: spec.Name, Secret: spec.Secret, Kind: authz.CredentialKind(spec.Type),
		User: key(spec.User), Scopes: spec.Scopes, Repository: key(spec.Repository),
		Packages: authz.Role(spec.Packages), Event: spec.Event, Fork: spec.Fork,
		Dependabot: spec.Dependabot, App: spec.App,
	}
	switch cred.Kind {
	case authz.ClassicPAT, authz.OAuth, authz.FineGrainedPAT:
		if _, ok := w.Owners[cred.User]; !ok {
			return authz.Credential{}, fmt.Errorf("credential %q: unknown user %q", spec.Name, spec.User)
		}
	case authz.GitHubToken:
		if _, err := lookupRepository(w, cred.Repository); err != nil {
			return authz.Credential{}, fmt.Errorf("credential %q: %w", spec.Name, err)
		}
		switch cred.Packages {
		case "", authz.RoleRead, authz.RoleWrite, authz.PackagesNone:
		default:
			return authz.Credential{}, fmt.Errorf("credential %q: unknown packages permission %q (want read, write or none)", spec.Name, spec.Packages)
		}
	case authz.AppInstallation:
	default:
		return authz.Credential{}, fmt.Errorf("credential %q: unknown type %q (want classic_pat, oauth, fine_grained_pat, github_token or app_installation)", spec.Name, spec.Type)
	}
	return cred, nil
}
