package adminclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/adminclient"
	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
	"github.com/fakeghcr/fakeghcr/verify"
)

// newServer starts a fakeghcr with the default world and admin token "t".
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv, err := registry.New(registry.Options{Scenario: scenarios.Default(), AdminToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs
}

func TestApplyDecisionsWorldReset(t *testing.T) {
	t.Parallel()
	hs := newServer(t)
	ctx := context.Background()
	c := adminclient.New(hs.URL+"/", "t")

	before, err := c.World(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(before), "name: default") {
		t.Fatalf("world does not name the default scenario:\n%s", before)
	}

	// The workflow's push is refused; the decision says why.
	host := strings.TrimPrefix(hs.URL, "http://")
	workflow := verify.Client{Host: host, Secret: "ghs_demo_workflow"}
	if _, err := workflow.PushStreamed(ctx, "acme/api", "v1"); err == nil {
		t.Fatal("push succeeded before the change; GHCR refuses it")
	}
	recs, err := c.Decisions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || recs[0].Allowed || recs[0].Reason != "actions_access_missing" {
		t.Fatalf("newest decision %+v, want a refusal for actions_access_missing", recs)
	}

	if err := c.Apply(ctx, registry.Change{Op: registry.OpSetActionsAccess, Package: "acme/api", Repository: "acme/api", Role: "write"}); err != nil {
		t.Fatal(err)
	}
	if _, err := workflow.PushStreamed(ctx, "acme/api", "v1"); err != nil {
		t.Fatalf("push after the change: %v", err)
	}
	changed, err := c.World(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(changed) == string(before) {
		t.Error("World did not change after Apply")
	}

	if err := c.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := c.World(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Reset restores the permissions; the pushed tag v1 stays.
	if diff := cmp.Diff(string(before), strings.Replace(string(after), "tags: [latest, v1]", "tags: [latest]", 1)); diff != "" {
		t.Errorf("world after Reset (-before +after):\n%s", diff)
	}
	if _, err := workflow.PushStreamed(ctx, "acme/api", "v2"); err == nil {
		t.Error("push succeeded after Reset; the loaded world refuses it")
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	hs := newServer(t)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream down", http.StatusBadGateway)
	}))
	t.Cleanup(plain.Close)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()

	ctx := context.Background()
	for _, tc := range []struct {
		name string
		call func(*adminclient.Client) error
		url  string
		tok  string
		want *adminclient.Error
	}{
		{
			name: "no token", url: hs.URL, tok: "",
			call: func(c *adminclient.Client) error { _, err := c.Decisions(ctx); return err },
			want: &adminclient.Error{Status: 401, Code: "UNAUTHORIZED"},
		},
		{
			name: "wrong token", url: hs.URL, tok: "wrong",
			call: func(c *adminclient.Client) error { return c.Reset(ctx) },
			want: &adminclient.Error{Status: 401, Code: "UNAUTHORIZED"},
		},
		{
			name: "invalid change", url: hs.URL, tok: "t",
			call: func(c *adminclient.Client) error {
				return c.Apply(ctx, registry.Change{Op: registry.OpSetActionsAccess, Package: "acme/nope", Repository: "acme/api", Role: "write"})
			},
			want: &adminclient.Error{Status: 400, Code: "INVALID_CHANGE"},
		},
		{
			name: "not a registry envelope", url: plain.URL, tok: "t",
			call: func(c *adminclient.Client) error { _, err := c.World(ctx); return err },
			want: &adminclient.Error{Status: 502, Message: "upstream down"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.call(adminclient.New(tc.url, tc.tok))
			var got *adminclient.Error
			if !errors.As(err, &got) {
				t.Fatalf("error %v (%T), want an *adminclient.Error", err, err)
			}
			if got.Status != tc.want.Status || got.Code != tc.want.Code || (tc.want.Message != "" && got.Message != tc.want.Message) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if !strings.HasPrefix(got.Error(), strconv.Itoa(tc.want.Status)+" ") {
				t.Errorf("Error() %q does not start with the status", got.Error())
			}
		})
	}

	t.Run("unreachable", func(t *testing.T) {
		t.Parallel()
		err := adminclient.New(down.URL, "t").Healthz(ctx)
		var ue *adminclient.UnreachableError
		if !errors.As(err, &ue) || ue.BaseURL != down.URL {
			t.Fatalf("error %v, want an UnreachableError for %s", err, down.URL)
		}
	})
	t.Run("healthz needs no token", func(t *testing.T) {
		t.Parallel()
		if err := adminclient.New(hs.URL, "").Healthz(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestNormalizeURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"127.0.0.1:5000":         "http://127.0.0.1:5000",
		"http://127.0.0.1:5000/": "http://127.0.0.1:5000",
		"https://ghcr.io":        "https://ghcr.io",
		"localhost:5000/":        "http://localhost:5000",
		"http://[::1]:5000":      "http://[::1]:5000",
	} {
		if got := adminclient.NormalizeURL(in); got != want {
			t.Errorf("NormalizeURL(%q) = %q, want %q", in, got, want)
		}
	}
}
