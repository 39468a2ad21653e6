package registry_test

import (
	"testing"

	"github.com/fakeghcr/fakeghcr/registry"
)

// TestAdminToken: a missing admin token is "required", a wrong one is
// "wrong" and says serve prints a new one each start; no token configured
// disables the API.
func TestAdminToken(t *testing.T) {
	t.Parallel()
	on := start(t, testWorld(), registry.Options{AdminToken: "T"})
	off := start(t, testWorld(), registry.Options{})
	for _, tc := range []struct {
		name          string
		f             *fixture
		headers       []string
		status        int
		code, message string
	}{
		{"missing", on, nil, 401, "UNAUTHORIZED",
			"admin token required: send Authorization: Bearer <admin token> (see --admin-token / FAKEGHCR_ADMIN_TOKEN; fakeghcr serve prints it when it starts)"},
		{"empty bearer", on, []string{"Authorization", "Bearer "}, 401, "UNAUTHORIZED",
			"admin token required: send Authorization: Bearer <admin token> (see --admin-token / FAKEGHCR_ADMIN_TOKEN; fakeghcr serve prints it when it starts)"},
		{"wrong", on, []string{"Authorization", "Bearer nope"}, 401, "UNAUTHORIZED",
			"wrong admin token: fakeghcr serve prints a new admin token each time it starts unless --admin-token (FAKEGHCR_ADMIN_TOKEN) sets one; use the one this server printed"},
		{"disabled", off, []string{"Authorization", "Bearer T"}, 403, "DENIED", "admin API disabled: no admin token configured"},
	} {
		r := tc.f.do(t, "GET", "/_fakeghcr/decisions", nil, tc.headers...)
		checkError(t, r, tc.status, tc.code, tc.message)
	}
	if r := on.do(t, "GET", "/_fakeghcr/decisions", nil, "Authorization", "Bearer T"); r.Status != 200 {
		t.Errorf("the right token: %d %s", r.Status, r.Body)
	}
}
