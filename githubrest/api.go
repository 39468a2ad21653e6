package githubrest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// The parts of GitHub's JSON that fakeghcr reads.

// Owner is GitHub's "simple-user" owner of a package or repository.
type Owner struct {
	Login string `json:"login"`
	ID    int64  `json:"id"`
	// Type is "User" or "Organization".
	Type string `json:"type"`
}

// Repository is GitHub's repository ("minimal-repository" in a package,
// "full-repository" from /repos/).
type Repository struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	FullName string `json:"full_name"`
	Private  bool   `json:"private"`
	Owner    Owner  `json:"owner"`
	// Visibility is public, private or internal; a minimal repository
	// (inside a package) may leave it out.
	Visibility string `json:"visibility"`
}

// Package is GitHub's "package".
type Package struct {
	ID          int64       `json:"id"`
	Name        string      `json:"name"`
	PackageType string      `json:"package_type"`
	Owner       Owner       `json:"owner"`
	Visibility  string      `json:"visibility"`
	Repository  *Repository `json:"repository"`
}

// WorkflowPermissions is GitHub's default workflow permissions of a repository.
type WorkflowPermissions struct {
	DefaultWorkflowPermissions   string `json:"default_workflow_permissions"`
	CanApprovePullRequestReviews bool   `json:"can_approve_pull_request_reviews"`
}

// ListPackages lists owner's container packages, every page. It tries the
// organization endpoint first and the user endpoint after its 404, and
// says which answered.
func (c *Client) ListPackages(ctx context.Context, owner string) (pkgs []Package, org bool, err error) {
	o := url.PathEscape(owner)
	pkgs, err = c.listAll(ctx, "/orgs/"+o+"/packages?package_type=container&per_page=100", "packages of "+owner)
	if err == nil {
		return pkgs, true, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, false, err
	}
	pkgs, err = c.listAll(ctx, "/users/"+o+"/packages?package_type=container&per_page=100", "packages of "+owner)
	if errors.Is(err, ErrNotFound) {
		return nil, false, fmt.Errorf("%w: GitHub knows no user or organization %q (or hides it from this token)", err, owner)
	}
	return pkgs, false, err
}

// listAll follows the pages of a package listing.
func (c *Client) listAll(ctx context.Context, path, what string) ([]Package, error) {
	var all []Package
	for page := 1; path != ""; page++ {
		if !c.sameHost(path) {
			return nil, fmt.Errorf("GitHub's next-page link %q leaves %s: not followed (the token would go with it)", path, c.opts.BaseURL)
		}
		var batch []Package
		next, err := c.get(ctx, path, &batch)
		if err != nil {
			return nil, err
		}
		all = append(all, batch...)
		if page > 1 || next != "" {
			c.progress(fmt.Sprintf("listed %d %s (page %d)", len(all), what, page))
		}
		path = next
		if page >= 1000 {
			return nil, fmt.Errorf("listing %s: more than 1000 pages", what)
		}
	}
	return all, nil
}

// sameHost reports whether an absolute next-page URL stays on the API's
// scheme and host.
func (c *Client) sameHost(path string) bool {
	if strings.HasPrefix(path, "/") {
		return true
	}
	u, err1 := url.Parse(path)
	base, err2 := url.Parse(c.opts.BaseURL)
	return err1 == nil && err2 == nil && u.Scheme == base.Scheme && u.Host == base.Host
}

// Package gets one container package of owner (org says which endpoint).
func (c *Client) Package(ctx context.Context, owner, name string, org bool) (Package, error) {
	kind := "users"
	if org {
		kind = "orgs"
	}
	var p Package
	_, err := c.get(ctx, "/"+kind+"/"+url.PathEscape(owner)+"/packages/container/"+url.PathEscape(name), &p)
	return p, err
}

// Repository gets a repository ("owner/name").
func (c *Client) Repository(ctx context.Context, full string) (Repository, error) {
	var r Repository
	_, err := c.get(ctx, "/repos/"+escapeRepo(full), &r)
	return r, err
}

// WorkflowPermissions gets a repository's default workflow permissions
// (the token needs admin on it).
func (c *Client) WorkflowPermissions(ctx context.Context, full string) (WorkflowPermissions, error) {
	var w WorkflowPermissions
	_, err := c.get(ctx, "/repos/"+escapeRepo(full)+"/actions/permissions/workflow", &w)
	return w, err
}

func escapeRepo(full string) string {
	owner, name, _ := strings.Cut(full, "/")
	return url.PathEscape(owner) + "/" + url.PathEscape(name)
}

// Account gets a user or organization (GET /users/{username}); org says
// which.
func (c *Client) Account(ctx context.Context, login string) (org bool, err error) {
	var o Owner
	if _, err := c.get(ctx, "/users/"+url.PathEscape(login), &o); err != nil {
		return false, err
	}
	return o.Type == "Organization", nil
}
