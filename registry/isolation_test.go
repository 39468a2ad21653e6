package registry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// isolationWorld lets one classic PAT push anywhere under org "iso".
func isolationWorld() *scenarios.Scenario {
	return &scenarios.Scenario{Name: "isolation", World: authz.World{
		Owners: map[string]authz.Owner{
			"iso": {Login: "iso", Type: authz.Organization, Members: []authz.Member{{Login: "dev", Owner: true}}},
			"dev": {Login: "dev", Type: authz.User},
		},
		Credentials: []authz.Credential{{Name: "pat", Secret: "ghp_iso", Kind: authz.ClassicPAT, User: "dev",
			Scopes: []string{"write:packages"}}},
	}}
}

// TestSlowUploadDoesNotDelayOtherRepositories holds one upload's request
// body open (a client stalled mid-PATCH) while another repository is pushed
// to and pulled from. With a global lock around body I/O the second push
// would wait for the first body forever; the deadline is a liveness bound,
// not a speed check.
func TestSlowUploadDoesNotDelayOtherRepositories(t *testing.T) {
	t.Parallel()
	srv, err := New(Options{Scenario: isolationWorld()})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	host := strings.TrimPrefix(ts.URL, "http://")
	auth := remote.WithAuth(&authn.Basic{Username: "x", Password: "ghp_iso"})

	// Open an upload session in iso/slow and start a PATCH whose body stalls.
	token := bearerFor(t, ts.URL, "iso/slow")
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v2/iso/slow/blobs/uploads/", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := OwnClient(t).Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST upload: %v %v", err, resp)
	}
	resp.Body.Close()
	location := resp.Header.Get("Location")
	pr, pw := io.Pipe()
	patchDone := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPatch, ts.URL+location, pr)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := OwnClient(t).Do(req)
		if err == nil {
			resp.Body.Close()
		}
		patchDone <- err
	}()
	if _, err := pw.Write([]byte("partial body, then silence")); err != nil {
		t.Fatal(err)
	}

	// Meanwhile another repository is pushed to and pulled from.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	img, err := random.Image(1024, 3)
	if err != nil {
		t.Fatal(err)
	}
	other, err := name.ParseReference(host + "/iso/fast:v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(other, img, auth, remote.WithContext(ctx)); err != nil {
		t.Fatalf("push to another repository while an upload stalls: %v", err)
	}
	if _, err := remote.Image(other, auth, remote.WithContext(ctx)); err != nil {
		t.Fatalf("pull from another repository while an upload stalls: %v", err)
	}

	pw.Close()
	if err := <-patchDone; err != nil {
		t.Fatalf("stalled PATCH: %v", err)
	}
}

// bearerFor fetches a registry token for repo with the test PAT.
func bearerFor(t testing.TB, base, repo string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/token?service=ghcr.io&scope=repository:%s:pull,push", base, repo), nil)
	req.SetBasicAuth("x", "ghp_iso")
	resp, err := OwnClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token: %d %s", resp.StatusCode, body)
	}
	tok, _, _ := strings.Cut(strings.TrimPrefix(string(body), `{"token":"`), `"`)
	return tok
}
