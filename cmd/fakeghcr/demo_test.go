package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// TestDemoDetectsDivergence changes the default world so that a step does
// not behave as GHCR would, and checks that the demo says which.
func TestDemoDetectsDivergence(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		change   func(*scenarios.Scenario)
		wantStep int
		wantText string
	}{
		{
			name: "the workflow already has access",
			change: func(sc *scenarios.Scenario) {
				p := sc.World.Packages["acme/api"]
				p.ActionsAccess = []authz.RepoGrant{{Repository: "acme/api", Role: authz.RoleWrite}}
				sc.World.Packages["acme/api"] = p
			},
			wantStep: 1, wantText: "the push succeeded",
		},
		{
			name: "the refusal comes at another request",
			change: func(sc *scenarios.Scenario) {
				p := sc.World.Packages["acme/api"]
				p.Visibility = authz.Private
				sc.World.Packages["acme/api"] = p
			},
			wantStep: 1, wantText: "the refusal came at HEAD",
		},
		{
			name: "another refusal body",
			change: func(sc *scenarios.Scenario) {
				r := sc.World.Repositories["acme/api"]
				r.WorkflowPermission = authz.RoleRead
				sc.World.Repositories["acme/api"] = r
				for i := range sc.World.Credentials {
					if sc.World.Credentials[i].Name == "workflow" {
						sc.World.Credentials[i].Packages = ""
					}
				}
			},
			wantStep: 1, wantText: "GHCR answers 403",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := publicDefault()
			tc.change(sc)
			var out bytes.Buffer
			err := demo(t.Context(), &out, sc)
			var d *demoDivergence
			if !errors.As(err, &d) {
				t.Fatalf("demo: %v, want a divergence\n%s", err, out.String())
			}
			if d.step != tc.wantStep || !strings.Contains(d.what, tc.wantText) {
				t.Errorf("divergence %v, want step %d saying %q", d, tc.wantStep, tc.wantText)
			}
		})
	}
}

// TestDemoOnPublicPackage plays the demo on the default world with acme/api
// public (the world the README describes), whatever builtin/default.yaml
// says today.
func TestDemoOnPublicPackage(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := demo(t.Context(), &out, publicDefault()); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
		"DENIED: permission_denied: write_package\n",
		`GHCR's answer: 403 {"errors":[{"code":"DENIED","message":"permission_denied: write_package"}]}`,
		"rule: actions_access_missing",
		"$ fakeghcr access add acme/api acme/api --role write",
		"tags    latest v2",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func publicDefault() *scenarios.Scenario {
	sc := scenarios.Default()
	p := sc.World.Packages["acme/api"]
	p.Visibility = authz.Public
	sc.World.Packages["acme/api"] = p
	return sc
}
