package ghcrtest

import (
	"net/http"

	"github.com/fakeghcr/fakeghcr/faults"
	"github.com/fakeghcr/fakeghcr/restapi"
)

// WithFaults starts the server with failures injected from the first
// request: GHCR's 429, 5xx answers, delays, cut uploads, read-after-write
// lag (see package faults). AddFault adds more later.
func WithFaults(rules ...faults.Rule) Option {
	return func(c *config) { c.faults = append(c.faults, rules...) }
}

// AddFault injects a failure from now on and returns the rule with its id;
// an invalid rule fails the test.
func (s *Server) AddFault(r faults.Rule) faults.Rule {
	added, err := s.reg.Faults().Add(r)
	if err != nil {
		s.fatal(err)
	}
	return added
}

// Faults lists the fault rules with how often each matched and fired.
func (s *Server) Faults() []faults.Status { return s.reg.Faults().List() }

// ClearFaults removes every fault rule.
func (s *Server) ClearFaults() { s.reg.Faults().Clear() }

// APIURL is the base URL of GitHub's packages REST API on the fixture, in
// GitHub Enterprise Server's layout (…/api/v3/), for go-github's
// WithEnterpriseURLs or Octokit's baseUrl:
//
//	gh, _ := github.NewClient(srv.APIClient("alice")).WithEnterpriseURLs(srv.APIURL(), srv.APIURL())
func (s *Server) APIURL() string {
	scheme := "http://"
	if s.tls != nil {
		scheme = "https://"
	}
	return scheme + s.Host() + restapi.APIPrefix + "/"
}

// APIClient returns an http.Client for the REST API that sends the secret
// of the named credential as GitHub's clients do (Authorization: Bearer),
// over Transport. Give it to go-github's NewClient.
func (s *Server) APIClient(credential string) *http.Client {
	return &http.Client{Transport: &bearerTransport{secret: s.Secret(credential), next: s.tr}}
}

// SetDownloads sets a version's download count, for GitHub's rule that a
// public version with more than 5,000 downloads cannot be deleted.
func (s *Server) SetDownloads(pkg, digest string, n int64) {
	s.reg.PackagesAPI().SetDownloads(pkg, digest, n)
}

type bearerTransport struct {
	secret string
	next   http.RoundTripper
}

func (b *bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.secret)
	return b.next.RoundTrip(r)
}
