package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/sandbox"
)

const sandboxLong = `Runs COMMAND (Linux) in a private network and mount namespace where ghcr.io is
this fakeghcr, so a workflow or script that says ghcr.io runs unchanged:

  - ghcr.io and api.github.com (--hosts) resolve to 127.0.0.1, where
    fakeghcr serves HTTPS on port 443: the registry, and GitHub's REST API
    for the world's repositories and packages (a private /etc/hosts,
    bind-mounted; the host's file is untouched);
  - the certificate comes from a CA made for this run, appended to the system
    CA bundle bind-mounted inside, and named by SSL_CERT_FILE,
    REQUESTS_CA_BUNDLE and NODE_EXTRA_CA_CERTS: curl, Go, Python and Node
    clients trust it unchanged;
  - every other name and address is this machine's network, through a proxy
    whose socket is inside (HTTP_PROXY, HTTPS_PROXY and NO_PROXY are set;
    git, curl, Go, Node and Docker's engine follow them): actions clone and
    images pull as outside, and a proxied ghcr.io is still fakeghcr.
    --offline: loopback only, nothing else is reachable;
  - the command has its own DOCKER_CONFIG and login stores (podman/skopeo's
    REGISTRY_AUTH_FILE, helm's, regctl's): a login inside never touches the
    host's; --docker-config DIR keeps them between runs;
  - the command runs as root of a user namespace of its own, in a PID
    namespace: it cannot unmount what the sandbox mounted, /run and /var/run
    are an empty tmpfs (the host's Docker, containerd and other sockets are
    gone; --keep-socket shows one again), and whatever it leaves running is
    stopped when it ends, with a message naming it.

COMMAND's exit status is fakeghcr sandbox's (125 when the sandbox could not be
made). When COMMAND ends, fakeghcr prints the refusals it made and why
(--explain). Inside, the admin API is https://ghcr.io/_fakeghcr/ and
FAKEGHCR_SERVER and FAKEGHCR_ADMIN_TOKEN are set, so "fakeghcr access add"
works as is; outside, --admin-addr serves the registry and its admin API.

Without root it uses a user namespace (COMMAND runs as root inside, as your
user outside); it says what to change when the kernel forbids them.
--docker (root) starts a private Docker engine inside: its own data root, no
bridge, no iptables, /etc/docker/certs.d/ghcr.io/ca.crt, DOCKER_HOST set.

serve's flags apply, except --addr and --tls-*: inside, fakeghcr is always
https://ghcr.io on 127.0.0.1:443; --addr-file gets the --admin-addr address.`

// sandboxConfig is every sandbox flag: serve's, and its own.
type sandboxConfig struct {
	serve        serveConfig
	adminAddr    string
	hosts        string
	docker       bool
	explain      bool
	offline      bool
	dockerConfig string
	keepSockets  []string
}

func newSandboxCmd(cli *cliEnv) *cobra.Command {
	var cfg sandboxConfig
	c := &cobra.Command{
		Use:   "sandbox [flags] -- COMMAND [ARGS...]",
		Short: "run COMMAND where ghcr.io is this fakeghcr (Linux): workflows run unchanged",
		Long:  sandboxLong,
		Example: `  fakeghcr sandbox --scenario examples/workflows/fakeghcr.yaml -- \
    act push -P ubuntu-latest=-self-hosted -s GITHUB_TOKEN=ghs_fake
  fakeghcr sandbox --admin-addr 127.0.0.1:5001 -- crane push img.tar ghcr.io/acme/api:v1`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("no COMMAND: fakeghcr sandbox [flags] -- COMMAND [ARGS...]")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, name := range []string{"addr", "tls-cert", "tls-key", "tls-hosts", "tls-ca-dir"} {
				if cmd.Flags().Changed(name) {
					return usageErrorf("--%s does not apply to sandbox: inside, fakeghcr is https://ghcr.io on 127.0.0.1:443 with a CA made for the run; --admin-addr listens outside", name)
				}
			}
			explain := "auto"
			if cmd.Flags().Changed("explain") {
				explain = map[bool]string{true: "always", false: "never"}[cfg.explain]
			}
			return runSandbox(cmd.Context(), cli, cfg, explain, args)
		},
	}
	cfg.serve.register(c.Flags())
	for _, name := range []string{"addr", "tls-cert", "tls-key", "tls-hosts", "tls-ca-dir"} {
		_ = c.Flags().MarkHidden(name)
	}
	// Inside, the command's output matters: fakeghcr logs only problems,
	// and explains its refusals at the end.
	if f := c.Flags().Lookup("log-level"); f != nil {
		f.DefValue = "warn"
		_ = f.Value.Set("warn")
	}
	c.Flags().StringVar(&cfg.adminAddr, "admin-addr", "", "also serve the registry and its admin API outside the sandbox, on this address (e.g. 127.0.0.1:5001; :0 picks a port)")
	c.Flags().StringVar(&cfg.hosts, "hosts", strings.Join(sandbox.DefaultHosts, ","), "comma-separated names that lead to fakeghcr inside")
	c.Flags().BoolVar(&cfg.docker, "docker", false, "start a private Docker engine inside (root; dockerd and containerd in the PATH)")
	c.Flags().BoolVar(&cfg.offline, "offline", false, "reach nothing but fakeghcr from inside (default: every other name and address through a proxy to this machine's network)")
	c.Flags().StringVar(&cfg.dockerConfig, "docker-config", "", "the command's DOCKER_CONFIG and login stores: keep them in this directory between runs (default: a fresh one per run; the host's are never used)")
	c.Flags().StringArrayVar(&cfg.keepSockets, "keep-socket", nil, "a path under /run or /var/run to keep visible inside (repeatable; the rest of /run is hidden)")
	c.Flags().BoolVar(&cfg.explain, "explain", false, "print fakeghcr's decisions when COMMAND ends (default: its refusals, when there were any; --explain: all, --explain=false: none)")
	return c
}

// sandboxFailed is the exit code when the sandbox could not be made or
// COMMAND not started, as docker run and env use it.
const sandboxFailed = 125

func runSandbox(ctx context.Context, cli *cliEnv, cfg sandboxConfig, explain string, command []string) error {
	sc := cfg.serve
	logger, err := newLogger(cli, sc.logFormat, sc.logLevel)
	if err != nil {
		return usageErrorf("%v", err)
	}
	scenario, err := loadKnownScenario(sc.scenario)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	generated := sc.adminToken == ""
	if generated {
		if sc.adminToken, err = randomToken(); err != nil {
			return err
		}
	}
	var hosts []string
	for _, h := range strings.Split(cfg.hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) == 0 {
		return usageErrorf("--hosts: no host name")
	}
	page, err := newWebPage(logger, sc.adminToken, sc.publicURL, cfg.hosts)
	if err != nil {
		return err
	}
	defer page.Close()
	srv, err := registry.New(registry.Options{
		Scenario:   scenario,
		Logger:     logger,
		AdminToken: sc.adminToken,
		AdminUI:    page.Mount,
		PublicURL:  strings.TrimSuffix(sc.publicURL, "/"),
		UploadTTL:  sc.uploadTTL,
		TokenTTL:   sc.tokenTTL,
	})
	if err != nil {
		return &exitError{code: sandboxFailed, err: err}
	}

	outside := "none (--admin-addr)"
	if cfg.adminAddr != "" {
		ln, err := net.Listen("tcp", cfg.adminAddr)
		if err != nil {
			return &exitError{code: sandboxFailed, err: fmt.Errorf("--admin-addr: %w", err)}
		}
		hs := &http.Server{Handler: srv, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: sc.idleTimeout}
		go func() { _ = hs.Serve(ln) }()
		defer hs.Close()
		outside = "http://" + ln.Addr().String()
		printWebPage(cli.stderr, "fakeghcr sandbox: ", page, outside)
		if sc.addrFile != "" {
			if err := os.WriteFile(sc.addrFile, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
				return &exitError{code: sandboxFailed, err: fmt.Errorf("writing --addr-file: %w", err)}
			}
		}
	}
	names := strings.Join(hosts, ", ") + " is"
	if len(hosts) > 1 {
		names = strings.Join(hosts[:len(hosts)-1], ", ") + " and " + hosts[len(hosts)-1] + " are"
	}
	network := "every other name goes to this machine's network through a proxy"
	if cfg.offline {
		network = "nothing else is reachable (--offline)"
	}
	fmt.Fprintf(cli.stderr, "fakeghcr sandbox: %s fakeghcr (scenario %s); %s; admin API: https://%s%s/ inside, %s outside\n",
		names, scenario.Name, network, hosts[0], registry.AdminPrefix, outside)
	if generated {
		fmt.Fprintf(cli.stderr, "fakeghcr sandbox: admin token %s (set --admin-token or %s to choose one)\n", sc.adminToken, envName("admin-token"))
	}

	dockerConfig := cfg.dockerConfig
	if dockerConfig != "" {
		if dockerConfig, err = filepath.Abs(dockerConfig); err != nil {
			return usageErrorf("--docker-config: %v", err)
		}
	}
	env := append(os.Environ(),
		envName("server")+"=https://"+hosts[0],
		envName("admin-token")+"="+sc.adminToken,
	)
	// Ctrl-C is COMMAND's: the terminal sends SIGINT to it directly (an
	// interactive shell inside ignores it). SIGTERM and SIGHUP to fakeghcr
	// are passed on to COMMAND.
	runCtx, stop := signal.NotifyContext(context.WithoutCancel(ctx), syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	code, err := sandbox.Run(runCtx, sandbox.Config{
		Command: command,
		Handler: srv,
		Hosts:   hosts,
		Env:     env,
		Stdin:   os.Stdin,
		Stdout:  cli.stdout,
		Stderr:  cli.stderr,
		Logger:  logger,
		Docker:  cfg.docker,

		DockerConfig: dockerConfig,
		Offline:      cfg.offline,
		KeepSockets:  cfg.keepSockets,
		IdleTimeout:  sc.idleTimeout,
	})
	if err != nil {
		// "fakeghcr sandbox: " is printed before it already.
		return &exitError{code: sandboxFailed, err: errors.New(strings.TrimPrefix(err.Error(), "sandbox: "))}
	}
	printSandboxDecisions(cli, srv.Decisions(), explain)
	if code != 0 {
		return exitCode(code)
	}
	return nil
}

// printSandboxDecisions prints the decisions made while COMMAND ran, on
// stderr: the refusals when there were any ("auto"), all ("always"), or none.
func printSandboxDecisions(cli *cliEnv, recs []registry.Record, explain string) {
	refused := 0
	for _, r := range recs {
		if !r.Allowed {
			refused++
		}
	}
	switch {
	case explain == "never", explain == "auto" && refused == 0:
		return
	}
	fmt.Fprintf(cli.stderr, "\nfakeghcr sandbox: %d decisions, %d refused, while the command ran (newest first):\n", len(recs), refused)
	printDecisions(cli.stderr, recs, explain == "always", 0)
}
