package registry_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	ggcr "github.com/google/go-containerregistry/pkg/registry"

	"github.com/fakeghcr/fakeghcr/registry"
)

// TestWholeBlobReadsAsTheEngineAnswered: whole-blob GET and HEAD were served
// by go-containerregistry's pkg/registry until fakeghcr served them itself
// (to save its second lookup on every pull). The answers must not change:
// for blobs whose first bytes net/http sniffs as different types, status,
// Content-Length, Docker-Content-Digest, Content-Type (none set, so sniffed
// on GET, absent on HEAD) and body are compared with the engine's own
// answer to the same requests.
func TestWholeBlobReadsAsTheEngineAnswered(t *testing.T) {
	f := start(t, testWorld(), registry.Options{})
	engine := httptest.NewServer(ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(engine.Close)
	tok := f.token(t, secretAlice, "repository:acme/api:pull,push")

	blobs := map[string][]byte{
		"binary": {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x02},
		"json":   []byte(`{"architecture":"amd64","os":"linux"}`),
		"text":   []byte("hello, registry\n"),
		"html":   []byte("<!DOCTYPE html><title>x</title>"),
		"empty":  {},
		"large":  bytes.Repeat([]byte{0, 1, 2, 3, 4, 5, 6, 7}, 9000),
		// net/http sniffs the first 512 bytes only: text there, binary
		// after (the sniffed type is now computed once, when stored).
		"text-then-binary": append(bytes.Repeat([]byte("plain text "), 60), bytes.Repeat([]byte{0, 0xff}, 4000)...),
		"binary-then-text": append(bytes.Repeat([]byte{0, 0xff}, 300), bytes.Repeat([]byte("plain text "), 400)...),
	}
	for name, data := range blobs {
		sum := sha256.Sum256(data)
		digest := "sha256:" + hex.EncodeToString(sum[:])
		up := f.do(t, http.MethodPost, "/v2/acme/api/blobs/uploads/?digest="+digest, bytes.NewReader(data),
			"Authorization", bearer(tok), "Content-Type", "application/octet-stream")
		if up.Status != http.StatusCreated {
			t.Fatalf("%s: monolithic upload: %d %s", name, up.Status, up.Body)
		}
		if r := engineDo(t, engine.URL, http.MethodPost, "/v2/acme/api/blobs/uploads/?digest="+digest, data); r.Status != http.StatusCreated {
			t.Fatalf("%s: engine upload: %d %s", name, r.Status, r.Body)
		}
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			path := "/v2/acme/api/blobs/" + digest
			got := f.do(t, method, path, nil, "Authorization", bearer(tok))
			want := engineDo(t, engine.URL, method, path, nil)
			if got.Status != want.Status || !bytes.Equal(got.Body, want.Body) {
				t.Errorf("%s %s: got %d with %d bytes, the engine %d with %d bytes", name, method, got.Status, len(got.Body), want.Status, len(want.Body))
			}
			for _, h := range []string{"Content-Length", "Docker-Content-Digest", "Content-Type", "Content-Range"} {
				if g, w := got.Header.Values(h), want.Header.Values(h); !equalStrings(g, w) {
					t.Errorf("%s %s: %s %q, the engine's %q", name, method, h, g, w)
				}
			}
			if method == http.MethodGet && got.Header.Get("Content-Length") != strconv.Itoa(len(data)) {
				t.Errorf("%s GET: Content-Length %q, want %d", name, got.Header.Get("Content-Length"), len(data))
			}
		}
	}
}

func engineDo(t *testing.T, base, method, path string, body []byte) reply {
	t.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := registry.OwnClient(t).Do(req)
	if err != nil {
		t.Fatalf("engine %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestNoDebugHandlersOnDefaultServeMux: linking the registry (and so
// ghcrtest) must not register /debug/pprof/ or /debug/vars on
// http.DefaultServeMux, which chi's middleware package did through its
// imports of net/http/pprof and expvar.
func TestNoDebugHandlersOnDefaultServeMux(t *testing.T) {
	for _, path := range []string{"/debug/pprof/", "/debug/vars"} {
		if _, pattern := http.DefaultServeMux.Handler(httptest.NewRequest(http.MethodGet, path, nil)); pattern != "" {
			t.Errorf("http.DefaultServeMux serves %s (pattern %q)", path, pattern)
		}
	}
}
