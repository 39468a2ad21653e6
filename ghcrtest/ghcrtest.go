package ghcrtest

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/faults"
	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// TB is the part of testing.TB that New uses; *testing.T, *testing.B,
// *testing.F and any testing.TB satisfy it. (A narrow interface, as
// miniredis's RunT takes, so that examples and tools can pass their own.)
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
	Log(args ...any)
}

// Option configures New.
type Option func(*config)

type config struct {
	scenario   func() (*scenarios.Scenario, error)
	logger     *slog.Logger
	now        func() time.Time
	tls        bool
	adminToken string
	faults     []faults.Rule // packagesapi.go
}

// WithScenario starts the server with sc's world and tags. New does not
// modify sc; do not modify it while the server runs (Reset returns to it).
// The last of WithScenario, WithBuiltin and WithScenarioFile wins.
func WithScenario(sc *scenarios.Scenario) Option {
	return func(c *config) {
		c.scenario = func() (*scenarios.Scenario, error) {
			if sc == nil {
				return nil, errors.New("WithScenario: nil scenario")
			}
			return sc, nil
		}
	}
}

// WithBuiltin starts the server with the built-in scenario called name
// (scenarios.Names lists them; `fakeghcr scenario list` too).
func WithBuiltin(name string) Option {
	return func(c *config) { c.scenario = func() (*scenarios.Scenario, error) { return builtin(name) } }
}

// WithScenarioFile starts the server with the scenario file at path
// (the YAML format of scenarios/FORMAT.md).
func WithScenarioFile(path string) Option {
	return func(c *config) { c.scenario = func() (*scenarios.Scenario, error) { return scenarios.Load(path) } }
}

// WithLogger sends the server's log (one record per denial at info, per
// request and allowed decision at debug) to l instead of the test's log.
// The test's log leaves out a record that repeats one already shown since
// the world last changed (a refused push repeats its denial once per
// request); l gets every record.
// To silence it: WithLogger(slog.New(slog.DiscardHandler)). nil keeps the
// default.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithClock sets the server's clock: token expiry, upload expiry and the
// times of decisions. TLS certificates are checked by clients against the
// real clock whatever this clock says.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithTLS serves HTTPS as ghcr.io: see Server.Transport and CACertPEM.
func WithTLS() Option { return func(c *config) { c.tls = true } }

// WithAdminToken turns on the admin API under /_fakeghcr/ (decisions, world,
// changes, reset) with token, for code under test that drives it over HTTP
// (the fakeghcr CLI does). Without it those routes answer 403.
func WithAdminToken(token string) Option { return func(c *config) { c.adminToken = token } }

// Server is a running fakeghcr. Its methods that fail the test call Fatalf on
// the TB given to New: call them from that test's goroutine, or use Apply,
// which returns the error.
type Server struct {
	// URL is the base URL of the server, http://127.0.0.1:PORT (https:// with
	// WithTLS), with no trailing slash.
	URL string

	t     TB
	reg   *registry.Server
	hs    *httptest.Server
	log   *slog.Logger
	logTo *tbWriter // nil when WithLogger replaced the default
	tls   *fixtureTLS
	tr    *http.Transport

	closeOnce sync.Once
}

// New starts fakeghcr on 127.0.0.1 with the default world
// (scenarios.Default(): the 2022 seed case) unless an option names another,
// and closes it when the test ends. It fails the test if the server cannot
// start.
func New(t TB, opts ...Option) *Server {
	t.Helper()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	s, err := start(t, cfg)
	if err != nil {
		t.Fatalf("ghcrtest: %v", err)
		return nil
	}
	t.Cleanup(s.Close)
	return s
}

func start(t TB, cfg config) (*Server, error) {
	load := cfg.scenario
	if load == nil {
		load = func() (*scenarios.Scenario, error) { return builtin("") }
	}
	sc, err := load()
	if err != nil {
		return nil, err
	}
	s := &Server{t: t, log: cfg.logger}
	if s.log == nil {
		s.logTo = &tbWriter{t: t}
		s.log = slog.New(slog.NewTextHandler(s.logTo, &slog.HandlerOptions{Level: slog.LevelInfo, ReplaceAttr: dropTime}))
	}
	reg, err := registry.New(registry.Options{
		Scenario:   sc,
		Logger:     s.log,
		Now:        cfg.now,
		AdminToken: cfg.adminToken,
		Faults:     cfg.faults,
		// No PublicURL: the realm follows the request's scheme and host, so
		// it is https://ghcr.io/token for requests to ghcr.io in TLS mode and
		// the fixture's own address otherwise.
	})
	if err != nil {
		return nil, err
	}
	s.reg = reg
	s.hs = httptest.NewUnstartedServer(reg)
	s.hs.Config.ErrorLog = slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)
	if cfg.tls {
		if s.tls, err = sharedTLS(); err != nil {
			s.hs.Close()
			return nil, err
		}
		s.hs.TLS = s.tls.serverConfig()
		s.hs.StartTLS()
	} else {
		s.hs.Start()
	}
	s.URL = s.hs.URL
	s.tr = s.newTransport()
	return s, nil
}

// Close shuts the server down and waits for requests in flight to finish,
// as httptest.Server.Close does. It is safe to call more than once; New
// registers it with t.Cleanup. Nothing is logged to the test after Close.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.hs.Close()
		s.reg.Close()
		s.tr.CloseIdleConnections()
		if s.logTo != nil {
			s.logTo.stop()
		}
	})
}

// Host is the registry host clients put in image references:
// "127.0.0.1:PORT", or "ghcr.io" with WithTLS.
func (s *Server) Host() string {
	if s.tls != nil {
		return ghcrHost
	}
	return s.addr()
}

// addr is the listener's address, 127.0.0.1:PORT.
func (s *Server) addr() string { return s.hs.Listener.Addr().String() }

// Ref returns the image reference for "owner/name:tag" (or "owner/name@digest")
// on this server: Ref("acme/api:v1") is "127.0.0.1:PORT/acme/api:v1", or
// "ghcr.io/acme/api:v1" with WithTLS.
func (s *Server) Ref(pkgAndTag string) string {
	return s.Host() + "/" + strings.TrimPrefix(pkgAndTag, "/")
}

// Transport returns the round tripper to give clients (go-containerregistry's
// remote.WithTransport, an http.Client). It dials only the fixture (and, with
// WithTLS, trusts its CA and dials the fixture for ghcr.io:443); a request for
// any other host fails with ErrOutsideFixture. It ignores proxy variables.
func (s *Server) Transport() http.RoundTripper { return s.tr }

// Client returns an http.Client that uses Transport.
func (s *Server) Client() *http.Client { return &http.Client{Transport: s.tr} }

// Registry returns the registry.Server behind the fixture, for what the
// fixture's methods do not cover (Export, the handler itself).
func (s *Server) Registry() *registry.Server { return s.reg }

// World returns a copy of the current world.
func (s *Server) World() authz.World { return s.reg.World() }

// Credential returns the credential called name in the current world, and
// fails the test if there is none.
func (s *Server) Credential(name string) authz.Credential {
	s.t.Helper()
	w := s.reg.World()
	i := slices.IndexFunc(w.Credentials, func(c authz.Credential) bool { return c.Name == name })
	if i < 0 {
		names := make([]string, 0, len(w.Credentials))
		for _, c := range w.Credentials {
			names = append(names, c.Name)
		}
		s.t.Fatalf("ghcrtest: no credential %q (the world has %s)", name, strings.Join(names, ", "))
		return authz.Credential{}
	}
	return w.Credentials[i]
}

// Secret returns the secret (the password a client logs in with) of the
// credential called name, and fails the test if there is none.
func (s *Server) Secret(name string) string {
	s.t.Helper()
	return s.Credential(name).Secret
}

// Authenticator returns go-containerregistry credentials for the credential
// called name (remote.WithAuth): basic auth with its secret as the password
// and its name as the username, which GHCR does not check. It fails the test
// if there is no such credential. For an anonymous client use authn.Anonymous.
func (s *Server) Authenticator(name string) authn.Authenticator {
	s.t.Helper()
	return &authn.Basic{Username: name, Password: s.Secret(name)}
}

// Decisions returns the recent authorization decisions, newest first.
func (s *Server) Decisions() []registry.Record { return s.reg.Decisions() }

// LastDenial returns the most recent denial, if any is still kept.
func (s *Server) LastDenial() (registry.Record, bool) {
	for _, r := range s.reg.Decisions() {
		if !r.Allowed {
			return r, true
		}
	}
	return registry.Record{}, false
}

// fatal fails the test with a ghcrtest-prefixed message.
func (s *Server) fatal(err error) {
	s.t.Helper()
	s.t.Fatalf("ghcrtest: %v", err)
}
