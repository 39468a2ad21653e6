package authz

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Apply returns the world after change c, leaving w untouched. An error
// wraps ErrInvalidChange: c names something w does not have, carries a
// value GitHub does not offer, or would leave a world Validate refuses.
func (w World) Apply(c Change) (World, error) {
	i := slices.IndexFunc(Ops(), func(o OpInfo) bool { return o.Op == c.Op })
	if i < 0 {
		return w, fmt.Errorf("%w: unknown op %q (want one of %s)", ErrInvalidChange, c.Op, opNames())
	}
	next := w.Clone()
	next.ensureMaps()
	if err := Ops()[i].apply(&next, c); err != nil {
		return w, fmt.Errorf("%w: %s: %w", ErrInvalidChange, c.Op, err)
	}
	if err := next.Validate(); err != nil {
		return w, fmt.Errorf("%w: %s: the resulting world is not valid: %w", ErrInvalidChange, c.Op, err)
	}
	return next, nil
}

// WithPackage returns a copy of w that also holds p: the package a first
// push creates (NewPackage says how). w is untouched.
func (w World) WithPackage(p Package) World {
	next := w.Clone()
	next.ensureMaps()
	next.putPackage(p)
	return next
}

// ensureMaps makes the world's maps non-nil so that operations can store.
func (w *World) ensureMaps() {
	if w.Owners == nil {
		w.Owners = map[string]Owner{}
	}
	if w.Repositories == nil {
		w.Repositories = map[string]Repository{}
	}
	if w.Packages == nil {
		w.Packages = map[string]Package{}
	}
}

func setActionsAccess(w *World, c Change) error {
	pkg, repo, err := packageAndRepository(w, c)
	if err != nil {
		return err
	}
	role, err := ParsePackageRole(c.Role)
	if err != nil {
		return err
	}
	pkg.ActionsAccess = append(withoutGrant(pkg.ActionsAccess, repo.Name), RepoGrant{Repository: repo.Name, RepositoryID: repo.ID, Role: role})
	w.putPackage(pkg)
	return nil
}

func removeActionsAccess(w *World, c Change) error {
	pkg, repo, err := packageAndRepository(w, c)
	if err != nil {
		return err
	}
	pkg.ActionsAccess = withoutGrant(pkg.ActionsAccess, repo.Name)
	w.putPackage(pkg)
	return nil
}

func withoutGrant(grants []RepoGrant, repo string) []RepoGrant {
	return slices.DeleteFunc(slices.Clone(grants), func(g RepoGrant) bool { return strings.EqualFold(g.Repository, repo) })
}

func setVisibility(w *World, c Change) error {
	pkg, err := w.mustPackage(c.Package)
	if err != nil {
		return err
	}
	v, err := ParseVisibility(c.Visibility)
	if err != nil {
		return err
	}
	pkg.Visibility = v
	w.putPackage(pkg)
	return nil
}

func linkRepository(w *World, c Change) error {
	pkg, err := w.mustPackage(c.Package)
	if err != nil {
		return err
	}
	pkg.Repository, pkg.RepositoryID = "", 0
	if c.Repository != "" {
		repo, err := w.mustRepository(c.Repository)
		if err != nil {
			return err
		}
		if repo.Owner() != pkg.Owner() {
			return fmt.Errorf("repository %s belongs to another owner than package %s", repo.Name, pkg.Name)
		}
		pkg.Repository, pkg.RepositoryID = repo.Name, repo.ID
	}
	w.putPackage(pkg)
	return nil
}

func setInheritAccess(w *World, c Change) error {
	pkg, err := w.mustPackage(c.Package)
	if err != nil {
		return err
	}
	if c.Inherit == nil {
		return errors.New("inherit_access: missing (want true or false)")
	}
	pkg.InheritAccess = *c.Inherit
	w.putPackage(pkg)
	return nil
}

func setUserRole(w *World, c Change) error {
	pkg, user, err := packageAndUser(w, c)
	if err != nil {
		return err
	}
	role, err := ParsePackageRole(c.Role)
	if err != nil {
		return err
	}
	pkg.Users = maps.Clone(pkg.Users)
	if pkg.Users == nil {
		pkg.Users = map[string]Role{}
	}
	pkg.Users[user] = role
	w.putPackage(pkg)
	return nil
}

func removeUserRole(w *World, c Change) error {
	pkg, user, err := packageAndUser(w, c)
	if err != nil {
		return err
	}
	pkg.Users = maps.Clone(pkg.Users)
	delete(pkg.Users, user)
	w.putPackage(pkg)
	return nil
}

func setWorkflowPermission(w *World, c Change) error {
	repo, err := w.mustRepository(c.Repository)
	if err != nil {
		return err
	}
	switch p := Role(c.WorkflowPermission); p {
	case RoleWrite:
		if o, ok := w.Owner(ownerOf(repo.Name)); ok && o.ForbidWorkflowWrite {
			return ErrWorkflowWriteDisabled
		}
		repo.WorkflowPermission = p
	case RoleRead:
		repo.WorkflowPermission = p
	default:
		return fmt.Errorf("unknown workflow permission %q (want read or write)", c.WorkflowPermission)
	}
	w.Repositories[strings.ToLower(repo.Name)] = repo
	return nil
}

func addCredential(w *World, c Change) error {
	if c.Credential == nil {
		return errors.New("credential: missing")
	}
	cred := c.Credential.Credential()
	for _, old := range w.Credentials {
		switch {
		case old.Name == cred.Name:
			return fmt.Errorf("credential %q already exists", cred.Name)
		case old.Secret == cred.Secret && cred.Secret != "":
			return fmt.Errorf("credential %q: another credential has the same secret", cred.Name)
		}
	}
	i := len(w.Credentials)
	if problems := CredentialProblems(*w, append(slices.Clone(w.Credentials), cred)); len(problems) > 0 {
		// Only the new credential's problems: the others were valid.
		prefix := fmt.Sprintf("credentials[%d].", i)
		var errs []error
		for _, p := range problems {
			if field, ok := strings.CutPrefix(p.Path, prefix); ok {
				errs = append(errs, fmt.Errorf("credential %q: %s: %w", cred.Name, field, p.Err))
			}
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	w.Credentials = append(w.Credentials, cred)
	// The wildcard matches last: keep it at the end.
	slices.SortStableFunc(w.Credentials, func(a, b Credential) int {
		return boolInt(a.Secret == Wildcard) - boolInt(b.Secret == Wildcard)
	})
	return nil
}

func revokeCredential(w *World, c Change) error {
	i, err := w.credentialIndex(c.Name)
	if err != nil {
		return err
	}
	w.Credentials[i].Revoked = true
	return nil
}

func removeCredential(w *World, c Change) error {
	i, err := w.credentialIndex(c.Name)
	if err != nil {
		return err
	}
	w.Credentials = slices.Delete(w.Credentials, i, i+1)
	return nil
}

func (w *World) credentialIndex(name string) (int, error) {
	i := slices.IndexFunc(w.Credentials, func(cr Credential) bool { return cr.Name == name })
	if i < 0 {
		return 0, fmt.Errorf("unknown credential %q", name)
	}
	return i, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (w *World) mustPackage(name string) (Package, error) {
	p, ok := w.Package(name)
	if !ok {
		return Package{}, fmt.Errorf("unknown package %q", name)
	}
	return p, nil
}

func (w *World) mustRepository(name string) (Repository, error) {
	r, ok := w.Repository(name)
	if !ok {
		return Repository{}, fmt.Errorf("unknown repository %q", name)
	}
	return r, nil
}

func (w *World) putPackage(p Package) { w.Packages[strings.ToLower(p.Name)] = p }

func packageAndRepository(w *World, c Change) (Package, Repository, error) {
	pkg, err := w.mustPackage(c.Package)
	if err != nil {
		return Package{}, Repository{}, err
	}
	repo, err := w.mustRepository(c.Repository)
	return pkg, repo, err
}

// packageAndUser finds the package and the user (lower-case login) a role
// change names.
func packageAndUser(w *World, c Change) (Package, string, error) {
	pkg, err := w.mustPackage(c.Package)
	if err != nil {
		return Package{}, "", err
	}
	if o, ok := w.Owner(c.User); !ok || o.Type != User {
		return Package{}, "", fmt.Errorf("unknown user %q", c.User)
	}
	return pkg, strings.ToLower(c.User), nil
}

// ParsePackageRole reads a package role (read, write or admin; any case).
func ParsePackageRole(s string) (Role, error) {
	switch r := Role(strings.ToLower(s)); r {
	case RoleRead, RoleWrite, RoleAdmin:
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q (want read, write or admin)", s)
}

// ParseVisibility reads a visibility (private, public or internal).
func ParseVisibility(s string) (Visibility, error) {
	switch v := Visibility(s); v {
	case Private, Public, Internal:
		return v, nil
	}
	return "", fmt.Errorf("unknown visibility %q (want private, public or internal)", s)
}
