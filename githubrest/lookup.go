package githubrest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// Lookup builds the world check --github predicts in: the workflows'
// repository and each package they touch, as GitHub tells them. A
// package GitHub answers 404 for is marked unknown under the key "exists"
// (GitHub answers 404 as well for a private package the token may not
// see); what the API does not expose is unknown as in Import. The world is
// not a scenario file: it is never served.
func (c *Client) Lookup(ctx context.Context, repo string, pkgs []string) (*scenarios.Scenario, error) {
	im := &importer{c: c, s: &scenarios.Scenario{
		World: authz.World{Owners: map[string]authz.Owner{}, Repositories: map[string]authz.Repository{}, Packages: map[string]authz.Package{}},
		Tags:  map[string][]string{},
	}, listed: map[string]*Repository{}}
	orgs := map[string]bool{}
	account := func(login string) (bool, error) {
		if org, ok := orgs[login]; ok {
			return org, nil
		}
		org, err := c.Account(ctx, login)
		if err != nil {
			return false, fmt.Errorf("account %s: %w", login, err)
		}
		orgs[login] = org
		im.addOwner(login, org)
		return org, nil
	}
	repo = strings.ToLower(repo)
	if repo != "" {
		if _, err := account(ownerOf(repo)); err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if err := im.addRepository(ctx, repo); err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrForbidden) {
			return nil, err
		}
	}
	for _, full := range pkgs {
		full = strings.ToLower(full)
		owner, name, ok := strings.Cut(full, "/")
		if !ok || name == "" {
			continue
		}
		org, err := account(owner)
		if errors.Is(err, ErrNotFound) {
			im.unknown("packages", full, "exists")
			continue
		}
		if err != nil {
			return nil, err
		}
		p, err := c.Package(ctx, owner, name, org)
		switch {
		case errors.Is(err, ErrNotFound):
			im.unknown("packages", full, "exists")
			continue
		case err != nil:
			return nil, fmt.Errorf("package %s: %w", full, err)
		}
		im.addPackage(owner, org, p)
		if linked := im.s.World.Packages[full].Repository; linked != "" {
			if _, done := im.s.World.Repositories[linked]; !done {
				if err := im.addRepository(ctx, linked); err != nil {
					return nil, err
				}
			}
		}
	}
	return im.s, nil
}

func ownerOf(full string) string {
	o, _, _ := strings.Cut(full, "/")
	return o
}
