package main

import (
	"fmt"
	"io"
	"net/url"

	"github.com/fakeghcr/fakeghcr/webui"
)

// newWebPage makes the web page served under /_fakeghcr/ui/, guarded by
// the admin token, answering for localhost, IP addresses and the host of
// publicURL.
func newWebPage(adminToken, publicURL string) (*webui.UI, error) {
	opts := webui.Options{AdminToken: adminToken}
	if u, err := url.Parse(publicURL); err == nil && u.Hostname() != "" {
		opts.Hosts = append(opts.Hosts, u.Hostname())
	}
	return webui.New(opts)
}

// printWebPage prints the page's one-time login link on base.
func printWebPage(w io.Writer, prefix string, ui *webui.UI, base string) {
	fmt.Fprintf(w, "%sweb page: %s (a one-time login link; after it, log in with the admin token)\n", prefix, ui.LoginURL(base))
}
