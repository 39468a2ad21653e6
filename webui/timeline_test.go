package webui

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

var fixForm = regexp.MustCompile(`(?s)<form method="post" action="/_fakeghcr/ui/change" class="row">(.*?)</form>`)
var hiddenField = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// TestSeedRefusalFixedFromTimeline: the seed push is refused, the timeline
// shows the refusal with its fix and the failing link, "Apply this fix"
// makes the change, and the same push is allowed.
func TestSeedRefusalFixedFromTimeline(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scenarios.Default())
	h.login()
	if status := h.push("ghs_demo_workflow", "acme/api"); status != http.StatusForbidden {
		t.Fatalf("seed push: %d, want 403", status)
	}
	_, page, _ := h.get(Prefix + "/timeline?outcome=refused&package=acme/api")
	for _, want := range []string{"Refused", "actions_access_missing", "permission_denied: write_package",
		`<li class="fail">access list`, "Add repository acme/api with role Write", "Apply this fix"} {
		if !strings.Contains(page, want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
	m := fixForm.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no fix form:\n%s", page)
	}
	form := url.Values{}
	for _, f := range hiddenField.FindAllStringSubmatch(m[1], -1) {
		form.Set(f[1], f[2])
	}
	if got := form.Get("op") + " " + form.Get("package") + " " + form.Get("repository") + " " + form.Get("role"); got != "set_actions_access acme/api acme/api write" {
		t.Errorf("the fix is %q", got)
	}
	if status, body := h.post(Prefix+"/change", form, nil); status != 200 || !strings.Contains(body, "Changed:") {
		t.Fatalf("apply the fix: %d", status)
	}
	if status := h.push("ghs_demo_workflow", "acme/api"); status != http.StatusAccepted {
		t.Fatalf("push after the fix: %d, want 202", status)
	}
	_, page, _ = h.get(Prefix + "/timeline?outcome=allowed&principal=github_token:workflow")
	if !strings.Contains(page, "actions_access") || strings.Contains(page, "actions_access_missing") {
		t.Errorf("the allowed push is not alone in the filtered timeline:\n%s", page)
	}
}

// TestEventsStreamNewDecisions: a decision made after the stream opens
// arrives as an event with the row's HTML.
func TestEventsStreamNewDecisions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, scenarios.Default())
	h.login()
	req, _ := http.NewRequest("GET", h.ts.URL+Prefix+"/timeline/events?outcome=refused&after="+
		url.QueryEscape("0"), nil)
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	h.push("ghs_demo_workflow", "acme/api")
	lines := bufio.NewScanner(resp.Body)
	deadline := time.AfterFunc(10*time.Second, func() { resp.Body.Close() })
	defer deadline.Stop()
	for lines.Scan() {
		data, ok := strings.CutPrefix(lines.Text(), "data: ")
		if !ok {
			continue
		}
		var ev struct{ ID, HTML string }
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(ev.HTML, "actions_access_missing") || !strings.Contains(ev.HTML, `id="d`+ev.ID+`"`) {
			t.Errorf("event: %+v", ev)
		}
		return
	}
	t.Fatal("no event arrived")
}

func TestFixOnlyWhenItFixes(t *testing.T) {
	t.Parallel()
	w := scenarios.Default().World
	refused := registry.Record{Repo: "acme/api", Action: "write", Principal: "github_token:workflow", Reason: string(authz.DenyActionsAccess)}
	if c, ok := fixFor(w, refused); !ok || c.Op != authz.OpSetActionsAccess || c.Role != "write" {
		t.Errorf("seed: %+v %v", c, ok)
	}
	for _, rec := range []registry.Record{
		{Repo: "acme/api", Action: "write", Principal: "anonymous", Reason: string(authz.DenyAnonymousWrite)},
		{Repo: "acme/api", Action: "write", Principal: "github_token:nobody"},
		{Repo: "acme/api", Action: "write", Principal: "github_token:workflow", Allowed: true},
		{Repo: "", Action: "write", Principal: "github_token:workflow"},
	} {
		if c, ok := fixFor(w, rec); ok {
			t.Errorf("%+v: offered %+v", rec, c)
		}
	}
	// A PAT without write:packages is not fixed by a role: no offer.
	w2, err := w.Apply(authz.Change{Op: authz.OpAddCredential, Credential: &authz.CredentialSpec{Name: "ro", Secret: "s", Type: "classic_pat", User: "bob", Scopes: []string{"read:packages"}}})
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := fixFor(w2, registry.Record{Repo: "acme/api", Action: "write", Principal: "classic_pat:ro"}); ok {
		t.Errorf("read-only PAT: offered %+v", c)
	}
	if c, ok := fixFor(w2, registry.Record{Repo: "acme/api", Action: "read", Principal: "classic_pat:ro", Reason: "x"}); ok {
		t.Errorf("public package read: offered %+v (allowed now: nothing to fix)", c)
	}
}

func TestFailingStep(t *testing.T) {
	t.Parallel()
	h := &UI{}
	d := h.row(authz.World{}, registry.Record{Reason: string(authz.DenyScopes)}, "")
	if len(d.Steps) != len(pathSteps) || d.Steps[1].State != "fail" || d.Steps[0].State != "ok" || d.Steps[2].State != "unreached" {
		t.Errorf("token_scopes path: %+v", d.Steps)
	}
	if d := h.row(authz.World{}, registry.Record{Reason: string(authz.FaultInjected)}, ""); d.Steps != nil {
		t.Errorf("a fault has no decision path: %+v", d.Steps)
	}
	d = h.row(authz.World{}, registry.Record{Allowed: true, Reason: string(authz.AllowActionsAccess)}, "")
	for _, s := range d.Steps {
		if s.State != "ok" {
			t.Errorf("allowed: %+v", d.Steps)
		}
	}
}

func FuzzChangeFromForm(f *testing.F) {
	f.Add("op=set_actions_access&package=acme%2Fapi&repository=acme%2Fapi&role=write")
	f.Add("op=set_inherit_access&package=a&inherit_access=on")
	f.Add("op=&&&=%zz")
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		c := changeFromForm(form)
		if string(c.Op) != strings.TrimSpace(form.Get("op")) {
			t.Errorf("op %q from %q", c.Op, form.Get("op"))
		}
		if (c.Inherit != nil) != (c.Op == authz.OpSetInheritAccess) {
			t.Errorf("inherit set for op %q", c.Op)
		}
		// Applying it never panics and never half-changes the world.
		w := scenarios.Default().World
		before, _ := scenarios.Marshal(&scenarios.Scenario{Name: "x", World: w})
		_, _ = w.Apply(c)
		after, _ := scenarios.Marshal(&scenarios.Scenario{Name: "x", World: w})
		if string(before) != string(after) {
			t.Error("Apply changed the world it was given")
		}
	})
}
