package registry_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// floodWorld: alice may push and pull her own packages.
const floodWorld = `name: flood
description: flood
fix: none
owners:
  - {login: alice, type: user}
credentials:
  - {name: alice, secret: ghp_flood_alice, type: classic_pat, user: alice, scopes: ["write:packages", "read:packages"]}
`

// floodServer serves floodWorld and returns its URL and a bearer token for
// push and pull on alice/flood.
func floodServer(t *testing.T) (string, string) {
	t.Helper()
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
	req, _ := http.NewRequest(http.MethodGet, hs.URL+"/token?service=ghcr.io&scope=repository:alice/flood:pull,push", nil)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("alice:ghp_flood_alice")))
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.Token == "" {
		t.Fatalf("token: %s, %v", resp.Status, err)
	}
	return hs.URL, "Bearer " + tok.Token
}

func floodDo(t *testing.T, method, url, auth string, body []byte, contentType string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	req.Header.Set("Authorization", auth)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := registry.OwnClient(t).Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// floodManifestBody has n distinct layers nobody pushed: 49,300 fit just
// under GHCR's 4 MiB manifest cap.
func floodManifestBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:` + strings.Repeat("c", 64) + `"},"layers":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"digest":"sha256:%064x"}`, i)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// TestFloodManifestRefusedWhilePullsFlow: a manifest of 49,300 layers is
// refused with 400 MANIFEST_INVALID naming the descriptor cap, and pulls
// of the same repository are answered within 100 ms (the median: parsing
// 4 MiB of JSON takes CPU from them on a shared machine, under the race
// detector most of all) while such manifests are being checked. The check
// used to take 13 s under the store's write lock, every pull waiting for
// it.
func TestFloodManifestRefusedWhilePullsFlow(t *testing.T) {
	t.Parallel()
	base, auth := floodServer(t)
	layer := []byte("a layer to pull")
	if status, out := floodDo(t, http.MethodPost, base+"/v2/alice/flood/blobs/uploads/?digest="+sha256Digest(layer), auth, layer, "application/octet-stream"); status != http.StatusCreated {
		t.Fatalf("pushing the layer: %d %s", status, out)
	}
	flood := floodManifestBody(49_300)
	if len(flood) >= 4<<20 {
		t.Fatalf("flood manifest is %d bytes, want under 4 MiB", len(flood))
	}

	const rounds = 3
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for range rounds {
			status, out := floodDo(t, http.MethodPut, base+"/v2/alice/flood/manifests/flood", auth, flood, "application/vnd.oci.image.manifest.v1+json")
			if status != http.StatusBadRequest || !bytes.Contains(out, []byte(`"code":"MANIFEST_INVALID"`)) || !bytes.Contains(out, []byte("descriptors")) {
				t.Errorf("PUT flood manifest: %d %.300s, want 400 MANIFEST_INVALID naming the descriptor cap", status, out)
				return
			}
		}
	})
	var took []time.Duration
	timeout := time.After(time.Minute)
loop:
	for {
		select {
		case <-done:
			break loop
		case <-timeout:
			break loop
		case <-time.After(time.Millisecond):
		}
		start := time.Now()
		status, out := floodDo(t, http.MethodGet, base+"/v2/alice/flood/blobs/"+sha256Digest(layer), auth, nil, "")
		took = append(took, time.Since(start))
		if status != http.StatusOK || !bytes.Equal(out, layer) {
			t.Fatalf("pull: %d %q", status, out)
		}
	}
	wg.Wait()
	slices.Sort(took)
	if len(took) < 5 {
		t.Fatalf("only %d pulls while %d flood manifests were checked: pulls were held up", len(took), rounds)
	}
	p50, p99 := took[len(took)/2], took[len(took)*99/100]
	t.Logf("%d pulls while %d flood manifests were refused: median %v, p99 %v, slowest %v", len(took), rounds, p50, p99, took[len(took)-1])
	if p50 >= 100*time.Millisecond {
		t.Errorf("median pull took %v, want < 100ms", p50)
	}
}

func sha256Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
