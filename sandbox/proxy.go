//go:build linux

package sandbox

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"slices"
	"strings"
	"sync"
	"time"
)

// passThrough is the sandbox's HTTP proxy: its listening socket is inside,
// it runs outside. CONNECT to one of hosts (any port) is answered by the
// handler over TLS, as if the client had gone to 127.0.0.1:443 inside; any
// other CONNECT is a TCP tunnel dialed from the host's network, and a plain
// request with an absolute URL is forwarded the same way. So the hosts stay
// fakeghcr's over every route, and everything else is the machine's
// network as it is outside.
type passThrough struct {
	hosts  []string
	dial   func(ctx context.Context, network, addr string) (net.Conn, error)
	served *connQueue // TLS connections for the handler's server
	tls    *tls.Config
	logger *slog.Logger
	fwd    *httputil.ReverseProxy
}

func newPassThrough(hosts []string, dial func(context.Context, string, string) (net.Conn, error), tc *tls.Config, logger *slog.Logger) *passThrough {
	if dial == nil {
		dial = outsideDial
	}
	p := &passThrough{hosts: hosts, dial: dial, served: newConnQueue(), tls: tc, logger: logger}
	p.fwd = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL = r.In.URL
			r.Out.Host = r.In.Host
			r.Out.Header.Del("Proxy-Authorization")
			r.Out.Header.Del("Proxy-Connection")
		},
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dial,
			ForceAttemptHTTP2:     false,
			MaxIdleConns:          16,
			IdleConnTimeout:       30 * time.Second,
			ResponseHeaderTimeout: 5 * time.Minute,
		},
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			logger.Warn("sandbox proxy: forwarding failed", "host", r.URL.Host, "error", err)
			http.Error(w, "fakeghcr sandbox proxy: "+err.Error(), http.StatusBadGateway)
		},
	}
	return p
}

// outsideDial dials from the host's network.
func outsideDial(ctx context.Context, network, addr string) (net.Conn, error) {
	return (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext(ctx, network, addr)
}

// isServed reports whether host (no port) is one of fakeghcr's names.
func (p *passThrough) isServed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	return slices.Contains(p.hosts, strings.ToLower(strings.TrimSuffix(host, ".")))
}

func (p *passThrough) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.connect(w, r)
		return
	}
	if !r.URL.IsAbs() || (r.URL.Scheme != "http" && r.URL.Scheme != "https") {
		http.Error(w, "fakeghcr sandbox proxy: want CONNECT or an absolute http:// URL", http.StatusBadRequest)
		return
	}
	if p.isServed(r.URL.Host) {
		// fakeghcr's names are HTTPS only, as GitHub's are.
		u := *r.URL
		u.Scheme, u.Host = "https", r.URL.Hostname()
		http.Redirect(w, r, u.String(), http.StatusMovedPermanently)
		return
	}
	p.fwd.ServeHTTP(w, r)
}

// connect answers CONNECT: fakeghcr's TLS for its hosts, a tunnel otherwise.
func (p *passThrough) connect(w http.ResponseWriter, r *http.Request) {
	target := r.Host
	if _, _, err := net.SplitHostPort(target); err != nil {
		http.Error(w, "fakeghcr sandbox proxy: CONNECT wants host:port", http.StatusBadRequest)
		return
	}
	var upstream net.Conn
	if !p.isServed(target) {
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		c, err := p.dial(ctx, "tcp", target)
		cancel()
		if err != nil {
			p.logger.Warn("sandbox proxy: CONNECT failed", "target", target, "error", err)
			http.Error(w, "fakeghcr sandbox proxy: "+err.Error(), http.StatusBadGateway)
			return
		}
		upstream = c
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		if upstream != nil {
			upstream.Close()
		}
		http.Error(w, "fakeghcr sandbox proxy: cannot hijack", http.StatusInternalServerError)
		return
	}
	client, buf, err := hj.Hijack()
	if err != nil {
		if upstream != nil {
			upstream.Close()
		}
		return
	}
	if _, err := client.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		client.Close()
		if upstream != nil {
			upstream.Close()
		}
		return
	}
	// Bytes the client sent after its CONNECT (a TLS hello) are in buf.
	var in net.Conn = client
	if n := buf.Reader.Buffered(); n > 0 {
		head, _ := buf.Reader.Peek(n)
		in = &prefixConn{Conn: client, prefix: append([]byte(nil), head...)}
	}
	if upstream == nil {
		p.served.push(tls.Server(in, p.tls))
		return
	}
	go tunnel(in, upstream)
}

// tunnel copies both ways until either side ends.
func tunnel(a, b net.Conn) {
	var once sync.Once
	closeBoth := func() { a.Close(); b.Close() }
	go func() { _, _ = io.Copy(b, a); once.Do(closeBoth) }()
	_, _ = io.Copy(a, b)
	once.Do(closeBoth)
}

// prefixConn is a connection whose first bytes were already read.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(b []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(b, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}

// connQueue is a net.Listener whose connections are pushed by the proxy.
type connQueue struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newConnQueue() *connQueue {
	return &connQueue{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (q *connQueue) push(c net.Conn) {
	select {
	case q.conns <- c:
	case <-q.closed:
		c.Close()
	}
}

func (q *connQueue) Accept() (net.Conn, error) {
	select {
	case c := <-q.conns:
		return c, nil
	case <-q.closed:
		return nil, net.ErrClosed
	}
}

func (q *connQueue) Close() error {
	q.once.Do(func() { close(q.closed) })
	return nil
}

func (q *connQueue) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 443} }
