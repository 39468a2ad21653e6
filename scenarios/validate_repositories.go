package scenarios

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// Validation of repositories.

func (b *builder) repositories(repos []fileRepository) {
	ids := map[int64]string{}
	auto := []string{}
	order := map[string]int{}
	for i, r := range repos {
		p := fmt.Sprintf("repositories[%d]", i)
		name, ok := b.repoName(p+".name", r.Name)
		if !ok {
			continue
		}
		if _, dup := b.s.World.Repositories[name]; dup {
			b.errorf(p+".name", "duplicate repository %q (also repositories[%d])", name, order[name])
			continue
		}
		order[name] = i
		b.index["repositories["+name+"]"] = p
		owner, _, _ := strings.Cut(name, "/")
		repo := authz.Repository{
			Name:               name,
			ID:                 r.ID,
			Visibility:         b.ownerVisibility(p+".visibility", r.Visibility, owner),
			WorkflowPermission: authz.RoleRead,
		}
		switch {
		case r.ID < 0:
			b.errorf(p+".id", "must be positive")
		case r.ID == 0:
			auto = append(auto, name)
		case ids[r.ID] != "":
			b.errorf(p+".id", "id %d is also the id of %s", r.ID, ids[r.ID])
		default:
			ids[r.ID] = name
		}
		switch r.WorkflowPermission {
		case "", "read":
		case "write":
			repo.WorkflowPermission = authz.RoleWrite
		default:
			b.errorf(p+".workflow_permission", "unknown workflow permission %q (want read or write)", r.WorkflowPermission)
		}
		repo.Collaborators = b.collaborators(p, r.Collaborators)
		b.s.World.Repositories[name] = repo
	}
	b.assignIDs(auto, order, ids)
}

// collaborators checks a repository's collaborators: declared users with a
// repository role.
func (b *builder) collaborators(p string, collaborators map[string]string) map[string]authz.Role {
	var out map[string]authz.Role
	for _, login := range slices.Sorted(maps.Keys(collaborators)) {
		f := p + ".collaborators." + login
		key := strings.ToLower(login)
		if !b.userRef(f, key) {
			continue
		}
		if _, dup := out[key]; dup {
			b.errorf(f, "duplicate collaborator %q", key)
			continue
		}
		switch role := authz.Role(collaborators[login]); role {
		case authz.RoleRead, "triage", authz.RoleWrite, "maintain", authz.RoleAdmin:
			if out == nil {
				out = map[string]authz.Role{}
			}
			out[key] = role
		default:
			b.errorf(f, "unknown repository role %q (want read, triage, write, maintain or admin)", role)
		}
	}
	return out
}

// assignIDs gives each repository without an id 1000 + its index in the
// file, skipping ids in use.
func (b *builder) assignIDs(auto []string, order map[string]int, ids map[int64]string) {
	for _, name := range auto {
		id := 1000 + int64(order[name])
		for ids[id] != "" {
			id++
		}
		ids[id] = name
		repo := b.s.World.Repositories[name]
		repo.ID = id
		b.s.World.Repositories[name] = repo
	}
}
