package registry_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// TestTokenScopeCap: /token takes at most registry.MaxTokenScopes scopes
// per request and answers more with a clear 400, at once, instead of
// minting a token of megabytes (30,000 scopes used to cost 1.5 s of CPU in
// a quadratic merge and a 2.3 MB token kept for an hour). Repeated scopes
// of one repository merge into one grant and count once.
func TestTokenScopeCap(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Parse("flood.yaml", []byte(floodWorld))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := registry.New(registry.Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	scopes := func(n, distinct int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "&scope=repository:alice/p%d:pull,push", i%distinct)
		}
		return b.String()
	}
	flood := func(n int) string { // short names: 30,000 fit in Go's 1 MB of headers
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf("repository:a/%d:pull", i)
		}
		return strings.Join(parts, "+")
	}
	for _, tt := range []struct {
		name   string
		query  string
		status int
	}{
		{"at the cap", scopes(registry.MaxTokenScopes, registry.MaxTokenScopes), http.StatusOK},
		{"over the cap", scopes(registry.MaxTokenScopes+1, registry.MaxTokenScopes+1), http.StatusBadRequest},
		{"the flood, 30,000 in one parameter", "&scope=" + flood(30_000), http.StatusBadRequest},
		{"repeats of few repositories", scopes(5_000, 3), http.StatusOK},
		{"space-separated in one parameter", "&scope=" + strings.Repeat("repository:alice/x:pull+", registry.MaxTokenScopes+1), http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodGet, hs.URL+"/token?service=ghcr.io"+tt.query, nil)
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("alice:ghp_flood_alice")))
			resp, err := hs.Client().Do(req)
			if err != nil {
				t.Fatalf("GET /token: %.200v", err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("GET /token: %s %.300s, want %d", resp.Status, body, tt.status)
			}
			if tt.status == http.StatusBadRequest {
				var e struct {
					Errors []struct{ Code, Message string }
				}
				if err := json.Unmarshal(body, &e); err != nil || len(e.Errors) != 1 || !strings.Contains(e.Errors[0].Message, fmt.Sprint(registry.MaxTokenScopes)) {
					t.Errorf("body %.300s: want one error naming the limit of %d scopes", body, registry.MaxTokenScopes)
				}
			}
			if tt.status == http.StatusOK && len(body) > 64<<10 {
				t.Errorf("token answer is %d bytes", len(body))
			}
		})
	}
}
