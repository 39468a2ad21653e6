package ghcrtest_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/ghcrtest"
)

// Each method makes the change the admin API would, seen in World().
func TestWorldChanges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(*ghcrtest.Server)
		got    func(authz.World) any
		want   any
	}{
		{"SetActionsAccess", func(s *ghcrtest.Server) { s.SetActionsAccess("acme/api", "acme/web", authz.RoleRead) },
			func(w authz.World) any { p, _ := w.Package("acme/api"); return roles(p.ActionsAccess) }, map[string]authz.Role{"acme/web": authz.RoleRead}},
		{"RemoveActionsAccess", func(s *ghcrtest.Server) {
			s.SetActionsAccess("acme/api", "acme/web", authz.RoleRead)
			s.SetActionsAccess("acme/api", "acme/api", authz.RoleWrite)
			s.RemoveActionsAccess("acme/api", "acme/web")
		}, func(w authz.World) any { p, _ := w.Package("acme/api"); return roles(p.ActionsAccess) }, map[string]authz.Role{"acme/api": authz.RoleWrite}},
		{"SetVisibility", func(s *ghcrtest.Server) { s.SetVisibility("acme/api", authz.Internal) },
			func(w authz.World) any { p, _ := w.Package("acme/api"); return p.Visibility }, authz.Internal},
		{"LinkRepository", func(s *ghcrtest.Server) { s.LinkRepository("acme/api", "acme/web") },
			func(w authz.World) any { p, _ := w.Package("acme/api"); return p.Repository }, "acme/web"},
		{"unlink", func(s *ghcrtest.Server) { s.LinkRepository("acme/api", "acme/web"); s.LinkRepository("acme/api", "") },
			func(w authz.World) any { p, _ := w.Package("acme/api"); return p.Repository }, ""},
		{"SetInheritAccess", func(s *ghcrtest.Server) { s.SetInheritAccess("acme/api", true) },
			func(w authz.World) any { p, _ := w.Package("acme/api"); return p.InheritAccess }, true},
		{"SetUserRole", func(s *ghcrtest.Server) { s.SetUserRole("acme/api", "bob", authz.RoleWrite) },
			func(w authz.World) any { p, _ := w.Package("acme/api"); return p.Users },
			map[string]authz.Role{"alice": authz.RoleAdmin, "bob": authz.RoleWrite}},
		{"RemoveUserRole", func(s *ghcrtest.Server) { s.RemoveUserRole("acme/api", "alice") },
			func(w authz.World) any { p, _ := w.Package("acme/api"); return p.Users }, map[string]authz.Role{}},
		{"SetWorkflowPermission", func(s *ghcrtest.Server) { s.SetWorkflowPermission("acme/api", authz.RoleRead) },
			func(w authz.World) any { r, _ := w.Repository("acme/api"); return r.WorkflowPermission }, authz.RoleRead},
		{"AddCredential", func(s *ghcrtest.Server) {
			s.AddCredential(authz.Credential{Name: "bob", Secret: "ghp_bob", Kind: authz.ClassicPAT, User: "bob", Scopes: []string{"read:packages"}})
		}, func(w authz.World) any { return names(w.Credentials) }, []string{"workflow", "alice", "bob"}},
		{"AddCredential revoked", func(s *ghcrtest.Server) {
			s.AddCredential(authz.Credential{Name: "old", Secret: "ghp_old", Kind: authz.ClassicPAT, User: "bob", Revoked: true})
		}, func(w authz.World) any { return w.Credentials[len(w.Credentials)-1].Revoked }, true},
		{"RemoveCredential", func(s *ghcrtest.Server) { s.RemoveCredential("workflow") },
			func(w authz.World) any { return names(w.Credentials) }, []string{"alice"}},
		{"Reset", func(s *ghcrtest.Server) {
			s.SetVisibility("acme/api", authz.Private)
			s.RemoveCredential("workflow")
			s.Reset()
		}, func(w authz.World) any {
			p, _ := w.Package("acme/api")
			return []any{p.Visibility, names(w.Credentials)}
		},
			[]any{authz.Public, []string{"workflow", "alice"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := ghcrtest.New(t, ghcrtest.WithScenario(seed(t)))
			tc.change(srv)
			if diff := cmp.Diff(tc.want, tc.got(srv.World())); diff != "" {
				t.Errorf("world after %s (-want +got):\n%s", tc.name, diff)
			}
		})
	}
}

func TestApplyError(t *testing.T) {
	t.Parallel()
	srv := ghcrtest.New(t)
	err := srv.Apply(registryChange("set_visibility", "acme/nope"))
	if !errors.Is(err, errInvalidChange) {
		t.Fatalf("Apply on a missing package: %v, want registry.ErrInvalidChange", err)
	}
}

// TestEveryOpHasAFixtureMethod: each change operation authz.Ops lists is a
// method of Server named after it (set_actions_access: SetActionsAccess),
// and calling that method applies exactly that operation.
func TestEveryOpHasAFixtureMethod(t *testing.T) {
	t.Parallel()
	calls := map[authz.Op]func(*ghcrtest.Server){
		authz.OpSetActionsAccess:      func(s *ghcrtest.Server) { s.SetActionsAccess("acme/api", "acme/api", authz.RoleRead) },
		authz.OpRemoveActionsAccess:   func(s *ghcrtest.Server) { s.RemoveActionsAccess("acme/api", "acme/api") },
		authz.OpSetVisibility:         func(s *ghcrtest.Server) { s.SetVisibility("acme/api", authz.Private) },
		authz.OpLinkRepository:        func(s *ghcrtest.Server) { s.LinkRepository("acme/api", "acme/api") },
		authz.OpSetInheritAccess:      func(s *ghcrtest.Server) { s.SetInheritAccess("acme/api", false) },
		authz.OpSetUserRole:           func(s *ghcrtest.Server) { s.SetUserRole("acme/api", "bob", authz.RoleRead) },
		authz.OpRemoveUserRole:        func(s *ghcrtest.Server) { s.RemoveUserRole("acme/api", "bob") },
		authz.OpSetWorkflowPermission: func(s *ghcrtest.Server) { s.SetWorkflowPermission("acme/api", authz.RoleWrite) },
		authz.OpAddCredential: func(s *ghcrtest.Server) {
			s.AddCredential(authz.Credential{Name: "new", Secret: "ghp_new", Kind: authz.ClassicPAT, User: "bob"})
		},
		authz.OpRevokeCredential: func(s *ghcrtest.Server) { s.RevokeCredential("alice") },
		authz.OpRemoveCredential: func(s *ghcrtest.Server) { s.RemoveCredential("alice") },
	}
	methods := reflect.TypeFor[*ghcrtest.Server]()
	for _, o := range authz.Ops() {
		t.Run(string(o.Op), func(t *testing.T) {
			t.Parallel()
			name := camel(string(o.Op))
			if _, ok := methods.MethodByName(name); !ok {
				t.Errorf("Server has no method %s for op %s (%s)", name, o.Op, o.Setting)
			}
			call, ok := calls[o.Op]
			if !ok {
				t.Fatalf("no call of %s in this test", name)
			}
			var logs syncBuffer
			s := ghcrtest.New(t, ghcrtest.WithLogger(newTextLogger(&logs)))
			call(s)
			if want := "op=" + string(o.Op); !strings.Contains(logs.String(), want) {
				t.Errorf("%s logged %q, want a change with %s", name, logs.String(), want)
			}
		})
	}
	if len(calls) != len(authz.Ops()) {
		t.Errorf("%d calls for %d ops", len(calls), len(authz.Ops()))
	}
}

// camel turns set_actions_access into SetActionsAccess.
func camel(op string) string {
	var b strings.Builder
	for word := range strings.SplitSeq(op, "_") {
		b.WriteString(strings.ToUpper(word[:1]) + word[1:])
	}
	return b.String()
}
