package registry

import (
	"net/http"
	"testing"
)

// OwnClient is an HTTP client with a transport of its own, its idle
// connections closed when tb ends. Tests of this package run in parallel,
// and any httptest.Server.Close closes http.DefaultTransport's idle
// connections, failing a request of another test on a reused one ("http:
// CloseIdleConnections called": TestTokenMintedBeforeAChangeGrantsNothingItShouldNot
// flaked so). Exported for the package's external tests.
func OwnClient(tb testing.TB) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}
