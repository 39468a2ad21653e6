// Package sandbox runs one command in a private network and mount namespace
// where ghcr.io (or any host names given) is an HTTPS server of the caller's:
// in fakeghcr, the registry. The command and everything it starts see
//
//   - a loopback interface and nothing else: no route leaves the sandbox, so
//     a mistake cannot reach the real ghcr.io, and the host's own 127.0.0.1
//     services are out of reach too;
//   - a private /etc/hosts naming the hosts 127.0.0.1, bind-mounted over the
//     host's file in the sandbox's mount namespace only;
//   - the system CA bundle with a CA made for the run appended, bind-mounted
//     over every well-known bundle path, and SSL_CERT_FILE,
//     REQUESTS_CA_BUNDLE and NODE_EXTRA_CA_CERTS pointing at it, so curl, Go,
//     Python and Node clients trust the server unchanged;
//   - the host's container daemon sockets (docker, containerd, buildkitd)
//     covered by /dev/null, since a daemon outside would push on the
//     command's behalf through the host's network.
//
// Nothing in the host's namespaces changes: its /etc/hosts, trust store,
// mount table and network stay as they were (the package's tests check it).
//
// # How
//
// With CAP_SYS_ADMIN (root), Run locks one OS thread of its own process,
// gives that thread new network and mount namespaces (both are per thread
// until a process is forked: unshare(2)), makes all mounts private, binds the
// files it wrote, brings the loopback interface up, binds 127.0.0.1:443 and
// forks the command from that thread, which inherits the namespaces. The
// thread does nothing else and ends with the run.
//
// Without it, a user namespace is needed, and a multithreaded process cannot
// enter one: Run re-executes the current binary (/proc/self/exe) in new user,
// network and mount namespaces (its user is root inside, itself outside).
// That child is the short setup stage ChildMain: it does the same setup,
// sends the listening socket back to Run over a socket pair and execs the
// command in place.
//
// Either way a socket stays in the namespace it was made in, so Run serves
// the handler from outside, in the host's namespaces, on a listener that only
// the sandbox can connect to. The command is Run's direct child: its exit
// status is Run's result.
//
// Programs that call Run must call ChildMain when IsChild reports true, first
// thing in main (and in TestMain for tests), for the second way.
//
// Knowingly missing: no PID namespace (a daemon the command leaves running
// outlives it), no filesystem isolation beyond the files above, Linux only.
package sandbox
