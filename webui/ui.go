package webui

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"embed"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// Prefix is where the page lives.
const Prefix = registry.AdminPrefix + "/ui"

// Backend is what the page reads and changes; *registry.Server is one.
type Backend interface {
	World() authz.World
	Export() *scenarios.Scenario
	Apply(authz.Change) error
	Decisions() []registry.Record
	// ServeHTTP serves the packages REST API, through which the page
	// deletes and restores packages and versions.
	http.Handler
}

// Options configure a UI.
type Options struct {
	// AdminToken is the admin API's token; the login form takes it. Empty
	// disables the page.
	AdminToken string
	// Hosts are host names (without port) the page answers for besides IP
	// addresses and localhost: a request naming another Host is refused, so
	// a DNS name rebound to 127.0.0.1 reaches nothing.
	Hosts []string
	// Logger receives one record per change the page makes (as the admin
	// API logs its changes), never with a secret; nil discards.
	Logger *slog.Logger
	// Poll is how often the live timeline looks for new decisions; zero is
	// 100ms.
	Poll time.Duration
}

//go:embed assets
var assets embed.FS

// UI is the web page. Create it with New, mount Handler's result under
// Prefix, and call Close when the server shuts down (it ends the live
// timeline's streams).
type UI struct {
	opts      Options
	backend   Backend
	pages     func() (*template.Template, error) // parsed on first use (parsePages)
	static    http.Handler
	loginCode string // one-time

	mu       sync.Mutex
	sessions map[string]*session
	order    []string // session ids, oldest first
	done     chan struct{}
	closed   bool
	codeUsed bool // the login code has been used
}

// New makes a UI and its one-time login code.
func New(opts Options) (*UI, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Poll <= 0 {
		opts.Poll = 100 * time.Millisecond
	}
	code, err := randomHex(16)
	if err != nil {
		return nil, err
	}
	static, err := fs.Sub(assets, "assets/static")
	if err != nil {
		return nil, err
	}
	return &UI{opts: opts, pages: sync.OnceValues(parsePages), static: http.FileServerFS(static), loginCode: code,
		sessions: map[string]*session{}, done: make(chan struct{})}, nil
}

// parsePages parses the embedded page templates. It runs on the first
// page drawn rather than in New: parsing them costs about a millisecond,
// which every `fakeghcr serve` would otherwise spend before its first
// answer (issue 19's start-up; TestPagesParse keeps them parseable).
func parsePages() (*template.Template, error) {
	return template.New("").Funcs(funcs).ParseFS(assets, "assets/*.html")
}

// LoginURL is the page's one-time login link on base (e.g.
// http://127.0.0.1:5000), to print at start as the admin token is printed.
func (u *UI) LoginURL(base string) string {
	return strings.TrimSuffix(base, "/") + Prefix + "/login?code=" + u.loginCode
}

// Close ends the live timeline's streams; the page keeps answering.
func (u *UI) Close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.closed {
		u.closed = true
		close(u.done)
	}
}

// Mount returns the page's handler over backend, for
// registry.Options.AdminUI.
func (u *UI) Mount(backend *registry.Server) http.Handler { return u.Handler(backend) }

// Handler serves the page over backend. Paths are the full ones under
// Prefix.
func (u *UI) Handler(backend Backend) http.Handler {
	u.backend = backend
	// The routes are built on the first request to the page, not here:
	// every `fakeghcr serve` mounts the page before its first answer
	// (issue 19's start-up), and most never show it.
	routes := sync.OnceValue(u.routes)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { routes().ServeHTTP(w, r) })
}

// routes is the page's handler: its paths, the session and cross-origin
// checks, and guard.
func (u *UI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/{file}", http.StripPrefix("/static/", u.static))
	mux.HandleFunc("GET /login", u.handleLoginPage)
	mux.HandleFunc("POST /login", u.handleLogin)
	authed := http.NewServeMux()
	authed.HandleFunc("GET /{$}", u.page(u.overview))
	authed.HandleFunc("GET /package", u.page(u.packagePage))
	authed.HandleFunc("GET /repository", u.page(u.repositoryPage))
	authed.HandleFunc("GET /owner", u.page(u.ownerPage))
	authed.HandleFunc("GET /credentials", u.page(u.credentialsPage))
	authed.HandleFunc("POST /credentials", u.page(u.credentialsPage))
	authed.HandleFunc("GET /timeline", u.page(u.timelinePage))
	authed.HandleFunc("GET /timeline/events", u.handleEvents)
	authed.HandleFunc("POST /change", u.handleChange)
	authed.HandleFunc("POST /rest", u.handleREST)
	authed.HandleFunc("POST /logout", u.handleLogout)
	authed.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		u.fail(w, r, http.StatusNotFound, "There is no page "+r.Method+" "+Prefix+r.URL.Path+".")
	})
	mux.Handle("/", u.requireSession(authed))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.fail(w, r, http.StatusForbidden, "Refused: this request came from another web site (cross-origin). Changes are made from fakeghcr's own pages only.")
	}))
	return u.guard(http.StripPrefix(Prefix, cop.Handler(mux)))
}

// guard sets the headers every answer carries and refuses unknown hosts.
func (u *UI) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "+
			"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if u.opts.AdminToken == "" {
			u.fail(w, r, http.StatusNotFound, "The web page is off: fakeghcr runs without an admin token.")
			return
		}
		if r.URL.Path == Prefix {
			http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
			return
		}
		if !u.hostAllowed(r.Host) {
			u.fail(w, r, http.StatusMisdirectedRequest, "Refused: this page answers only for localhost, IP addresses and the server's own host names, not "+r.Host+".")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (u *UI) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	if host == "localhost" || net.ParseIP(host) != nil {
		return true
	}
	for _, h := range u.opts.Hosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

func (u *UI) checkAdminToken(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(u.opts.AdminToken)) == 1
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
