package registry_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// TestDecisionLogBoundedWithHugePaths: refused requests with paths of
// about 1 MB each are recorded with their texts cut to a kilobyte or so,
// and the log keeps far less than the paths sent. It used to keep every
// path whole: 1.6 MB of memory per request, /decisions answering 500 MB.
func TestDecisionLogBoundedWithHugePaths(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Parse("flood.yaml", []byte(floodWorld))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := registry.New(registry.Options{Scenario: sc, DecisionsKept: 100})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	const requests, pathSize = 20, 1_000_000
	ref := strings.Repeat("x", pathSize)
	for range requests {
		req, _ := http.NewRequest(http.MethodGet, hs.URL+"/v2/alice/flood/manifests/"+ref, nil)
		req.SetBasicAuth("alice", "ghp_flood_alice") // Basic straight to /v2/: refused and recorded
		resp, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 4 {
			t.Fatalf("GET with a %d-byte path: %s, want a refusal", pathSize, resp.Status)
		}
	}
	recs := srv.Decisions()
	if len(recs) != requests {
		t.Fatalf("%d decisions recorded, want %d", len(recs), requests)
	}
	total := 0
	for _, r := range recs {
		for _, field := range []string{r.Path, r.Repo, r.Principal, r.Message, r.Explanation, r.Fix} {
			total += len(field)
			if len(field) > 2<<10 {
				t.Fatalf("a record keeps a %d-byte text: %.100q...", len(field), field)
			}
		}
		if !strings.HasPrefix(r.Path, "/v2/alice/flood/manifests/xxx") || !strings.HasSuffix(r.Path, "(1000026 bytes)") {
			t.Errorf("path recorded as %.60q...%q, want its start and its length", r.Path, r.Path[max(0, len(r.Path)-20):])
		}
	}
	t.Logf("%d requests with %d-byte paths: %d bytes of text kept", requests, pathSize, total)
}
