package sandbox

import (
	"io"
	"log/slog"
	"net/http"
)

// DefaultHosts are the names that lead to the handler when Config.Hosts is empty.
var DefaultHosts = []string{"ghcr.io"}

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
	// Env is the command's environment (default os.Environ()). Proxy
	// variables are removed (no proxy is reachable) and the CA variables
	// listed in the package doc are set.
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
	// Pid is the command's process id (outside the sandbox).
	Pid int
}
