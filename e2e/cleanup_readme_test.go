package e2e

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestGHReadmeSection runs the README's "Clean-up jobs" commands as written
// against the built-in world they name (package-cleanup): gh lists the
// three preloaded versions (ids 100000 to 100002), alice's PAT deletes and
// restores one, and reader's read-only PAT is refused with gh's line.
func TestGHReadmeSection(t *testing.T) {
	t.Parallel()
	gh := needTool(t, "gh", "apt-get install gh")
	s, caFile := startTLSServer(t, "package-cleanup")
	const alice, reader = "ghp_demo_cleanup_alice", "ghp_demo_cleanup_reader"

	r := ghRun(t, gh, s, caFile, alice, "api", "--paginate", "/orgs/acme/packages/container/app/versions?per_page=100")
	wantOK(t, r)
	var versions []ghVersion
	if err := json.Unmarshal([]byte(r.Stdout), &versions); err != nil {
		t.Fatalf("gh output: %v\n%s", err, r.Stdout)
	}
	var ids []int64
	for _, v := range versions {
		ids = append(ids, v.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []int64{100000, 100001, 100002}) {
		t.Fatalf("version ids %v, the README says 100000 to 100002", ids)
	}
	wantOK(t, ghRun(t, gh, s, caFile, alice, "api", "-X", "DELETE", "/orgs/acme/packages/container/app/versions/100002"))
	wantOK(t, ghRun(t, gh, s, caFile, alice, "api", "-X", "POST", "/orgs/acme/packages/container/app/versions/100002/restore"))
	wantFail(t, ghRun(t, gh, s, caFile, reader, "api", "-X", "DELETE", "/orgs/acme/packages/container/app/versions/100002"),
		"gh: You need at least delete:packages and read:packages scopes to delete a package version. (HTTP 403)")
}
