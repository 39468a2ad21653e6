package registry

import (
	"bytes"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// TestPullPathAnswersAsTheRouter: bodiless GETs and HEADs under /v2/ skip
// the router (ServeHTTP's isPull). Every answer must be the router's, byte
// for byte: status, every header (X-Fakeghcr-* included) and body, for
// requests that take the short path and for look-alikes that must not
// (an encoded /v2/, a body, another method), with the debug log's request
// ids on and off.
func TestPullPathAnswersAsTheRouter(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		t.Run(level.String(), func(t *testing.T) {
			log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: level}))
			srv, err := New(Options{Scenario: isolationWorld(), Logger: log})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			token := bearerFor(t, ts.URL, "iso/app")
			blob := []byte(`{"a small":"json blob"}`)
			d := digestOf(blob)
			put, _ := http.NewRequest(http.MethodPost, ts.URL+"/v2/iso/app/blobs/uploads/?digest="+d, bytes.NewReader(blob))
			put.Header.Set("Authorization", "Bearer "+token)
			resp, err := OwnClient(t).Do(put)
			if err != nil || resp.StatusCode != http.StatusCreated {
				t.Fatalf("monolithic upload: %v %v", err, resp)
			}
			resp.Body.Close()

			for _, tc := range []struct {
				method, target, auth, body string
				short                      bool // takes the short path
			}{
				{"GET", "/v2/iso/app/blobs/" + d, "Bearer " + token, "", true},
				{"HEAD", "/v2/iso/app/blobs/" + d, "Bearer " + token, "", true},
				{"GET", "/v2/iso/app/blobs/" + d, "", "", true},
				{"GET", "/v2/iso/app/blobs/" + d, "Basic eDpnaHBfaXNv", "", true},
				{"GET", "/v2/iso/app/blobs/" + d, "Bearer not.a.token", "", true},
				{"GET", "/v2/iso/other/blobs/" + d, "Bearer " + token, "", true},
				{"GET", "/v2/iso/app/blobs/sha256:0000", "Bearer " + token, "", true},
				{"GET", "/v2/iso/app/manifests/latest", "Bearer " + token, "", true},
				{"GET", "/v2/iso/app/tags/list", "Bearer " + token, "", true},
				{"GET", "/v2/", "Bearer " + token, "", true},
				{"GET", "/v2", "", "", true},
				{"GET", "/v2/_catalog", "Bearer " + token, "", true},
				{"GET", "/v2/ISO/App/blobs/" + d, "Bearer " + token, "", true},
				{"GET", "/v2/iso%2Fapp/blobs/" + d, "Bearer " + token, "", true},
				{"GET", "/v2//iso/app/blobs/" + d, "Bearer " + token, "", true},
				{"GET", "/%76%32/iso/app/blobs/" + d, "Bearer " + token, "", false},
				{"GET", "/v2x/iso/app/blobs/" + d, "Bearer " + token, "", false},
				{"GET", "/v2/iso/app/blobs/" + d, "Bearer " + token, "a body", false},
				{"DELETE", "/v2/iso/app/blobs/" + d, "Bearer " + token, "", false},
				{"PATCH", "/v2/iso/app/blobs/uploads/no-such-session", "Bearer " + token, "data", false},
				{"OPTIONS", "/v2/", "Bearer " + token, "", false},
			} {
				req := func() *http.Request {
					var body io.Reader
					if tc.body != "" {
						body = strings.NewReader(tc.body)
					}
					r := httptest.NewRequest(tc.method, tc.target, body)
					if tc.auth != "" {
						r.Header.Set("Authorization", tc.auth)
					}
					return r
				}
				name := tc.method + " " + tc.target + " " + tc.body
				if got := isPull(req()); got != tc.short {
					t.Errorf("%s: short path %v, want %v", name, got, tc.short)
				}
				short, router := httptest.NewRecorder(), httptest.NewRecorder()
				srv.ServeHTTP(short, req())
				srv.handler.ServeHTTP(router, req())
				if short.Code != router.Code || !bytes.Equal(short.Body.Bytes(), router.Body.Bytes()) {
					t.Errorf("%s: %d %q, the router's %d %q", name, short.Code, short.Body, router.Code, router.Body)
				}
				sh, rh := short.Result().Header, router.Result().Header
				if !maps.EqualFunc(sh, rh, slices.Equal) {
					t.Errorf("%s: headers\n%v\nthe router's\n%v", name, sh, rh)
				}
			}
		})
	}
}
