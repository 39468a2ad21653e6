package registry_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/registry"
)

func TestRecordString(t *testing.T) {
	t.Parallel()
	at := time.Date(2022, 6, 1, 12, 0, 1, 0, time.UTC)
	tests := []struct {
		name string
		rec  registry.Record
		want string
	}{
		{"denied", registry.Record{Time: at, Method: "POST", Path: "/v2/acme/api/blobs/uploads/", Repo: "acme/api", Action: "write",
			Principal: "github_token:workflow", Reason: "actions_access_missing", Status: 403, Code: "DENIED",
			Message: "permission_denied: write_package", Explanation: "repository acme/api is not\n  in its Manage Actions access",
			Fix: "Package settings -> Manage Actions access"},
			"DENIED  write acme/api  as github_token:workflow  -> 403 DENIED permission_denied: write_package\n" +
				"  rule: actions_access_missing\n" +
				"  why:  repository acme/api is not in its Manage Actions access\n" +
				"  fix:  Package settings -> Manage Actions access\n" +
				"  at:   12:00:01 POST /v2/acme/api/blobs/uploads/"},
		{"allowed, no fix", registry.Record{Time: at, Method: "GET", Path: "/v2/acme/api/manifests/v1", Repo: "acme/api", Action: "read",
			Principal: "anonymous", Allowed: true, Reason: "public_read", Explanation: "anyone may pull"},
			"ALLOWED read acme/api  as anonymous  -> allowed\n" +
				"  rule: public_read\n" +
				"  why:  anyone may pull\n" +
				"  at:   12:00:01 GET /v2/acme/api/manifests/v1"},
		{"wire refusal without repository", registry.Record{Time: at, Method: "GET", Path: "/v2/", Principal: "anonymous",
			Reason: "token_invalid", Status: 401, Code: "UNAUTHORIZED", Message: "unauthenticated"},
			"DENIED   (no repository)  as anonymous  -> 401 UNAUTHORIZED unauthenticated\n" +
				"  rule: token_invalid\n" +
				"  at:   12:00:01 GET /v2/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, tc.rec.String()); diff != "" {
				t.Errorf("String() (-want +got):\n%s", diff)
			}
		})
	}
}
