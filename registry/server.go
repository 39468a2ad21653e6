package registry

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/fakeghcr/fakeghcr/faults"
	"github.com/fakeghcr/fakeghcr/registry/internal/middleware"
	"github.com/fakeghcr/fakeghcr/restapi"
	"github.com/fakeghcr/fakeghcr/scenarios"
	"github.com/fakeghcr/fakeghcr/storage"
)

// Defaults, from GHCR's documented limits where it has them.
const (
	DefaultUploadTTL     = 10 * time.Minute        // GHCR: 10-minute upload timeout [D1]
	DefaultMaxBlobSize   = 10 * 1000 * 1000 * 1000 // GHCR: 10 GB per layer [D1]
	DefaultChunkLimit    = 4 << 20                 // GHCR: 4 MiB per ranged chunk (spec §10 Q10)
	DefaultTokenTTL      = time.Hour               // GHCR's lifetime is unknown (spec Q7)
	DefaultDecisionsKept = 500
)

// Options configure a Server. The zero value works: an empty world (every
// push to a package refused, as GHCR refuses unknown credentials), a
// discarding logger, the real clock, and GHCR's limits.
type Options struct {
	// Scenario is the world to start with; nil is an empty world.
	Scenario *scenarios.Scenario
	// Logger receives one record per request and per authz decision.
	Logger *slog.Logger
	// Now is the clock (token expiry, upload expiry, decision times).
	Now func() time.Time
	// AdminToken guards /_fakeghcr/ changes. Empty disables the admin API's
	// write routes (the Go fixture changes the world through methods).
	AdminToken string
	// PublicURL, when set, is the base URL put in challenges' realm instead
	// of the request's own scheme and host (e.g. behind a proxy).
	PublicURL string
	// UploadTTL is how long an idle upload session lives.
	UploadTTL time.Duration
	// MaxBlobSize bounds one blob.
	MaxBlobSize int64
	// ChunkLimit bounds one ranged PATCH body; negative disables the limit.
	ChunkLimit int64
	// TokenTTL is the lifetime of registry tokens minted by /token.
	TokenTTL time.Duration
	// DecisionsKept bounds the recent-decisions log.
	DecisionsKept int
	// Faults are failures to inject from the start, after the scenario's.
	Faults []faults.Rule
	// MaxUploads and MaxUploadBytes bound the open upload sessions and the
	// bytes uploads in progress hold (storage.Options; zero: its defaults).
	// Over either, an upload is refused with 429 TOOMANYREQUESTS.
	MaxUploads     int
	MaxUploadBytes int64
	// MaxUploadsPerCredential bounds the upload sessions one credential
	// may have open (zero: storage.DefaultMaxUploadsPerHolder, 256), so
	// that one credential cannot take all MaxUploads from the others.
	// Over it, that credential's next session is refused with 429
	// TOOMANYREQUESTS; other credentials still get theirs.
	MaxUploadsPerCredential int
	// MinBodyRate is the slowest a request body may arrive, in bytes per
	// second over every BodyRateWindow; a slower request fails. Zero:
	// DefaultMinBodyRate; negative: no minimum.
	MinBodyRate int64
	// BodyRateWindow is the period MinBodyRate is checked over. Zero:
	// DefaultBodyRateWindow.
	BodyRateWindow time.Duration
	// AdminUI, when set, makes the web page served under /_fakeghcr/ui/
	// (package webui); it guards itself with the admin token.
	AdminUI func(*Server) http.Handler
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.UploadTTL == 0 {
		o.UploadTTL = DefaultUploadTTL
	}
	if o.MaxBlobSize == 0 {
		o.MaxBlobSize = DefaultMaxBlobSize
	}
	if o.ChunkLimit == 0 {
		o.ChunkLimit = DefaultChunkLimit
	}
	if o.TokenTTL == 0 {
		o.TokenTTL = DefaultTokenTTL
	}
	if o.DecisionsKept == 0 {
		o.DecisionsKept = DefaultDecisionsKept
	}
	if o.MinBodyRate == 0 {
		o.MinBodyRate = DefaultMinBodyRate
	}
	if o.BodyRateWindow <= 0 {
		o.BodyRateWindow = DefaultBodyRateWindow
	}
	return o
}

func (o Options) validate() error {
	switch {
	case o.UploadTTL < 0:
		return fmt.Errorf("upload TTL %v: must be positive", o.UploadTTL)
	case o.MaxBlobSize < 0:
		return fmt.Errorf("max blob size %d: must be positive", o.MaxBlobSize)
	case o.TokenTTL < 0:
		return fmt.Errorf("token TTL %v: must be positive", o.TokenTTL)
	case o.MaxUploads < 0:
		return fmt.Errorf("max uploads %d: must be positive", o.MaxUploads)
	case o.MaxUploadsPerCredential < 0:
		return fmt.Errorf("max uploads per credential %d: must be positive", o.MaxUploadsPerCredential)
	case o.MaxUploadBytes < 0:
		return fmt.Errorf("max upload bytes %d: must be positive", o.MaxUploadBytes)
	case o.DecisionsKept < 0:
		return fmt.Errorf("decisions kept %d: must be positive", o.DecisionsKept)
	}
	return nil
}

// Server is a fake GHCR. It is an http.Handler; Serve it on any listener.
type Server struct {
	opts      Options
	log       *slog.Logger
	store     *storage.Store
	tokens    *tokenIssuer
	handler   http.Handler
	decisions *decisionLog
	sweeper   *storage.Sweeper // stopped by Close

	rest    *restapi.Service // GitHub's packages REST API (packagesapi.go)
	faults  *faults.Set      // injected failures (faults.go)
	faultMW *faults.Middleware

	// current is the current world's view: replaced (under mu), never
	// modified, and read without a lock on every request.
	current  atomic.Pointer[view]
	mu       sync.RWMutex // serializes changes of current; guards initial and settings
	initial  *scenarios.Scenario
	settings scenarios.Settings

	// pulls serves the requests that take the registry's hot path (see
	// ServeHTTP) through the same middlewares as handler, without the
	// router.
	pulls http.Handler
	// requestIDs is set when requests get ids (the debug log's).
	requestIDs bool
}

// New builds a Server from opts.
func New(opts Options) (*Server, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	tokens, err := newTokenIssuer("fakeghcr", opts.TokenTTL, opts.Now)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:   opts,
		log:    opts.Logger,
		tokens: tokens,
		store: storage.New(storage.Options{
			UploadTTL:           opts.UploadTTL,
			MaxBlobSize:         opts.MaxBlobSize,
			MaxUploads:          opts.MaxUploads,
			MaxUploadsPerHolder: opts.MaxUploadsPerCredential,
			MaxUploadBytes:      opts.MaxUploadBytes,
			Now:                 opts.Now,
			Classify:            http.DetectContentType, // see serveWholeBlob
		}),
		decisions: newDecisionLog(opts.DecisionsKept),
	}
	initial := opts.Scenario
	if initial == nil {
		initial = &scenarios.Scenario{Name: "empty"}
	}
	if err := s.load(initial); err != nil {
		return nil, err
	}
	if err := s.initPackagesAPI(); err != nil {
		return nil, err
	}
	if err := s.initFaults(append(slices.Clone(initial.Faults), opts.Faults...)); err != nil {
		return nil, fmt.Errorf("faults: %w", err)
	}
	s.handler = s.routes()
	s.sweeper = s.store.StartSweeper(0)
	return s, nil
}

// Close stops the server's background work: the sweeper that frees
// abandoned upload sessions once they expire. It does not touch listeners
// or stored content, and may be called more than once.
func (s *Server) Close() { s.sweeper.Stop() }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isPull(r) {
		s.pulls.ServeHTTP(w, r)
		return
	}
	s.handler.ServeHTTP(w, r)
}

// isPull reports whether r is a bodiless GET or HEAD the router would send
// to handleV2: the path it routes on (the raw path when the URL has one)
// is /v2 or under /v2/. Such requests, every pull, skip the router, whose
// request copy, route context and path values cost allocations on each
// one and which nothing on the /v2/ path reads. Only bodiless reads take
// this path: the middlewares may replace a body, which through the router
// happens on its copy of the request, never on the server's.
func isPull(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead || r.Body != nil && r.Body != http.NoBody {
		return false
	}
	p := r.URL.RawPath
	if p == "" {
		p = r.URL.Path
	}
	return p == "/v2" || strings.HasPrefix(p, "/v2/")
}

func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	// A request id costs allocations on every request; only the debug
	// log (one record per request) has a use for it.
	var mws []func(http.Handler) http.Handler
	if s.log.Enabled(context.Background(), slog.LevelDebug) {
		mws = append(mws, middleware.NewRequestIDs().RequestID)
		s.requestIDs = true
	}
	mws = append(mws, s.recoverer, s.accessLog, s.injectFaults, s.githubAPI, s.apiVersion, s.bodyRate)
	r.Use(mws...)
	v2 := s.handle(s.handleV2)
	r.HandleFunc("/token", s.handle(s.handleToken))
	r.HandleFunc("/v2", v2)
	r.HandleFunc("/v2/*", v2)
	// The same chain as the router's (chi applies r.Use's middlewares
	// first to last, the first outermost).
	s.pulls = v2
	for i := len(mws) - 1; i >= 0; i-- {
		s.pulls = mws[i](s.pulls)
	}
	r.Route("/_fakeghcr", s.adminRoutes)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { s.writeError(w, r, errNotFound) })
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) { s.writeError(w, r, errUnsupported) })
	return r
}

// apiVersion sets the header every GHCR response carries. The key is
// written in canonical form and the value shared, to save two allocations
// on every request (net/http never modifies header values).
func (s *Server) apiVersion(next http.Handler) http.Handler {
	value := []string{"registry/2.0"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Docker-Distribution-Api-Version"] = value
		next.ServeHTTP(w, r)
	})
}

// recoverer turns a panic into a logged 500 in the registry's error format;
// stored data is untouched because handlers commit only complete values.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.writeError(w, r, internalError("internal error", fmt.Errorf("panic: %v", p)))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// accessLog logs one record per request, never with its Authorization.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.log.Enabled(r.Context(), slog.LevelDebug) {
			next.ServeHTTP(w, r)
			return
		}
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		start := time.Now()
		next.ServeHTTP(ww, r)
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", ww.Status(),
			"bytes", ww.BytesWritten(), "duration", time.Since(start), "request_id", middleware.GetReqID(r.Context()))
	})
}

// snapshot returns the current world's view; callers must not modify it.
func (s *Server) snapshot() *view { return s.current.Load() }
