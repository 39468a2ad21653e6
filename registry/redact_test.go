package registry_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// TestWorldExportRedactsSecrets: GET /_fakeghcr/world?redact=secrets
// replaces every credential's secret (they may be real GitHub tokens);
// without it the world is exported whole, as before.
func TestWorldExportRedactsSecrets(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Parse("rebind.yaml", []byte(rebindWorld))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := registry.New(registry.Options{Scenario: sc, AdminToken: "adm"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	get := func(query string) string {
		req, _ := http.NewRequest(http.MethodGet, hs.URL+registry.AdminPrefix+"/world"+query, nil)
		req.Header.Set("Authorization", "Bearer adm")
		resp, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /world%s: %s %s", query, resp.Status, b)
		}
		return string(b)
	}
	redacted, whole := get("?redact=secrets"), get("")
	for name, secret := range rebindSecrets {
		if strings.Contains(redacted, secret) {
			t.Errorf("redacted world shows %s's secret", name)
		}
		if !strings.Contains(redacted, "secret: "+registry.RedactedSecret+name) {
			t.Errorf("redacted world lacks %s's placeholder:\n%s", name, redacted)
		}
		if !strings.Contains(whole, secret) {
			t.Errorf("whole world lacks %s's secret", name)
		}
	}
	if _, err := scenarios.Parse("redacted.yaml", []byte(redacted)); err != nil {
		t.Errorf("the redacted world does not load back: %v", err)
	}
}
