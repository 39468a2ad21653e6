package restapi

import (
	"encoding/base64"
	"hash/fnv"
	"net/http"
	"net/url"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// GitHub's repository endpoints that `fakeghcr world import` reads:
//
//	GET /repos/{owner}/{repo}                             https://docs.github.com/rest/repos/repos#get-a-repository
//	GET /repos/{owner}/{repo}/actions/permissions/workflow https://docs.github.com/rest/actions/permissions#get-default-workflow-permissions-for-a-repository
//
// They answer from the world's repositories. Who may read them follows
// GitHub's docs: a public repository is readable by anyone, a private one
// by a classic PAT or OAuth token with the repo scope whose user has a role
// in it (collaborator, organization owner, the owning user), or by the
// repository's own GITHUB_TOKEN; an internal one also by the organization's
// members. Fine-grained PATs and GitHub App tokens read public repositories
// only: fakeghcr does not model their repository selection (INFERRED,
// conservative). The workflow-permissions endpoint needs admin on the
// repository ("OAuth app tokens and personal access tokens (classic) need
// the repo scope", and the Administration permission for other tokens).

const (
	docRepo     = "https://docs.github.com/rest/repos/repos#get-a-repository"
	docWorkflow = "https://docs.github.com/rest/actions/permissions#get-default-workflow-permissions-for-a-repository"
	// msgAdminRights is GitHub's refusal on repository-administration
	// endpoints for a user without admin (INFERRED: the text GitHub gives
	// on other admin-only repository endpoints).
	msgAdminRights = "Must have admin rights to Repository."
)

// repoJSON is the part of GitHub's "full-repository" fakeghcr can fill,
// fields in the order GitHub sends them.
type repoJSON struct {
	ID            int64     `json:"id"`
	NodeID        string    `json:"node_id"`
	Name          string    `json:"name"`
	FullName      string    `json:"full_name"`
	Private       bool      `json:"private"`
	Owner         ownerJSON `json:"owner"`
	HTMLURL       string    `json:"html_url"`
	Description   *string   `json:"description"`
	Fork          bool      `json:"fork"`
	URL           string    `json:"url"`
	Archived      bool      `json:"archived"`
	Disabled      bool      `json:"disabled"`
	Visibility    string    `json:"visibility"`
	DefaultBranch string    `json:"default_branch"`
}

// workflowPermissionsJSON is GitHub's "actions-get-default-workflow-permissions".
type workflowPermissionsJSON struct {
	DefaultWorkflowPermissions   string `json:"default_workflow_permissions"`
	CanApprovePullRequestReviews bool   `json:"can_approve_pull_request_reviews"`
}

// repoPath parses GET /repos/{owner}/{repo}[/actions/permissions/workflow]
// (escaped, below the API root). ok is false for any other path.
func repoPath(method, escaped string) (full string, workflow, ok bool) {
	segs := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	if method != http.MethodGet || len(segs) < 3 || segs[0] != "repos" {
		return "", false, false
	}
	owner, err1 := url.PathUnescape(segs[1])
	name, err2 := url.PathUnescape(segs[2])
	if err1 != nil || err2 != nil || owner == "" || name == "" || strings.Contains(owner+name, "/") {
		return "", false, false
	}
	switch {
	case len(segs) == 3:
		return owner + "/" + name, false, true
	case len(segs) == 6 && segs[3] == "actions" && segs[4] == "permissions" && segs[5] == "workflow":
		return owner + "/" + name, true, true
	}
	return "", false, false
}

// RepositoryID is the id fakeghcr's API gives a repository: its own when
// the world sets one, else a stable number made from its name (in a range
// apart from owner ids).
func RepositoryID(r authz.Repository) int64 {
	if r.ID != 0 {
		return r.ID
	}
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(r.Name)))
	return int64(h.Sum32()%400_000_000) + 500_000_000
}

// nodeID is GitHub's legacy global node id: base64 of "0NN:Type<id>".
func nodeID(kind string, id int64) string {
	return base64.StdEncoding.EncodeToString([]byte(itoa(int64(len(kind))) + ":" + kind + itoa(id)))
}

// repoAccess says whether p may see repo and whether it has admin on it.
func repoAccess(w authz.World, p authz.Principal, repo authz.Repository) (visible, admin bool) {
	public := repo.Visibility == authz.Public
	c := p.Credential
	if c == nil {
		return public, false
	}
	switch c.Kind {
	case authz.GitHubToken:
		return public || strings.EqualFold(c.Repository, repo.Name), false
	case authz.ClassicPAT, authz.OAuth:
	default:
		return public, false
	}
	if !c.HasScope("repo") {
		return public, false
	}
	user := strings.ToLower(c.User)
	owner := strings.ToLower(repo.Owner())
	role := authz.RoleNone
	if user == owner {
		role = authz.RoleAdmin
	}
	if o, ok := w.Owner(owner); ok && o.Type == authz.Organization {
		for _, m := range o.Members {
			if !strings.EqualFold(m.Login, user) {
				continue
			}
			if m.Owner {
				role = authz.RoleAdmin
			} else if repo.Visibility == authz.Internal {
				role = role.Max(authz.RoleRead)
			}
		}
	}
	for login, r := range repo.Collaborators {
		if strings.EqualFold(login, user) {
			role = role.Max(r)
		}
	}
	return public || role.AtLeast(authz.RoleRead), role == authz.RoleAdmin
}

// serveRepo answers the two repository endpoints.
func (s *Service) serveRepo(w http.ResponseWriter, r *http.Request, root, full string, workflow bool) {
	doc := docRepo
	if workflow {
		doc = docWorkflow
	}
	notFound := &apiError{Status: http.StatusNotFound, Message: msgNotFound, DocURL: doc}
	world := s.opts.Worlds.World()
	p, ok := principal(world, r)
	if !ok {
		writeError(w, endpoint{}, &apiError{Status: http.StatusUnauthorized, Message: msgBadCredentials, DocURL: docsRoot})
		return
	}
	repo, found := world.Repository(full)
	if !found {
		writeError(w, endpoint{}, notFound)
		return
	}
	visible, admin := repoAccess(world, p, repo)
	if !visible {
		writeError(w, endpoint{}, notFound)
		return
	}
	if workflow {
		if p.Credential == nil {
			writeError(w, endpoint{}, &apiError{Status: http.StatusUnauthorized, Message: msgRequiresAuth, DocURL: doc})
			return
		}
		if !admin {
			msg := msgAdminRights
			if p.Credential != nil && (p.Credential.Kind == authz.GitHubToken || p.Credential.Kind == authz.AppInstallation) {
				msg = msgNotAccessibleIntegration
			} else if p.Credential != nil && p.Credential.Kind == authz.FineGrainedPAT {
				msg = msgNotAccessiblePAT
			}
			writeError(w, endpoint{}, &apiError{Status: http.StatusForbidden, Message: msg, DocURL: doc})
			return
		}
		perm := "read"
		if repo.WorkflowPermission == authz.RoleWrite {
			perm = "write"
		}
		writeJSON(w, workflowPermissionsJSON{DefaultWorkflowPermissions: perm})
		return
	}
	l := (&request{world: world, root: root}).linksFor(repo.Name)
	_, short, _ := strings.Cut(repo.Name, "/")
	id := RepositoryID(repo)
	owner := l.ownerJSON(ownerID(l.owner))
	vis := repo.Visibility
	if vis == "" {
		vis = authz.Private
	}
	writeJSON(w, repoJSON{
		ID: id, NodeID: nodeID("Repository", id), Name: short, FullName: l.owner + "/" + short,
		Private: vis != authz.Public, Owner: owner, HTMLURL: webRoot + "/" + l.owner + "/" + short,
		URL: root + "/repos/" + l.owner + "/" + short, Visibility: string(vis), DefaultBranch: "main",
	})
}
