package restapi

import (
	"encoding/json"
	"errors"
	"hash/fnv"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fakeghcr/fakeghcr/authz"
)

// Options configure a Service. Content and Worlds are required.
type Options struct {
	// Content is the registry's stored manifests.
	Content Content
	// Worlds is the server's GitHub state.
	Worlds Worlds
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// OnDecision, when set, receives every authorization decision with the
	// request it was made for.
	OnDecision func(*http.Request, Decision)
	// Log receives a line for each call fakeghcr does not model (answered
	// GitHub's 404 "Not Found"); nil discards.
	Log *slog.Logger
}

// Service serves GitHub's packages REST API for container packages. Mount
// it at the API root: it accepts paths with or without the /api/v3 prefix
// GitHub Enterprise Server uses (so gh with GH_HOST, go-github's
// WithEnterpriseURLs and Octokit's baseUrl reach it), and at / for a Host of
// api.github.com.
type Service struct {
	opts Options
	led  *ledger
	// mu serializes deletes and restores, so two deletions of one version
	// cannot both succeed.
	mu sync.Mutex
}

// ErrOptions is wrapped by New's errors.
var ErrOptions = errors.New("restapi: invalid options")

// New returns a Service.
func New(opts Options) (*Service, error) {
	if opts.Content == nil || opts.Worlds == nil {
		return nil, ErrOptions
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{opts: opts, led: newLedger(opts.Now())}, nil
}

// ObservePush records a manifest stored in repository repo (full name), so
// its version gets an id and a created time at the moment it was pushed.
func (s *Service) ObservePush(repo, digest string) {
	s.led.observePush(strings.ToLower(repo), digest, s.opts.Now())
}

// ObservePull counts one download of a manifest, for GitHub's rule that a
// public version with more than 5,000 downloads cannot be deleted.
func (s *Service) ObservePull(repo, digest string) {
	s.led.observePull(strings.ToLower(repo), digest, s.opts.Now())
}

// SetDownloads sets a version's download count.
func (s *Service) SetDownloads(repo, digest string, n int64) {
	s.led.setDownloads(strings.ToLower(repo), digest, n, s.opts.Now())
}

// APIPrefix is the path GitHub Enterprise Server serves its REST API under.
const APIPrefix = "/api/v3"

// request is one request being answered.
type request struct {
	w     http.ResponseWriter
	r     *http.Request
	ep    endpoint
	world authz.World
	p     authz.Principal
	root  string // API root URL for the url fields
	now   time.Time
}

// ServeHTTP answers one request.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	escaped := r.URL.EscapedPath()
	root := "http://" + r.Host
	if r.TLS != nil {
		root = "https://" + r.Host
	}
	if rest, ok := strings.CutPrefix(escaped, APIPrefix); ok && (rest == "" || rest[0] == '/') {
		escaped, root = rest, root+APIPrefix
	}
	if full, workflow, ok := repoPath(r.Method, escaped); ok {
		s.serveRepo(w, r, root, full, workflow)
		return
	}
	ep, ok := parsePath(r.Method, escaped)
	if !ok {
		s.unmodeled(r)
		writeError(w, ep, &apiError{Status: http.StatusNotFound, Message: msgNotFound, DocURL: docsRoot})
		return
	}
	world := s.opts.Worlds.World()
	p, ok := principal(world, r)
	q := &request{w: w, r: r, ep: ep, world: world, p: p, root: root, now: s.opts.Now()}
	if !ok {
		s.deny(q, "", authz.ActionRead, refuse(ReasonBadCredentials,
			&apiError{Status: http.StatusUnauthorized, Message: msgBadCredentials, DocURL: docsRoot},
			"the token is unknown, revoked or malformed (fakeghcr never logs it)", "Check the token: gh auth status, or create a new classic PAT"))
		return
	}
	if ep.scope == scopeAuthUser && p.Credential != nil && (p.Credential.Kind == authz.ClassicPAT || p.Credential.Kind == authz.OAuth) {
		q.ep.owner = strings.ToLower(p.Credential.User)
	}
	switch ep.op {
	case opListPackages:
		s.listPackages(q)
	case opGetPackage:
		s.getPackage(q)
	case opDeletePackage:
		s.deletePackage(q)
	case opRestorePackage:
		s.restorePackage(q)
	case opListVersions:
		s.listVersions(q)
	case opGetVersion:
		s.getVersion(q)
	case opDeleteVersion:
		s.deleteVersion(q)
	case opRestoreVersion:
		s.restoreVersion(q)
	}
}

// record hands one decision to OnDecision.
func (s *Service) record(q *request, pkg string, action authz.Action, v verdict, status int, message string) {
	if s.opts.OnDecision == nil {
		return
	}
	s.opts.OnDecision(q.r, Decision{
		Time: q.now, Method: q.r.Method, Path: q.r.URL.Path, Package: pkg, Action: action,
		Principal: q.p.String(), Allowed: v.err == nil, Reason: v.Reason, Status: status, Message: message,
		Explanation: v.Explanation, Fix: v.Fix,
	})
}

// deny records a refusal and writes GitHub's answer.
func (s *Service) deny(q *request, pkg string, action authz.Action, v verdict) {
	s.record(q, pkg, action, v, v.err.Status, v.err.Message)
	writeError(q.w, q.ep, v.err)
}

// fail writes an answer that is not an authorization decision (bad
// parameters, a missing version) after an allowed one was recorded.
func (s *Service) fail(q *request, e *apiError) { writeError(q.w, q.ep, e) }

// writeJSON writes a 200 with GitHub's headers.
func writeJSON(w http.ResponseWriter, v any) {
	body, _ := json.Marshal(v) // plain structs of strings and numbers: cannot fail
	h := w.Header()
	setGitHubHeaders(h)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func noContent(w http.ResponseWriter) {
	w.Header().Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	w.WriteHeader(http.StatusNoContent)
}

// ownerID is a stable made-up id for an owner login.
func ownerID(login string) int64 {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(login)))
	return int64(h.Sum32()%90_000_000) + 10_000_000
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// linksFor builds the URLs of package full in w.
func (q *request) linksFor(full string) links {
	ownerLogin, _, _ := strings.Cut(full, "/")
	l := links{api: q.root, kind: "users", owner: ownerLogin, name: shortName(full), ownerTyp: authz.User}
	if o, ok := q.world.Owner(ownerLogin); ok {
		l.owner = o.Login
		if o.Type == authz.Organization {
			l.kind, l.ownerTyp = "orgs", authz.Organization
		}
	}
	return l
}

// packageJSON builds GitHub's package object for pkg.
func (s *Service) packageJSON(q *request, pkg authz.Package) packageJSON {
	full := strings.ToLower(pkg.Name)
	l := q.linksFor(full)
	pv, versions := s.led.active(full, s.opts.Content.Manifests(full))
	vis := string(pkg.Visibility)
	if vis == "" {
		vis = string(authz.Private)
	}
	out := packageJSON{
		ID: pv.ID, Name: shortName(full), PackageType: "container", Owner: l.ownerJSON(ownerID(l.owner)),
		VersionCount: len(versions), Visibility: vis, URL: l.packageURL(),
		CreatedAt: githubTime(pv.Created), UpdatedAt: githubTime(pv.Updated), HTMLURL: l.packageHTML(),
	}
	if repo, ok := q.world.Repository(pkg.Repository); ok && pkg.Repository != "" {
		rl := q.linksFor(repo.Name)
		_, short, _ := strings.Cut(repo.Name, "/")
		id := RepositoryID(repo)
		if pkg.RepositoryID != 0 {
			id = pkg.RepositoryID // a stale link keeps the id it was made with (INFERRED)
		}
		out.Repository = &repositoryJSON{
			ID: id, Name: short, FullName: repo.Name, Private: repo.Visibility != authz.Public,
			Owner: rl.ownerJSON(ownerID(rl.owner)), HTMLURL: webRoot + "/" + repo.Name, URL: q.root + "/repos/" + repo.Name,
		}
	}
	return out
}

// unmodeled logs a call fakeghcr does not model, naming its path (clipped,
// and copied so the line keeps no request bytes alive).
func (s *Service) unmodeled(r *http.Request) {
	if s.opts.Log == nil {
		return
	}
	path := r.URL.Path
	if len(path) > 200 {
		path = path[:200] + "…"
	}
	method := r.Method
	if len(method) > 16 {
		method = method[:16]
	}
	s.opts.Log.Info("github api: call not modeled, answered 404 Not Found",
		"method", strings.Clone(method), "path", strings.Clone(path))
}
