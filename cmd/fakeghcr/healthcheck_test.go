package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/ghcrtest"
)

// `fakeghcr healthcheck` is the container's HEALTHCHECK and the compose
// sidecar's readiness probe: 0 when /_fakeghcr/healthz answers 200, 1 when
// the server is down or unhealthy, 2 for bad usage.
func TestHealthcheck(t *testing.T) {
	t.Parallel()
	srv := ghcrtest.New(t)
	unhealthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(unhealthy.Close)
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // until the client gives up
	}))
	t.Cleanup(hanging.Close)
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()

	for _, tc := range []struct {
		name      string
		args      []string
		env       map[string]string
		code      int
		stdout    string
		stderrHas string
	}{
		{name: "healthy", args: []string{"--url", srv.URL}, code: 0, stdout: "ok\n"},
		{name: "trailing slash", args: []string{"--url", srv.URL + "/"}, code: 0, stdout: "ok\n"},
		{name: "url from FAKEGHCR_URL", env: map[string]string{"FAKEGHCR_URL": srv.URL}, code: 0, stdout: "ok\n"},
		{name: "flag wins over variable", args: []string{"--url", srv.URL}, env: map[string]string{"FAKEGHCR_URL": downURL}, code: 0, stdout: "ok\n"},
		{name: "unhealthy", args: []string{"--url", unhealthy.URL}, code: 1, stderrHas: "503 Service Unavailable"},
		{name: "nothing listening", args: []string{"--url", downURL}, code: 1, stderrHas: "fakeghcr healthcheck: "},
		{name: "no answer in time", args: []string{"--url", hanging.URL, "--timeout", "50ms"}, code: 1, stderrHas: "deadline exceeded"},
		{name: "bad url", args: []string{"--url", "http://[::1"}, code: 2, stderrHas: "fakeghcr healthcheck: "},
		{name: "bad timeout", env: map[string]string{"FAKEGHCR_TIMEOUT": "soon"}, code: 2, stderrHas: "FAKEGHCR_TIMEOUT"},
		{name: "unknown flag", args: []string{"--nope"}, code: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			getenv := func(k string) string { return tc.env[k] }
			code := run(context.Background(), append([]string{"healthcheck"}, tc.args...), getenv, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit code %d, want %d\nstderr: %s", code, tc.code, stderr.String())
			}
			if tc.code == 0 && stdout.String() != tc.stdout {
				t.Errorf("stdout %q, want %q", stdout.String(), tc.stdout)
			}
			if !strings.Contains(stderr.String(), tc.stderrHas) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), tc.stderrHas)
			}
		})
	}
}
