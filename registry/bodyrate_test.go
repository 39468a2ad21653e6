package registry_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// TestMinimumBodyRate: a request body that brings less than MinBodyRate
// per window fails, whether it trickles or stalls; a body at a steady
// rate above the minimum passes however many windows it spans, and so
// does a large one at full speed. (A body at one byte every two seconds
// used to be read forever.) The rate and window are scaled down here;
// the defaults are 1 KiB/s over 30 s.
func TestMinimumBodyRate(t *testing.T) {
	t.Parallel()
	// 2000 bytes per 1 s window: wide enough that a paced writer stalled
	// by a loaded machine still makes each window.
	const rate, window = 2000, time.Second
	sc, err := scenarios.Parse("flood.yaml", []byte(floodWorld))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := registry.New(registry.Options{Scenario: sc, MinBodyRate: rate, BodyRateWindow: window})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	auth := floodToken(t, hs)
	client := &http.Client{Timeout: 20 * time.Second}

	// paced writes chunk bytes every interval, count times, into a pipe.
	paced := func(chunk, count int, interval time.Duration) io.Reader {
		pr, pw := io.Pipe()
		go func() {
			for range count {
				time.Sleep(interval)
				if _, err := pw.Write(bytes.Repeat([]byte("x"), chunk)); err != nil {
					return
				}
			}
			pw.Close()
		}()
		return pr
	}
	patch := func(body io.Reader) (int, string, time.Duration) {
		req, _ := http.NewRequest(http.MethodPost, hs.URL+"/v2/alice/flood/blobs/uploads/", nil)
		req.Header.Set("Authorization", auth)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if !strings.HasPrefix(loc, "http") {
			loc = hs.URL + loc
		}
		req, _ = http.NewRequest(http.MethodPatch, loc, body)
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/octet-stream")
		start := time.Now()
		resp, err = client.Do(req)
		if err != nil {
			return 0, err.Error(), time.Since(start)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), time.Since(start)
	}
	for _, tt := range []struct {
		name   string
		body   func() io.Reader
		passes bool
	}{
		{"trickle: 10 bytes every 50 ms", func() io.Reader { return paced(10, 200, 50*time.Millisecond) }, false},
		{"stalled after the first bytes", func() io.Reader { return io.MultiReader(strings.NewReader("start"), blockFor(10*time.Second)) }, false},
		{"steady at 5x the minimum over 3 windows", func() io.Reader { return paced(500, 60, 50*time.Millisecond) }, true},
		{"32 MiB at full speed", func() io.Reader { return bytes.NewReader(make([]byte, 32<<20)) }, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body, took := patch(tt.body())
			if got := status == http.StatusAccepted; got != tt.passes {
				t.Fatalf("PATCH: %d %.300s after %v; want it to pass: %v", status, body, took, tt.passes)
			}
			if !tt.passes && !strings.Contains(body, "too slow") {
				t.Errorf("refusal %.300q does not say the body was too slow", body)
			}
			if !tt.passes && took > 5*time.Second {
				t.Errorf("refused only after %v", took)
			}
		})
	}
}

// blockFor is a reader that blocks for d, then ends.
type blockFor time.Duration

func (b blockFor) Read([]byte) (int, error) {
	time.Sleep(time.Duration(b))
	return 0, io.EOF
}

// floodToken logs alice in for push and pull on alice/flood.
func floodToken(t *testing.T, hs *httptest.Server) string {
	t.Helper()
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
	return "Bearer " + tok.Token
}
