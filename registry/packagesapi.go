package registry

import (
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/fakeghcr/fakeghcr/registry/internal/middleware"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/restapi"
)

// APIHost is the host name GitHub's REST API answers on. A request with
// this Host (fakeghcr serving TLS for api.github.com) reaches the packages
// REST API at /, as GitHub's own clients call it.
const APIHost = "api.github.com"

// initPackagesAPI builds the packages REST API over the server's store and
// world.
func (s *Server) initPackagesAPI() error {
	rest, err := restapi.New(restapi.Options{
		Content:    restapi.StoreContent(s.store),
		Worlds:     s,
		Now:        s.opts.Now,
		OnDecision: s.recordREST,
		Log:        s.log,
	})
	if err != nil {
		return err
	}
	s.rest = rest
	return nil
}

// PackagesAPI is the server's packages REST API, served under /api/v3/ (and
// at / for Host api.github.com); a test sets download counts through it.
func (s *Server) PackagesAPI() *restapi.Service { return s.rest }

// UpdateWorld applies change to a copy of the world and, if it returns nil,
// makes the copy current: how the packages REST API deletes and restores a
// whole package. Stored content is the caller's business.
func (s *Server) UpdateWorld(change func(*authz.World) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.current.Load().world.Clone()
	ensureMaps(&w)
	if err := change(&w); err != nil {
		return err
	}
	s.current.Store(newView(w, s.current.Load()))
	return nil
}

// githubAPI sends /api/v3/... (GitHub Enterprise Server's layout, which gh
// with GH_HOST, go-github's WithEnterpriseURLs and Octokit's baseUrl use)
// and every request for Host api.github.com to the packages REST API, and
// lets the API see the registry's manifest pushes and pulls: a version's
// created time is its push, a pull counts as a download.
func (s *Server) githubAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if p == restapi.APIPrefix || strings.HasPrefix(p, restapi.APIPrefix+"/") || hostname(r.Host) == APIHost {
			s.rest.ServeHTTP(w, r)
			return
		}
		// Only manifest GETs and PUTs are observed. The checks before
		// parseRoute keep its allocations off every other request (a
		// manifest route has a /manifests/ segment followed by a reference).
		if (r.Method != http.MethodPut && r.Method != http.MethodGet) || !strings.Contains(p, "/manifests/") {
			next.ServeHTTP(w, r)
			return
		}
		rt, ok, bad := parseRoute(p)
		if !ok || bad || rt.Kind != kindManifest {
			next.ServeHTTP(w, r)
			return
		}
		sw := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(sw, r)
		digest := sw.Header().Get("Docker-Content-Digest")
		switch {
		case digest == "":
		case r.Method == http.MethodPut && sw.Status() == http.StatusCreated:
			s.rest.ObservePush(rt.Repo, digest)
		case r.Method == http.MethodGet && sw.Status() == http.StatusOK:
			s.rest.ObservePull(rt.Repo, digest)
		}
	})
}

// hostname is a Host header without its port.
func hostname(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

// recordREST keeps and logs one packages REST API decision like a
// registry one, so explain shows it.
func (s *Server) recordREST(r *http.Request, d restapi.Decision) {
	rec := Record{
		Time: d.Time, RequestID: middleware.GetReqID(r.Context()), Method: d.Method, Path: d.Path, Repo: d.Package, Action: string(d.Action),
		Principal: d.Principal, Allowed: d.Allowed, Reason: string(d.Reason), Status: d.Status,
		Message: d.Message, Explanation: d.Explanation, Fix: d.Fix,
	}
	rec = s.decisions.add(rec) // logged below as kept: clipped
	level := slog.LevelDebug
	decision := "allow"
	if !d.Allowed {
		level, decision = slog.LevelInfo, "deny"
	}
	attrs := []any{"api", "packages", "repo", rec.Repo, "action", rec.Action, "principal", rec.Principal,
		"decision", decision, "reason", rec.Reason, "request_id", rec.RequestID}
	if !d.Allowed {
		attrs = append(attrs, "status", rec.Status, "explanation", rec.Explanation, "fix", rec.Fix)
	}
	s.log.Log(r.Context(), level, "authz decision", attrs...)
}
