package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"

	"github.com/fakeghcr/fakeghcr/webui"
)

// newWebPage makes the web page served under /_fakeghcr/ui/, guarded by
// the admin token, answering for localhost, IP addresses, the host of
// publicURL and hosts (comma-separated, as --tls-hosts).
func newWebPage(logger *slog.Logger, adminToken, publicURL, hosts string) (*webui.UI, error) {
	opts := webui.Options{AdminToken: adminToken, Logger: logger}
	for _, h := range strings.Split(hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			opts.Hosts = append(opts.Hosts, h)
		}
	}
	if u, err := url.Parse(publicURL); err == nil && u.Hostname() != "" {
		opts.Hosts = append(opts.Hosts, u.Hostname())
	}
	return webui.New(opts)
}

// printWebPage prints the page's one-time login link on base.
func printWebPage(w io.Writer, prefix string, ui *webui.UI, base string) {
	fmt.Fprintf(w, "%sweb page: %s (a one-time login link; after it, log in with the admin token)\n", prefix, ui.LoginURL(base))
}
