package sandbox

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// DefaultHosts are the names that lead to the handler when Config.Hosts is
// empty: GitHub's container registry, and GitHub's REST API, which actions
// such as docker/metadata-action read the repository from.
var DefaultHosts = []string{"ghcr.io", "api.github.com"}

// Config is one sandboxed run. Command and Handler are required; the zero
// value of every other field works.
type Config struct {
	// Command is the program and its arguments; Command[0] is looked up in
	// the PATH of Env when it has no slash.
	Command []string
	// Handler answers every HTTPS request to Hosts on port 443.
	Handler http.Handler
	// Hosts resolve to 127.0.0.1 inside and are the certificate's names
	// (default DefaultHosts).
	Hosts []string
	// Dir is the command's working directory (default: the caller's).
	Dir string
	// Env is the command's environment (default os.Environ()). The
	// caller's proxy variables are replaced by the sandbox's own proxy (none
	// when Offline), the CA variables listed in the package doc are set, and
	// the clients' login stores point into DockerConfig.
	Env []string
	// Stdin, Stdout and Stderr are the command's (default: none, discarded).
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Logger gets the server's errors and the sandbox's setup (default: discarded).
	Logger *slog.Logger
	// Docker starts a private Docker engine inside before the command, and
	// stops it after: DOCKER_HOST names its socket, it trusts the run's CA
	// for Hosts, and it reaches nothing but them. Needs root and dockerd
	// (with containerd) in the PATH of Env.
	Docker bool
	// Started, when set, is called once the command has been executed.
	Started func(Info)

	// DockerConfig is the command's DOCKER_CONFIG directory, which also
	// holds the other clients' login stores (see ClientStores). Empty: a
	// fresh one for this run, removed after it. It is created when missing.
	DockerConfig string
	// Offline: nothing but Hosts is reachable from inside. Otherwise every
	// other name and address is reached through a proxy whose socket is
	// inside and whose dialer is outside (HTTP_PROXY and HTTPS_PROXY name it).
	Offline bool
	// Dial is the pass-through proxy's dialer, outside (default: the
	// machine's network, as net.Dialer dials).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// KeepSockets are paths under /run or /var/run that stay visible inside;
	// every other path there is hidden by an empty tmpfs.
	KeepSockets []string
	// IdleTimeout closes keep-alive connections idle this long (default 2m).
	IdleTimeout time.Duration
}

// Info describes a running sandbox, for Config.Started.
type Info struct {
	// CAPEM is the PEM certificate of the CA made for this run.
	CAPEM []byte
	// CAFile is a file holding CAPEM, readable inside and outside the
	// sandbox until Run returns (for /etc/docker/certs.d/HOST/ca.crt and the like).
	CAFile string
	// UserNamespace says whether the sandbox needed a user namespace.
	UserNamespace bool
	// Pid is the process id (outside the sandbox) of the sandbox's first
	// process, which started the command and stops whatever it leaves.
	Pid int
	// Proxy is the pass-through proxy's address inside ("" when Offline).
	Proxy string
}
