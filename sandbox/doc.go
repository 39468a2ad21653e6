// Package sandbox runs one command in a private network and mount namespace
// where ghcr.io (or any host names given) is an HTTPS server of the caller's:
// in fakeghcr, the registry. The command and everything it starts see
//
//   - a loopback interface and nothing else: no route leaves the sandbox, and
//     the host's own 127.0.0.1 services are out of reach; unless
//     Config.Offline, an HTTP proxy on that loopback (HTTP_PROXY,
//     HTTPS_PROXY, NO_PROXY set) whose dialer is outside: every name but the
//     hosts reaches the machine's network, and the hosts stay the handler's
//     over the proxy too;
//   - a private /etc/hosts naming the hosts 127.0.0.1, bind-mounted over the
//     host's file in the sandbox's mount namespace only;
//   - the system CA bundle with a CA made for the run appended, bind-mounted
//     over every well-known bundle path, and SSL_CERT_FILE,
//     REQUESTS_CA_BUNDLE and NODE_EXTRA_CA_CERTS pointing at it, so curl, Go,
//     Python and Node clients trust the server unchanged;
//   - /run and /var/run covered by an empty tmpfs (Config.KeepSockets shows
//     single paths again) and the host's container daemon sockets covered by
//     /dev/null, since a daemon outside would push on the command's behalf
//     through the host's network;
//   - its own DOCKER_CONFIG and login stores (ClientStores);
//   - its own PID namespace and /proc: the sandbox's first process reaps,
//     passes signals on, and stops whatever the command leaves running;
//   - its own user namespace, where it is root (every id mapped to itself
//     when the caller is root): its capabilities count for nothing the host
//     or the sandbox owns, and the mounts it inherits are locked, so it
//     cannot unmount /etc/hosts or /run to see the host's; capabilities no
//     build needs (modules, raw I/O, clock, BPF, ...) are dropped from its
//     bounding set by an exec step (this binary once more) inside that
//     namespace.
//
// Nothing in the host's namespaces changes: its /etc/hosts, trust store,
// mount table and network stay as they were (the package's tests check it).
//
// # How
//
// Run re-executes the current binary (/proc/self/exe) in new PID, network
// and mount namespaces, and a user namespace too when it lacks
// CAP_SYS_ADMIN (its user is root inside, itself outside; a multithreaded
// process cannot enter one itself). That child is the setup stage
// ChildMain, PID 1 of the sandbox: it binds the files, brings the loopback
// interface up, listens on 127.0.0.1:443 (and the proxy's port), sends the
// listening sockets back to Run over a socket pair, starts the daemons, then
// the command in new user and mount namespaces, and supervises it. A socket
// stays in the namespace it was made in, so Run serves the handler from
// outside, in the host's namespaces, on a listener only the sandbox can
// connect to. The stage's exit status is the command's.
//
// A run killed with SIGKILL leaves its directory under TMPDIR; the next Run
// removes it (its owner file names a process that is gone).
//
// Programs that call Run must call ChildMain when IsChild reports true, first
// thing in main (and in TestMain for tests), for the second way.
//
// Knowingly missing: no filesystem isolation beyond the files above (the
// command, root inside, reads and writes the host's files as the caller
// can; UNIX sockets outside /run, such as an SSH agent's under /tmp, stay
// reachable), and with Config.Docker the private engine runs as the host's
// root: a command that asks it for a privileged container is root on the
// host. Linux only.
package sandbox
