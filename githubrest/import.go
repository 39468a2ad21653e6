package githubrest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// ImportOptions say what to import besides the owner's packages.
type ImportOptions struct {
	// Repositories ("owner/name") to read besides those the packages are
	// linked to.
	Repositories []string
}

// Import reads owner's container packages, the repositories they are
// linked to and opts.Repositories into a world. Fields GitHub does not
// expose are marked unknown. The scenario's name is the owner's login.
func (c *Client) Import(ctx context.Context, owner string, opts ImportOptions) (*scenarios.Scenario, error) {
	login := strings.ToLower(owner)
	if !authz.ValidLogin(login) {
		return nil, fmt.Errorf("%q is not a GitHub login", owner)
	}
	pkgs, org, err := c.ListPackages(ctx, login)
	if err != nil {
		return nil, err
	}
	im := &importer{c: c, s: &scenarios.Scenario{
		Name: login,
		Description: fmt.Sprintf("Imported by `fakeghcr world import %s` from %s. Fields GitHub's REST API does not expose\n"+
			"are marked unknown: fill them in from the settings pages before serving this world.\n", login, c.opts.BaseURL),
		World: authz.World{Owners: map[string]authz.Owner{}, Repositories: map[string]authz.Repository{}, Packages: map[string]authz.Package{}},
		Tags:  map[string][]string{},
	}, listed: map[string]*Repository{}}
	im.addOwner(login, org)
	for _, p := range pkgs {
		if p.PackageType != "" && p.PackageType != "container" {
			continue
		}
		im.addPackage(login, org, p)
	}
	for _, r := range opts.Repositories {
		full := strings.ToLower(r)
		if o, n, ok := strings.Cut(full, "/"); !ok || o == "" || n == "" || strings.Contains(n, "/") {
			return nil, fmt.Errorf("--repository %q: want OWNER/REPO", r)
		}
		if _, ok := im.listed[full]; !ok {
			im.listed[full] = nil
		}
	}
	names := slices.Sorted(maps.Keys(im.listed))
	for i, full := range names {
		if err := im.addRepository(ctx, full); err != nil {
			return nil, err
		}
		if len(names) > 20 && (i+1)%20 == 0 {
			c.progress(fmt.Sprintf("read %d of %d repositories", i+1, len(names)))
		}
	}
	// A package whose repository could not be declared keeps no link.
	for name, p := range im.s.World.Packages {
		if _, ok := im.s.World.Repositories[p.Repository]; p.Repository != "" && !ok {
			p.Repository, p.RepositoryID = "", 0
			im.s.World.Packages[name] = p
		}
	}
	return im.s, nil
}

type importer struct {
	c *Client
	s *scenarios.Scenario
	// listed holds the repositories to read, with what a package listing
	// told about them (nil for those named by --repository only).
	listed map[string]*Repository
}

func (im *importer) unknown(section, name string, keys ...string) {
	for _, k := range keys {
		im.s.Unknowns = append(im.s.Unknowns, scenarios.Unknown{Section: section, Name: name, Key: k})
	}
}

// addOwner declares an owner; an organization's people and settings are
// not in the API fakeghcr reads, so they are unknown.
func (im *importer) addOwner(login string, org bool) {
	if _, ok := im.s.World.Owners[login]; ok {
		return
	}
	o := authz.Owner{Login: login, Type: authz.User}
	if org {
		o.Type = authz.Organization
		im.unknown("owners", login, "members", "owners", "teams", "package_creation",
			"forbid_classic_pat", "forbid_workflow_write", "inherit_access_default")
	}
	im.s.World.Owners[login] = o
}

func (im *importer) addPackage(owner string, org bool, p Package) {
	name := owner + "/" + strings.ToLower(p.Name)
	pkg := authz.Package{Name: name, Visibility: authz.Visibility(cmp.Or(p.Visibility, string(authz.Private)))}
	if r := p.Repository; r != nil && r.FullName != "" {
		full := strings.ToLower(r.FullName)
		if ro, _, _ := strings.Cut(full, "/"); ro == owner {
			pkg.Repository, pkg.RepositoryID = full, r.ID
			if im.listed[full] == nil {
				im.listed[full] = r
			}
		}
	}
	im.s.World.Packages[name] = pkg
	im.unknown("packages", name, "inherit_access", "actions_access", "users")
	if org {
		im.unknown("packages", name, "teams")
	}
}

// addRepository reads one repository and its default workflow permissions.
// A repository the token cannot read keeps what the package listing told
// (its id, and public or not); one only --repository names is an error.
func (im *importer) addRepository(ctx context.Context, full string) error {
	r, err := im.c.Repository(ctx, full)
	hidden := errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden)
	switch {
	case err == nil:
	case hidden && im.listed[full] != nil:
		r = *im.listed[full]
	case hidden:
		return fmt.Errorf("repository %s: %w", full, err)
	default:
		return err
	}
	owner, _, _ := strings.Cut(full, "/")
	if _, ok := im.s.World.Owners[owner]; !ok {
		im.addOwner(owner, r.Owner.Type == "Organization")
	}
	repo := authz.Repository{Name: full, ID: r.ID, Visibility: authz.Visibility(r.Visibility), WorkflowPermission: authz.RoleRead}
	switch {
	case repo.Visibility != "":
	case !r.Private:
		repo.Visibility = authz.Public
	default:
		// private or internal: the minimal repository does not say.
		repo.Visibility = authz.Private
		im.unknown("repositories", full, "visibility")
	}
	if hidden {
		im.unknown("repositories", full, "workflow_permission")
	} else {
		wp, err := im.c.WorkflowPermissions(ctx, full)
		switch {
		case err == nil && wp.DefaultWorkflowPermissions == "write":
			repo.WorkflowPermission = authz.RoleWrite
		case err == nil:
		case errors.Is(err, ErrNotFound), errors.Is(err, ErrForbidden), errors.Is(err, ErrScope):
			im.unknown("repositories", full, "workflow_permission")
		default:
			return err
		}
	}
	im.unknown("repositories", full, "collaborators")
	im.s.World.Repositories[full] = repo
	return nil
}
