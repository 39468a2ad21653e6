package registry

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkAuthorizedBlobHead measures the server's own cost of one small
// authorized request (routing, token check, decision, record, answer),
// without a network or a client: the per-request overhead the small-blob
// benchmarks compare with the bare engine.
func BenchmarkAuthorizedBlobHead(b *testing.B) {
	blob := []byte("a small blob")
	srv, token, d := serverWithBlob(b, blob)

	req := httptest.NewRequest(http.MethodHead, "/v2/iso/app/blobs/"+d, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("HEAD: %d", w.Code)
		}
	}
}

// BenchmarkAuthorizedBlobGet is the server's own work for one pull of a
// 4 KiB blob with a registry token (bench's small-blob pull, without the
// network and the client).
func BenchmarkAuthorizedBlobGet(b *testing.B) {
	blob := bytes.Repeat([]byte("4 KiB blob, "), 4096/12+1)[:4096]
	srv, token, d := serverWithBlob(b, blob)

	req := httptest.NewRequest(http.MethodGet, "/v2/iso/app/blobs/"+d, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK || w.Body.Len() != len(blob) {
			b.Fatalf("GET: %d, %d bytes", w.Code, w.Body.Len())
		}
	}
}

// serverWithBlob starts a server on the isolation world, uploads blob to
// iso/app in one request, and returns the server, a registry token for
// iso/app and the blob's digest.
func serverWithBlob(b *testing.B, blob []byte) (srv *Server, token, digest string) {
	b.Helper()
	srv, err := New(Options{Scenario: isolationWorld()})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	b.Cleanup(ts.Close)
	token = bearerFor(b, ts.URL, "iso/app")
	digest = digestOf(blob)
	put, _ := http.NewRequest(http.MethodPost, ts.URL+"/v2/iso/app/blobs/uploads/?digest="+digest, bytes.NewReader(blob))
	put.Header.Set("Authorization", "Bearer "+token)
	resp, err := OwnClient(b).Do(put)
	if err != nil || resp.StatusCode != http.StatusCreated {
		b.Fatalf("monolithic upload: %v %v", err, resp)
	}
	resp.Body.Close()
	return srv, token, digest
}
