package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fakeghcr/fakeghcr/adminclient"
	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/certs"
	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// serveConfig is every serve flag; options() maps it to the library's
// registry.Options in one place.
type serveConfig struct {
	addr       string
	addrFile   string
	logFormat  string
	logLevel   string
	scenario   string
	adminToken string
	publicURL  string
	uploadTTL  time.Duration
	tokenTTL   time.Duration
	tlsCert    string
	tlsKey     string
	tlsHosts   string
	tlsCADir   string

	idleTimeout     time.Duration
	shutdownTimeout time.Duration
}

func (c *serveConfig) register(fsFlags *pflag.FlagSet) {
	fsFlags.StringVar(&c.addr, "addr", "127.0.0.1:5000", "address to listen on; :0 picks a free port")
	fsFlags.StringVar(&c.addrFile, "addr-file", "", "write the bound address to this file once listening")
	fsFlags.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fsFlags.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fsFlags.StringVar(&c.scenario, "scenario", "", "world to load: a built-in scenario name or a YAML file (default: the built-in default world)")
	fsFlags.StringVar(&c.adminToken, "admin-token", "", "token for the /_fakeghcr/ admin API (generated and printed when empty)")
	fsFlags.StringVar(&c.publicURL, "public-url", "", "base URL for the token realm in challenges (default: the request's scheme and host)")
	fsFlags.DurationVar(&c.uploadTTL, "upload-ttl", registry.DefaultUploadTTL, "how long an idle upload session lives (GHCR: 10m)")
	fsFlags.DurationVar(&c.tokenTTL, "token-ttl", registry.DefaultTokenTTL, "lifetime of registry tokens")
	fsFlags.StringVar(&c.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate (e.g. one for ghcr.io; see docs/act.md)")
	fsFlags.StringVar(&c.tlsKey, "tls-key", "", "the PEM private key of --tls-cert")
	fsFlags.StringVar(&c.tlsHosts, "tls-hosts", "", "serve HTTPS with a certificate issued at start for these comma-separated names (e.g. ghcr.io,localhost,127.0.0.1) by the CA in --tls-ca-dir")
	fsFlags.DurationVar(&c.idleTimeout, "idle-timeout", 2*time.Minute, "close keep-alive connections idle this long")
	fsFlags.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 10*time.Second, "on SIGTERM or SIGINT, how long requests in flight may finish before they are cut (and logged)")
	fsFlags.StringVar(&c.tlsCADir, "tls-ca-dir", "", "where --tls-hosts keeps its CA (ca.crt, ca.key; created on first use, then reused so it is trusted once); default: the user config dir's fakeghcr/ca")
}

const serveLong = `Runs the registry until SIGINT or SIGTERM (Ctrl-C). Registry at /v2/, token
service at /token, admin API and health check under /_fakeghcr/. Everything is
kept in memory: all data is lost on restart.

On SIGTERM or SIGINT it stops accepting, lets requests in flight finish for up
to --shutdown-timeout, logs each request it then cuts, and exits 0.

Started with "go run", stopping "go run" by its process id can leave the
server running and holding its port: press Ctrl-C in its terminal, or
build first (go build ./cmd/fakeghcr) and run ./fakeghcr serve.`

func newServeCmd(cli *cliEnv) *cobra.Command {
	var cfg serveConfig
	c := &cobra.Command{
		Use:   "serve",
		Short: "run the registry (the in-memory default world, or --scenario)",
		Long:  serveLong,
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), cli, cfg)
		},
	}
	cfg.register(c.Flags())
	return c
}

func serve(ctx context.Context, env *cliEnv, cfg serveConfig) error {
	logger, err := newLogger(env, cfg.logFormat, cfg.logLevel)
	if err != nil {
		return err
	}
	// Listen before the world is built: a client that connects meanwhile
	// waits in the listen backlog for its answer instead of being refused
	// and polling again (start to first answer, docs/benchmarks.md).
	// Nothing is accepted until the server is ready.
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	sc, err := loadKnownScenario(cfg.scenario)
	if err != nil {
		return err
	}
	for _, w := range sc.Warnings {
		logger.Warn("scenario: " + w)
	}
	if names := redactedCredentials(sc); len(names) > 0 {
		logger.Warn("scenario: credentials with a redacted secret (exported by `fakeghcr world` without --secrets): clients presenting the real secret are refused with denied: denied; write the secrets back",
			"credentials", strings.Join(names, ","))
	}
	generated := cfg.adminToken == ""
	if generated {
		if cfg.adminToken, err = randomToken(); err != nil {
			return err
		}
	}
	page, err := newWebPage(logger, cfg.adminToken, cfg.publicURL, cfg.tlsHosts)
	if err != nil {
		return err
	}
	srv, err := registry.New(registry.Options{
		Scenario:   sc,
		Logger:     logger,
		AdminToken: cfg.adminToken,
		AdminUI:    page.Mount,
		PublicURL:  strings.TrimSuffix(cfg.publicURL, "/"),
		UploadTTL:  cfg.uploadTTL,
		TokenTTL:   cfg.tokenTTL,
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	tlsConfig, err := serveTLS(env, cfg)
	if err != nil {
		return err
	}
	scheme := "http"
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
		scheme = "https"
	}
	url, everywhere := usableURL(scheme, ln.Addr())
	if cfg.addrFile != "" {
		if err := os.WriteFile(cfg.addrFile, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
			return fmt.Errorf("writing --addr-file: %w", err)
		}
	}
	fmt.Fprintf(env.stdout, "fakeghcr serving %s (scenario %s)\n", url, sc.Name)
	if everywhere {
		fmt.Fprintf(env.stdout, "  listening on every interface (%s): in a container, reach it through the port published on the host, or from another container by its name (http://fakeghcr:5000 in docker-compose.yml)\n", ln.Addr())
	}
	if generated {
		fmt.Fprintf(env.stdout, "admin token: %s (set --admin-token or %s to choose one)\n", cfg.adminToken, envName("admin-token"))
	}
	printWebPage(env.stdout, "", page, url)
	printCredentials(env, sc, scenarioFile(cfg.scenario))
	track := newInflight()
	hs := &http.Server{Handler: track.wrap(srv), ReadHeaderTimeout: 30 * time.Second, IdleTimeout: cfg.idleTimeout}
	hs.RegisterOnShutdown(page.Close) // ends the timeline's streams
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return drain(hs, errc, track, cfg.shutdownTimeout, logger)
}

// serveTLS returns the TLS configuration the flags ask for, or nil for
// plain HTTP: a given certificate (--tls-cert/--tls-key), or one issued
// at start for --tls-hosts by a CA kept in --tls-ca-dir.
func serveTLS(env *cliEnv, cfg serveConfig) (*tls.Config, error) {
	var cert tls.Certificate
	switch {
	case (cfg.tlsCert == "") != (cfg.tlsKey == ""):
		return nil, errors.New("--tls-cert and --tls-key go together")
	case cfg.tlsCert != "" && cfg.tlsHosts != "":
		return nil, errors.New("--tls-hosts issues a certificate; it does not go with --tls-cert")
	case cfg.tlsCert != "":
		c, err := tls.LoadX509KeyPair(cfg.tlsCert, cfg.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("loading --tls-cert/--tls-key: %w", err)
		}
		cert = c
	case cfg.tlsHosts != "":
		dir := cfg.tlsCADir
		if dir == "" {
			base, err := os.UserConfigDir()
			if err != nil {
				return nil, fmt.Errorf("--tls-hosts: no --tls-ca-dir and no user config dir: %w", err)
			}
			dir = filepath.Join(base, "fakeghcr", "ca")
		}
		ca, created, err := certs.LoadOrCreate(dir, time.Now())
		if err != nil {
			return nil, fmt.Errorf("--tls-ca-dir: %w", err)
		}
		var hosts []string
		for _, h := range strings.Split(cfg.tlsHosts, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hosts = append(hosts, h)
			}
		}
		if cert, err = ca.Issue(hosts, time.Now()); err != nil {
			return nil, fmt.Errorf("--tls-hosts: %w", err)
		}
		verb := "using"
		if created {
			verb = "created"
		}
		fmt.Fprintf(env.stdout, "TLS for %s, %s CA %s (trust it once: /etc/docker/certs.d/HOST/ca.crt, update-ca-certificates)\n",
			strings.Join(hosts, ", "), verb, filepath.Join(dir, certs.CertFile))
	default:
		return nil, nil
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// usableURL is the base URL a person can paste: a listener on every
// interface (":5000", "0.0.0.0:5000", "[::]:5000") is reached at
// 127.0.0.1 from the same machine; everywhere reports that case.
func usableURL(scheme string, addr net.Addr) (url string, everywhere bool) {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return scheme + "://" + addr.String(), false
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return scheme + "://" + net.JoinHostPort("127.0.0.1", port), true
	}
	return scheme + "://" + addr.String(), false
}

// loadScenario resolves --scenario: a file when the value names one (or
// looks like a path), otherwise a built-in name; empty is the default world.
func loadScenario(name string) (*scenarios.Scenario, error) {
	if name == "" {
		return scenarios.Default(), nil
	}
	if scenarioFile(name) {
		sc, err := scenarios.Load(name)
		if err != nil {
			return nil, fileHint(name, err)
		}
		return sc, nil
	}
	return scenarios.Builtin(name)
}

// loadKnownScenario is loadScenario for what serves a world (serve,
// scenario verify): a world with fields marked unknown is refused, naming
// them, since a server cannot answer as GHCR would from a guess.
func loadKnownScenario(name string) (*scenarios.Scenario, error) {
	sc, err := loadScenario(name)
	if err != nil {
		return nil, err
	}
	if err := sc.RequireKnown(name); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return sc, nil
}

// scenarioFile reports whether --scenario name is a file rather than a
// built-in name.
func scenarioFile(name string) bool {
	if name == "" {
		return false
	}
	_, err := os.Stat(name)
	return err == nil || strings.ContainsAny(name, `/\`) || strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// fileHint adds what to do about a scenario file that cannot be read,
// mostly as mounted into a container.
func fileHint(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w\n  the server's user cannot read %s: make it readable (chmod a+r); the container image runs as an unprivileged user (uid 65534), not as the file's owner", err, path)
	case errors.Is(err, syscall.EISDIR):
		return fmt.Errorf("%w\n  %s is a directory: when the host path of a bind mount (docker run -v, compose volumes:) does not exist, Docker creates an empty directory in its place; check the host path", err, path)
	}
	return err
}

// printCredentials lists the world's credentials, so that whoever started
// the server knows what to log in with. The built-in scenarios' secrets are
// fakeghcr's own demo secrets and are printed. A scenario file's secrets
// are the user's: each is printed unless it is shaped like a real GitHub
// token (realTokenShape), which is then named but never printed (act
// sends real tokens, and a file may have been written to match one).
func printCredentials(env *cliEnv, sc *scenarios.Scenario, fromFile bool) {
	if len(sc.World.Credentials) == 0 {
		fmt.Fprintf(env.stdout, "scenario %s has no credentials: only anonymous requests\n", sc.Name)
		return
	}
	fmt.Fprintf(env.stdout, "credentials of scenario %s (username: anything, password: the secret):\n", sc.Name)
	for _, c := range sc.World.Credentials {
		detail := ""
		switch {
		case c.Repository != "":
			detail = "workflow in " + c.Repository
			if c.Packages != "" {
				detail += ", packages: " + string(c.Packages)
			}
		case c.User != "":
			detail = "user " + c.User
			if len(c.Scopes) > 0 {
				detail += ", scopes " + strings.Join(c.Scopes, " ")
			}
		}
		if c.Revoked {
			detail += " (revoked)"
		}
		secret := c.Secret
		switch {
		case secret == authz.Wildcard:
			secret = "* (any other)"
		case fromFile && realTokenShape(secret):
			secret = "(not printed)"
		}
		fmt.Fprintf(env.stdout, "  %-20s %-16s %-28s %s\n", c.Name, c.Kind, secret, detail)
	}
}

// realTokenShape reports whether s looks like a real GitHub token rather
// than a made-up demo secret: at least 40 characters of letters, digits
// and '_' (GitHub's tokens are a prefix such as ghp_ or github_pat_ and
// 36 or more characters, or 40 hex digits for the oldest; see
// https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/).
func realTokenShape(s string) bool {
	if len(s) < 40 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func newLogger(env *cliEnv, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(env.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(env.stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func newHealthcheckCmd(cli *cliEnv) *cobra.Command {
	var (
		url     string
		timeout time.Duration
		caFile  string
	)
	c := &cobra.Command{
		Use:   "healthcheck",
		Short: "exit 0 if a running fakeghcr answers /_fakeghcr/healthz",
		Long:  "Exits 0 if the fakeghcr at --url answers GET /_fakeghcr/healthz with 200 (for container healthchecks).",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			hc := &http.Client{}
			if caFile != "" {
				pem, err := os.ReadFile(caFile)
				if err != nil {
					return usageErrorf("--ca: %w", err)
				}
				pool := x509.NewCertPool()
				if !pool.AppendCertsFromPEM(pem) {
					return usageErrorf("--ca %s: no PEM certificate", caFile)
				}
				hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
			}
			if _, err := neturl.Parse(url); err != nil {
				return usageErrorf("--url: %w", err)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			if err := adminclient.New(url, "", adminclient.WithHTTPClient(hc)).Healthz(ctx); err != nil {
				return err
			}
			fmt.Fprintln(cli.stdout, "ok")
			return nil
		},
	}
	c.Flags().StringVar(&url, "url", "http://127.0.0.1:5000", "base URL of the running fakeghcr")
	c.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "how long to wait for the answer")
	c.Flags().StringVar(&caFile, "ca", "", "PEM CA certificate to trust for an https --url (e.g. the ca.crt of --tls-ca-dir)")
	return c
}
