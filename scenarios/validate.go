package scenarios

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// maxErrors caps how many problems one Parse reports.
const maxErrors = 20

var (
	loginRE   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	repoRE    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*/[a-z0-9._-]+$`)
	packageRE = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)+$`)
	tagRE     = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)
	slugRE    = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*$`)
	eventRE   = regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)
	codeRE    = regexp.MustCompile(`^[A-Z]+(_[A-Z]+)*$`)
)

// allowReasons are authz's reasons for allowing; keep in sync with
// authz/reason.go (authz.DenyReasons lists the others).
var allowReasons = []authz.Reason{
	authz.AllowPublicRead, authz.AllowInternalRead, authz.AllowRole, authz.AllowOrgOwner,
	authz.AllowPackageOwner, authz.AllowActionsAccess, authz.AllowInheritedRepo,
	authz.AllowCreate, authz.AllowAnonymousToken,
}

// classicScopes are the OAuth scopes a classic PAT or OAuth token can carry.
var classicScopes = []string{
	"repo", "repo:status", "repo_deployment", "public_repo", "repo:invite", "security_events",
	"workflow", "write:packages", "read:packages", "delete:packages",
	"admin:org", "write:org", "read:org", "manage_runners:org",
	"admin:public_key", "write:public_key", "read:public_key",
	"admin:repo_hook", "write:repo_hook", "read:repo_hook", "admin:org_hook",
	"gist", "notifications", "user", "read:user", "user:email", "user:follow", "delete_repo",
	"write:discussion", "read:discussion", "admin:enterprise", "manage_runners:enterprise",
	"manage_billing:enterprise", "read:enterprise", "audit_log", "read:audit_log",
	"codespace", "codespace:secrets", "copilot", "manage_billing:copilot", "project", "read:project",
	"admin:gpg_key", "write:gpg_key", "read:gpg_key",
	"admin:ssh_signing_key", "write:ssh_signing_key", "read:ssh_signing_key",
}

// builder validates a decoded file and builds the Scenario, collecting
// every problem with its position.
type builder struct {
	file  string
	pos   *positions
	errs  []*FileError
	s     *Scenario
	users map[string]bool // owners of type user
}

func (b *builder) errorf(field, format string, args ...any) {
	line, col := b.pos.of(field)
	b.errs = append(b.errs, &FileError{File: b.file, Line: line, Column: col, Field: field, Err: fmt.Errorf(format, args...)})
}

func build(file string, d *fileDoc, pos *positions) (*Scenario, error) {
	b := &builder{
		file:  file,
		pos:   pos,
		users: map[string]bool{},
		s: &Scenario{
			Name:        d.Name,
			Description: d.Description,
			Fix:         d.Fix,
			World: authz.World{
				Owners:       map[string]authz.Owner{},
				Repositories: map[string]authz.Repository{},
				Packages:     map[string]authz.Package{},
			},
			Tags:     map[string][]string{},
			Settings: Settings{AnonymousPrivateTokenStatus: DefaultAnonymousPrivateTokenStatus},
		},
	}
	if b.s.Name == "" {
		b.s.Name = defaultName(file)
		if b.s.Name == "" {
			b.errorf("name", "required (there is no file name to take it from)")
		}
	}
	b.owners(d.Owners)
	b.repositories(d.Repositories)
	b.packages(d.Packages)
	b.credentials(d.Credentials)
	if d.Settings != nil {
		b.settings(*d.Settings)
	}
	b.expects(d.Expect)
	return b.s, b.err()
}

func (b *builder) err() error {
	if len(b.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(b.errs, func(x, y *FileError) int {
		return cmp.Or(cmp.Compare(x.Line, y.Line), cmp.Compare(x.Column, y.Column))
	})
	if len(b.errs) == 1 {
		return b.errs[0]
	}
	var errs []error
	for i, e := range b.errs {
		if i == maxErrors {
			errs = append(errs, fmt.Errorf("%s: %d more errors", b.file, len(b.errs)-maxErrors))
			break
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

func (b *builder) owners(owners []fileOwner) {
	seen := map[string]int{}
	// First pass: who exists, so that members may name users declared later.
	for i, o := range owners {
		p := fmt.Sprintf("owners[%d]", i)
		login := strings.ToLower(o.Login)
		switch {
		case login == "":
			b.errorf(p+".login", "required")
			continue
		case !loginRE.MatchString(login) || len(login) > 39:
			b.errorf(p+".login", "invalid login %q (letters, digits and single hyphens, at most 39 characters)", o.Login)
			continue
		}
		if j, dup := seen[login]; dup {
			b.errorf(p+".login", "duplicate owner %q (also owners[%d])", login, j)
			continue
		}
		seen[login] = i
		if authz.OwnerType(o.Type) == authz.User {
			b.users[login] = true
		}
	}
	for i, o := range owners {
		p := fmt.Sprintf("owners[%d]", i)
		login := strings.ToLower(o.Login)
		if j, ok := seen[login]; !ok || j != i {
			continue
		}
		owner := authz.Owner{Login: login, Type: authz.OwnerType(o.Type), ForbidClassicPAT: o.ForbidClassicPAT, Enterprise: o.Enterprise}
		switch owner.Type {
		case authz.Organization:
			b.organization(p, o, &owner)
		case authz.User:
			for _, f := range []struct {
				name string
				set  bool
			}{
				{"members", o.Members != nil}, {"owners", o.Owners != nil}, {"teams", o.Teams != nil},
				{"package_creation", o.PackageCreation != nil}, {"forbid_classic_pat", o.ForbidClassicPAT},
				{"inherit_access_default", o.InheritAccessDefault != nil}, {"enterprise", o.Enterprise != ""},
			} {
				if f.set {
					b.errorf(p+"."+f.name, "only for an owner of type organization")
				}
			}
		case "":
			b.errorf(p+".type", "required (want organization or user)")
		default:
			b.errorf(p+".type", "unknown type %q (want organization or user)", o.Type)
		}
		b.s.World.Owners[login] = owner
	}
}

func (b *builder) organization(p string, o fileOwner, owner *authz.Owner) {
	index := map[string]int{}
	add := func(field, login string, isOwner bool) {
		login = strings.ToLower(login)
		if !b.userRef(field, login) {
			return
		}
		if i, ok := index[login]; ok {
			if !isOwner || owner.Members[i].Owner {
				b.errorf(field, "duplicate %q", login)
				return
			}
			owner.Members[i].Owner = true
			return
		}
		index[login] = len(owner.Members)
		owner.Members = append(owner.Members, authz.Member{Login: login, Owner: isOwner})
	}
	for j, m := range o.Members {
		add(fmt.Sprintf("%s.members[%d]", p, j), m, false)
	}
	for j, m := range o.Owners {
		add(fmt.Sprintf("%s.owners[%d]", p, j), m, true)
	}
	for _, slug := range slices.Sorted(maps.Keys(o.Teams)) {
		field := p + ".teams." + slug
		key := strings.ToLower(slug)
		if !slugRE.MatchString(key) {
			b.errorf(field, "invalid team slug %q", slug)
			continue
		}
		if _, dup := owner.Teams[key]; dup {
			b.errorf(field, "duplicate team %q", key)
			continue
		}
		var members []string
		for j, m := range o.Teams[slug] {
			m = strings.ToLower(m)
			f := fmt.Sprintf("%s[%d]", field, j)
			switch {
			case !b.userRef(f, m):
			case !hasMember(*owner, m):
				b.errorf(f, "%q is not a member of organization %s", m, owner.Login)
			case slices.Contains(members, m):
				b.errorf(f, "duplicate %q", m)
			default:
				members = append(members, m)
			}
		}
		if owner.Teams == nil {
			owner.Teams = map[string][]string{}
		}
		owner.Teams[key] = members
	}
	if o.PackageCreation != nil {
		owner.PackageCreation = []authz.Visibility{}
		for j, v := range *o.PackageCreation {
			f := fmt.Sprintf("%s.package_creation[%d]", p, j)
			vis, ok := b.visibility(f, v)
			switch {
			case !ok:
			case slices.Contains(owner.PackageCreation, vis):
				b.errorf(f, "duplicate %q", v)
			default:
				owner.PackageCreation = append(owner.PackageCreation, vis)
			}
		}
	}
	if o.InheritAccessDefault != nil {
		v := *o.InheritAccessDefault
		owner.InheritAccessDefault = &v
	}
}

func hasMember(o authz.Owner, login string) bool {
	return slices.ContainsFunc(o.Members, func(m authz.Member) bool { return m.Login == login })
}

// userRef checks that login names a declared user.
func (b *builder) userRef(field, login string) bool {
	if b.users[login] {
		return true
	}
	if login == "" {
		b.errorf(field, "required")
	} else if o, ok := b.s.World.Owners[login]; ok && o.Type == authz.Organization {
		b.errorf(field, "%q is an organization, not a user", login)
	} else {
		b.errorf(field, "unknown user %q (declare it under owners with type: user)", login)
	}
	return false
}

func (b *builder) visibility(field, v string) (authz.Visibility, bool) {
	switch vis := authz.Visibility(v); vis {
	case authz.Private, authz.Public, authz.Internal:
		return vis, true
	}
	b.errorf(field, "unknown visibility %q (want private, public or internal)", v)
	return "", false
}

// ownerVisibility checks a repository's or package's visibility; "" is
// private. Internal needs an organization.
func (b *builder) ownerVisibility(field, v, owner string) authz.Visibility {
	if v == "" {
		return authz.Private
	}
	vis, ok := b.visibility(field, v)
	if ok && vis == authz.Internal {
		if o, ok := b.s.World.Owners[owner]; ok && o.Type != authz.Organization {
			b.errorf(field, "internal visibility needs an organization; %s is a user", owner)
		}
	}
	return vis
}

func (b *builder) role(field, r string) (authz.Role, bool) {
	switch role := authz.Role(r); role {
	case authz.RoleRead, authz.RoleWrite, authz.RoleAdmin:
		return role, true
	}
	b.errorf(field, "unknown role %q (want read, write or admin)", r)
	return "", false
}

// repoName checks "owner/name" syntax and that the owner is declared.
func (b *builder) repoName(field, name string) (string, bool) {
	name = strings.ToLower(name)
	owner, rest, _ := strings.Cut(name, "/")
	switch {
	case name == "":
		b.errorf(field, "required")
	case !repoRE.MatchString(name) || rest == "." || rest == ".." || len(owner) > 39 || len(rest) > 100:
		b.errorf(field, "invalid repository name %q (want owner/name)", name)
	case b.s.World.Owners[owner].Login == "":
		b.errorf(field, "owner %q of repository %s is not declared under owners", owner, name)
	default:
		return name, true
	}
	return name, false
}

// repoRef checks that name is a declared repository.
func (b *builder) repoRef(field, name string) (string, bool) {
	name, ok := b.repoName(field, name)
	if !ok {
		return name, false
	}
	if _, exists := b.s.World.Repositories[name]; !exists {
		b.errorf(field, "unknown repository %q (declare it under repositories)", name)
		return name, false
	}
	return name, true
}

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
		for _, login := range slices.Sorted(maps.Keys(r.Collaborators)) {
			f := p + ".collaborators." + login
			key := strings.ToLower(login)
			if !b.userRef(f, key) {
				continue
			}
			if _, dup := repo.Collaborators[key]; dup {
				b.errorf(f, "duplicate collaborator %q", key)
				continue
			}
			switch role := authz.Role(r.Collaborators[login]); role {
			case authz.RoleRead, "triage", authz.RoleWrite, "maintain", authz.RoleAdmin:
				if repo.Collaborators == nil {
					repo.Collaborators = map[string]authz.Role{}
				}
				repo.Collaborators[key] = role
			default:
				b.errorf(f, "unknown repository role %q (want read, triage, write, maintain or admin)", role)
			}
		}
		b.s.World.Repositories[name] = repo
	}
	// Omitted ids: 1000 + the repository's index, skipping ids in use.
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

// packageName checks a package name's syntax (not that it exists).
func (b *builder) packageName(field, name string) bool {
	switch {
	case name == "":
		b.errorf(field, "required")
	case strings.ToLower(name) != name:
		b.errorf(field, "invalid package name %q: must be lower case", name)
	case !packageRE.MatchString(name):
		b.errorf(field, "invalid package name %q (want owner/name, lower case, segments of letters and digits separated by '.', '_' or '-')", name)
	default:
		return true
	}
	return false
}

func (b *builder) packages(pkgs []filePackage) {
	order := map[string]int{}
	for i, pk := range pkgs {
		p := fmt.Sprintf("packages[%d]", i)
		if !b.packageName(p+".name", pk.Name) {
			continue
		}
		owner, _, _ := strings.Cut(pk.Name, "/")
		o, ownerOK := b.s.World.Owners[owner]
		if !ownerOK {
			b.errorf(p+".name", "owner %q of package %s is not declared under owners", owner, pk.Name)
			continue
		}
		if j, dup := order[pk.Name]; dup {
			b.errorf(p+".name", "duplicate package %q (also packages[%d])", pk.Name, j)
			continue
		}
		order[pk.Name] = i
		pkg := authz.Package{
			Name:          pk.Name,
			Visibility:    b.ownerVisibility(p+".visibility", pk.Visibility, owner),
			InheritAccess: pk.InheritAccess,
			RepositoryID:  pk.RepositoryID,
		}
		if pk.Repository != "" {
			name, ok := b.repoName(p+".repository", pk.Repository)
			repoOwner, _, _ := strings.Cut(name, "/")
			switch {
			case !ok:
			case repoOwner != owner:
				b.errorf(p+".repository", "a package of %s can only be linked to a repository of %s, not %s", owner, owner, name)
			case pk.RepositoryID == 0 && b.s.World.Repositories[name].Name == "":
				b.errorf(p+".repository", "unknown repository %q (declare it, or set repository_id for a link to a deleted repository)", name)
			default:
				pkg.Repository = name
			}
		}
		switch {
		case pk.RepositoryID < 0:
			b.errorf(p+".repository_id", "must be positive")
		case pk.RepositoryID > 0 && pk.Repository == "":
			b.errorf(p+".repository_id", "needs repository (the name the stale link shows)")
		}
		for j, g := range pk.ActionsAccess {
			f := fmt.Sprintf("%s.actions_access[%d]", p, j)
			repo, okRepo := b.repoRef(f+".repository", g.Repository)
			role, okRole := b.role(f+".role", g.Role)
			if !okRepo || !okRole {
				continue
			}
			if slices.ContainsFunc(pkg.ActionsAccess, func(x authz.RepoGrant) bool { return x.Repository == repo }) {
				b.errorf(f+".repository", "duplicate repository %q", repo)
				continue
			}
			pkg.ActionsAccess = append(pkg.ActionsAccess, authz.RepoGrant{Repository: repo, Role: role})
		}
		for _, login := range slices.Sorted(maps.Keys(pk.Users)) {
			f := p + ".users." + login
			key := strings.ToLower(login)
			role, okRole := b.role(f, pk.Users[login])
			switch {
			case !b.userRef(f, key) || !okRole:
			case pkg.Users[key] != "":
				b.errorf(f, "duplicate user %q", key)
			case o.Type == authz.Organization && pkg.Visibility != authz.Public && !hasMember(o, key):
				b.errorf(f, "%q is not a member of %s (a private or internal organization package can only be granted to members)", key, owner)
			default:
				if pkg.Users == nil {
					pkg.Users = map[string]authz.Role{}
				}
				pkg.Users[key] = role
			}
		}
		for _, slug := range slices.Sorted(maps.Keys(pk.Teams)) {
			f := p + ".teams." + slug
			key := strings.ToLower(slug)
			role, okRole := b.role(f, pk.Teams[slug])
			_, team := o.Teams[key]
			switch {
			case o.Type != authz.Organization:
				b.errorf(f, "only an organization's packages have teams")
			case !team:
				b.errorf(f, "unknown team %q of organization %s", key, owner)
			case !okRole:
			case pkg.Teams[key] != "":
				b.errorf(f, "duplicate team %q", key)
			default:
				if pkg.Teams == nil {
					pkg.Teams = map[string]authz.Role{}
				}
				pkg.Teams[key] = role
			}
		}
		var tags []string
		for j, tag := range pk.Tags {
			f := fmt.Sprintf("%s.tags[%d]", p, j)
			switch {
			case !tagRE.MatchString(tag):
				b.errorf(f, "invalid tag %q (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')", tag)
			case slices.Contains(tags, tag):
				b.errorf(f, "duplicate tag %q", tag)
			default:
				tags = append(tags, tag)
			}
		}
		if len(tags) > 0 {
			b.s.Tags[pkg.Name] = tags
		}
		b.s.World.Packages[pkg.Name] = pkg
	}
}

// credentialFields says which optional fields each credential type takes.
var credentialFields = map[authz.CredentialKind][]string{
	authz.GitHubToken:     {"repository", "packages", "event", "fork", "dependabot"},
	authz.ClassicPAT:      {"user", "scopes"},
	authz.OAuth:           {"user", "scopes"},
	authz.FineGrainedPAT:  {"user"},
	authz.AppInstallation: {"app"},
}

// credentialFieldOwners names, for each optional field, the types taking it.
var credentialFieldOwners = map[string]string{
	"repository": "github_token", "packages": "github_token", "event": "github_token",
	"fork": "github_token", "dependabot": "github_token",
	"user": "classic_pat, oauth or fine_grained_pat", "scopes": "classic_pat or oauth",
	"app": "app_installation",
}

func (b *builder) credentials(creds []fileCredential) {
	names := map[string]int{}
	secrets := map[string]int{}
	for i, c := range creds {
		p := fmt.Sprintf("credentials[%d]", i)
		if c.Name == "" {
			b.errorf(p+".name", "required")
		} else if j, dup := names[c.Name]; dup {
			b.errorf(p+".name", "duplicate credential %q (also credentials[%d])", c.Name, j)
		} else {
			names[c.Name] = i
		}
		switch j, dup := secrets[c.Secret]; {
		case c.Secret == "":
			b.errorf(p+".secret", "required (what the client sends as password; \"*\" matches any secret no other credential matches)")
		case dup && c.Secret == authz.Wildcard:
			b.errorf(p+".secret", "a second wildcard credential (credentials[%d] already has secret \"*\")", j)
		case dup:
			b.errorf(p+".secret", "same secret as credentials[%d]", j)
		default:
			secrets[c.Secret] = i
		}
		kind := authz.CredentialKind(c.Type)
		allowed, known := credentialFields[kind]
		switch {
		case c.Type == "":
			b.errorf(p+".type", "required (want classic_pat, oauth, fine_grained_pat, github_token or app_installation)")
		case !known:
			b.errorf(p+".type", "unknown type %q (want classic_pat, oauth, fine_grained_pat, github_token or app_installation)", c.Type)
		}
		cred := authz.Credential{Name: c.Name, Secret: c.Secret, Kind: kind, Revoked: c.Revoked, Event: c.Event, Fork: c.Fork, Dependabot: c.Dependabot, App: c.App}
		if known {
			for _, field := range []string{"repository", "packages", "event", "fork", "dependabot", "user", "scopes", "app"} {
				if !slices.Contains(allowed, field) && c.has(field) {
					b.errorf(p+"."+field, "only for %s credentials", credentialFieldOwners[field])
				}
			}
		}
		switch kind {
		case authz.GitHubToken:
			if repo, ok := b.repoRef(p+".repository", c.Repository); ok {
				cred.Repository = repo
			}
			switch authz.Role(c.Packages) {
			case "", authz.RoleRead, authz.RoleWrite, authz.PackagesNone:
				cred.Packages = authz.Role(c.Packages)
			default:
				b.errorf(p+".packages", "unknown packages permission %q (want read, write or none; omit it for the repository's default)", c.Packages)
			}
			if c.Event != "" && !eventRE.MatchString(c.Event) {
				b.errorf(p+".event", "invalid event %q (a workflow event such as push, pull_request or pull_request_target)", c.Event)
			}
		case authz.ClassicPAT, authz.OAuth, authz.FineGrainedPAT:
			user := strings.ToLower(c.User)
			if b.userRef(p+".user", user) {
				cred.User = user
			}
			for j, scope := range c.Scopes {
				f := fmt.Sprintf("%s.scopes[%d]", p, j)
				switch {
				case !slices.Contains(classicScopes, scope):
					msg := fmt.Sprintf("unknown scope %q", scope)
					if near := nearest(scope, classicScopes); len(near) > 0 {
						msg += fmt.Sprintf(" (did you mean %q?)", near[0])
					}
					b.errorf(f, "%s", msg)
				case slices.Contains(cred.Scopes, scope):
					b.errorf(f, "duplicate scope %q", scope)
				default:
					cred.Scopes = append(cred.Scopes, scope)
				}
			}
		}
		b.s.World.Credentials = append(b.s.World.Credentials, cred)
	}
}

func (c fileCredential) has(field string) bool {
	switch field {
	case "repository":
		return c.Repository != ""
	case "packages":
		return c.Packages != ""
	case "event":
		return c.Event != ""
	case "fork":
		return c.Fork
	case "dependabot":
		return c.Dependabot
	case "user":
		return c.User != ""
	case "scopes":
		return c.Scopes != nil
	case "app":
		return c.App != ""
	}
	return false
}

func (b *builder) settings(s fileSettings) {
	switch s.AnonymousPrivateTokenStatus {
	case 0:
	case 401, 403:
		b.s.Settings.AnonymousPrivateTokenStatus = s.AnonymousPrivateTokenStatus
	default:
		b.errorf("settings.anonymous_private_token_status", "must be 401 or 403, not %d", s.AnonymousPrivateTokenStatus)
	}
}

// successStatus is the status a successful action answers.
var successStatus = map[string]int{ActionPush: http.StatusCreated, ActionPull: http.StatusOK, ActionLogin: http.StatusOK}

func (b *builder) expects(expects []fileExpect) {
	names := map[string]int{}
	// tags a successful pull can find: preloaded, or pushed by an earlier
	// expected success.
	tags := map[string][]string{}
	for name, t := range b.s.Tags {
		tags[name] = slices.Clone(t)
	}
	for i, e := range expects {
		p := fmt.Sprintf("expect[%d]", i)
		x := Expect{Name: e.Name, Credential: e.Credential, Action: e.Action, Package: e.Package, Tag: e.Tag,
			Status: e.Status, Code: e.Code, Message: e.Message, Reason: authz.Reason(e.Reason)}
		if x.Credential != "" {
			if _, ok := b.s.Credential(x.Credential); !ok {
				b.errorf(p+".credential", "unknown credential %q", x.Credential)
			}
		}
		success, actionOK := successStatus[x.Action]
		switch {
		case x.Action == "":
			b.errorf(p+".action", "required (want push, pull or login)")
		case !actionOK:
			b.errorf(p+".action", "unknown action %q (want push, pull or login)", x.Action)
		case x.Action == ActionLogin:
			if x.Credential == "" {
				b.errorf(p+".credential", "a login needs a credential")
			}
			if x.Package != "" {
				b.errorf(p+".package", "a login names no package (docker login asks /token without a scope)")
			}
			if x.Tag != "" {
				b.errorf(p+".tag", "a login names no tag")
			}
		default:
			b.packageName(p+".package", x.Package)
			if x.Tag == "" {
				x.Tag = DefaultTag
			} else if !tagRE.MatchString(x.Tag) {
				b.errorf(p+".tag", "invalid tag %q", x.Tag)
			}
		}
		switch {
		case x.Status == 0:
			b.errorf(p+".status", "required (201 for a successful push, 200 for a pull or login, or GHCR's error status)")
		case actionOK && x.Status < 400 && x.Status != success:
			b.errorf(p+".status", "a successful %s answers %d, not %d", x.Action, success, x.Status)
		case x.Status >= 400 && (x.Status > 599 || http.StatusText(x.Status) == ""):
			b.errorf(p+".status", "%d is not an HTTP error status", x.Status)
		}
		failure := x.Status >= 400
		if !failure && x.Code != "" {
			b.errorf(p+".code", "omit on success")
		}
		if !failure && x.Message != "" {
			b.errorf(p+".message", "omit on success")
		}
		if x.Code != "" && !codeRE.MatchString(x.Code) {
			b.errorf(p+".code", "invalid error code %q (upper case, e.g. DENIED or UNAUTHORIZED)", x.Code)
		}
		if x.Reason != "" {
			deny := slices.Contains(authz.DenyReasons(), x.Reason)
			switch {
			case !deny && !slices.Contains(allowReasons, x.Reason):
				msg := fmt.Sprintf("unknown reason %q", x.Reason)
				if near := nearest(string(x.Reason), knownReasons()); len(near) > 0 {
					msg += fmt.Sprintf(" (did you mean %q?)", near[0])
				}
				b.errorf(p+".reason", "%s", msg)
			case deny && x.Status != 0 && !failure:
				b.errorf(p+".reason", "%s is a reason for denying, but status %d is a success", x.Reason, x.Status)
			case !deny && failure:
				b.errorf(p+".reason", "%s is a reason for allowing, but status %d is a failure", x.Reason, x.Status)
			}
		}
		if x.Action == ActionPull && x.Status == success && x.Package != "" && !slices.Contains(tags[x.Package], x.Tag) {
			b.errorf(p+".tag", "a pull of %s:%s cannot succeed: the package has no such tag (add it to the package's tags, or push it in an earlier expect)", x.Package, x.Tag)
		}
		if x.Action == ActionPush && x.Status == success && x.Package != "" && !slices.Contains(tags[x.Package], x.Tag) {
			tags[x.Package] = append(tags[x.Package], x.Tag)
		}
		if x.Name == "" {
			x.Name = defaultExpectName(x)
		}
		if j, dup := names[x.Name]; dup {
			b.errorf(p+".name", "duplicate expect name %q (also expect[%d])", x.Name, j)
		} else {
			names[x.Name] = i
		}
		b.s.Expect = append(b.s.Expect, x)
	}
}

func defaultExpectName(x Expect) string {
	who := "anonymous"
	if x.Credential != "" {
		who = x.Credential
	}
	if x.Action == ActionLogin {
		return fmt.Sprintf("login as %s", who)
	}
	return fmt.Sprintf("%s %s:%s as %s", x.Action, x.Package, x.Tag, who)
}

// knownReasons lists every authz.Reason a scenario may expect.
func knownReasons() []string {
	var names []string
	for _, r := range slices.Concat(allowReasons, authz.DenyReasons()) {
		names = append(names, string(r))
	}
	return names
}
