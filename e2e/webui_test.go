package e2e

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The web page under /_fakeghcr/ui/ (package webui), in headless Chromium
// (Debian's chromium package, installed by .ci/install-clients.sh) driven by
// chromedp.

var updateScreenshots = flag.Bool("update", false, "TestWebUIScreenshots: rewrite docs/img/webui-*.png")

//go:embed testdata/webui_check.js
var pageCheckJS string

// browser is one headless Chromium tab and what its console said.
type browser struct {
	ctx     context.Context
	mu      sync.Mutex
	console []string // errors and warnings the pages wrote
}

func newBrowser(t *testing.T, width, height int) *browser {
	t.Helper()
	path := needTool(t, "chromium", "apt-get install -y chromium (or "+installHint+")")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(width, height),
		chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	b := &browser{ctx: ctx}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
				b.mu.Lock()
				b.console = append(b.console, m.String()+" at "+m.URL)
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// do runs actions with a bound on their time.
func (b *browser) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		body, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("%s: %v (at %s)\n%s", what, err, loc, body)
	}
}

func (b *browser) text(t *testing.T, sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// consoleClean fails the test when a page wrote an error or warning.
func (b *browser) consoleClean(t *testing.T) {
	t.Helper()
	time.Sleep(200 * time.Millisecond) // let the last events arrive
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.console {
		t.Errorf("console: %s", m)
	}
}

// pageReport is what testdata/webui_check.js finds on a page.
type pageReport struct {
	Problems []string `json:"problems"`
	Bytes    int      `json:"bytes"`
	Controls int      `json:"controls"`
	Texts    int      `json:"texts"`
}

// check runs the accessibility check (an accessible name on every control,
// text contrast at least 4.5:1, nothing wider than the window) and returns
// the page's weight.
func (b *browser) check(t *testing.T, page string) pageReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	r, err := chromedp.Run(ctx, chromedp.Evaluate[pageReport](pageCheckJS, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: page check: %v", page, err)
	}
	if r.Controls == 0 || r.Texts == 0 {
		t.Errorf("%s: the check saw %d controls and %d texts: it checked nothing", page, r.Controls, r.Texts)
	}
	for _, p := range r.Problems {
		t.Errorf("%s: %s", page, p)
	}
	return r
}

// streamOpen waits until the timeline's live stream is open.
var streamOpen = func() chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[bool](`document.getElementById("live").textContent.includes("Live:")`)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := poll(ctx, t)
		return chromedp.Void{}, err
	}
}()

var loginLine = regexp.MustCompile(`web page: (http://\S+/_fakeghcr/ui/login\?code=[0-9a-f]+)`)

// loginURL is the one-time link the server printed at start.
func (s *server) loginURL(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	m := loginLine.FindSubmatch(b)
	if m == nil {
		t.Fatalf("fakeghcr serve printed no login link:\n%s", b)
	}
	return string(m[1])
}

// world is the exported world (GET /_fakeghcr/world, secrets redacted).
func (s *server) world(t *testing.T) string {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+"/_fakeghcr/world?redact=secrets", nil)
	req.Header.Set("Authorization", "Bearer "+s.adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /_fakeghcr/world: %s %s", resp.Status, b)
	}
	return string(b)
}

// cranePush logs crane in with secret and pushes the test image to acme/api.
func cranePush(t *testing.T, s *server, env []string, secret, tag string) runResult {
	t.Helper()
	crane := needTool(t, "crane", installHint+" crane")
	if r := runIn(t, env, "", crane, "auth", "login", s.Host, "-u", "x-access-token", "-p", secret); r.Code != 0 {
		t.Fatalf("crane auth login: %s", r.Output())
	}
	return runIn(t, env, "", crane, "push", testImage.tarball, s.Host+"/acme/api:"+tag)
}

// TestWebUISeedFix: crane's push gets the seed 403; the refusal appears in
// the live timeline with its fix; "Apply this fix" is clicked; the same
// push succeeds and the timeline shows it.
func TestWebUISeedFix(t *testing.T) {
	s := startServer(t, "testdata/seed.yaml")
	b := newBrowser(t, 1280, 900)
	_, env := clientHome(t)
	b.do(t, "log in", chromedp.Navigate(s.loginURL(t)), chromedp.WaitVisible(chromedp.CSS("main h1")))
	b.do(t, "open the timeline", chromedp.Navigate(s.URL+"/_fakeghcr/ui/timeline"), chromedp.WaitVisible(chromedp.CSS("#rows")))
	b.do(t, "wait for the stream", streamOpen)

	r := cranePush(t, s, env, workflowToken, "v1")
	refused := time.Now()
	wantFail(t, r, "Error: POST "+s.URL+"/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package")

	row := `#rows li.refused[data-received]`
	b.do(t, "the refusal arrives live", chromedp.WaitVisible(chromedp.CSS(row+" form button.primary")))
	seen := time.Since(refused)
	text := b.text(t, row)
	for _, want := range []string{"Refused", "POST /v2/acme/api/blobs/uploads/", "github_token:workflow", "403",
		"permission_denied: write_package", "actions_access_missing",
		"Add repository acme/api with role Write", "Apply this fix"} {
		if !strings.Contains(text, want) {
			t.Errorf("the timeline's row lacks %q:\n%s", want, text)
		}
	}
	if failed := b.text(t, row+" .path li.fail"); !strings.Contains(failed, "access list") {
		t.Errorf("the decision path marks %q, want the access list", failed)
	}
	latency, err := chromedp.Run(b.ctx, chromedp.Evaluate[float64](
		`(() => { const r = document.querySelector("`+row+`"); return Number(r.dataset.received) - Number(r.dataset.time) / 1e6; })()`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("from the refusal to its row on the page: %.0f ms (decision time to row inserted); %v after crane exited", latency, seen.Round(time.Millisecond))
	b.check(t, "timeline with a refusal")

	b.do(t, "apply the fix", chromedp.Click(chromedp.CSS(row+" form button.primary")),
		chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if flash := b.text(t, "p.flash"); !strings.Contains(flash, "Changed: acme/api: Manage Actions access: repository acme/api has role write") {
		t.Fatalf("after Apply this fix: %q", flash)
	}
	b.do(t, "wait for the stream", streamOpen)
	wantOK(t, cranePush(t, s, env, workflowToken, "v1"))
	allowed := `#rows li.allowed[data-received]`
	b.do(t, "the allowed push arrives live", chromedp.WaitVisible(chromedp.CSS(allowed)))
	all := b.text(t, "#rows")
	if !strings.Contains(all, "Allowed") || !strings.Contains(all, "Rule actions_access: write acme/api") {
		t.Errorf("the timeline does not show the allowed push:\n%s", all)
	}
	b.consoleClean(t)
}

// TestWebUIAddRepositoryEqualsCLI: adding acme/api with role Write on the
// settings page makes the world `fakeghcr access add` makes.
func TestWebUIAddRepositoryEqualsCLI(t *testing.T) {
	page, cli := startServer(t, "testdata/seed.yaml"), startServer(t, "testdata/seed.yaml")
	b := newBrowser(t, 1280, 900)
	b.do(t, "log in", chromedp.Navigate(page.loginURL(t)), chromedp.WaitVisible(chromedp.CSS("main h1")))
	b.do(t, "add a repository",
		chromedp.Navigate(page.URL+"/_fakeghcr/ui/package?name=acme/api"),
		chromedp.WaitVisible(chromedp.CSS("#add-repo")),
		// By keyboard only: type the repository, Tab to the role, "w" picks
		// Write, Tab to Add Repository, Enter.
		chromedp.SendKeys(chromedp.CSS("#add-repo"), "acme/api"+kb.Tab+"w"+kb.Tab+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("p.flash")))
	wantOK(t, runIn(t, []string{"FAKEGHCR_SERVER=" + cli.URL, "FAKEGHCR_ADMIN_TOKEN=" + cli.adminToken}, "",
		fakeghcr.path, "access", "add", "acme/api", "acme/api", "--role", "write"))
	if got, want := page.world(t), cli.world(t); got != want {
		t.Errorf("the page's world:\n%s\nfakeghcr access add's world:\n%s", got, want)
	}
	if !strings.Contains(page.world(t), "acme/api") {
		t.Fatal("the exported world is empty")
	}
	b.consoleClean(t)
}

// TestWebUICrossOriginPost: a page on another origin that posts a change to
// the page (with the logged-in browser's cookie) is refused, and the world
// stays as it was.
func TestWebUICrossOriginPost(t *testing.T) {
	s := startServer(t, "testdata/seed.yaml")
	b := newBrowser(t, 1280, 900)
	b.do(t, "log in", chromedp.Navigate(s.loginURL(t)), chromedp.WaitVisible(chromedp.CSS("main h1")))
	before := s.world(t)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><form method="post" action="%s/_fakeghcr/ui/change">
<input name="op" value="set_actions_access"><input name="package" value="acme/api">
<input name="repository" value="acme/api"><input name="role" value="admin"><input name="csrf" value="guessed"></form>
<script>document.forms[0].submit()</script>`, s.URL)
	}))
	defer evil.Close()
	b.do(t, "visit another site", chromedp.Navigate(evil.URL), chromedp.WaitVisible(chromedp.CSS(`p[role="alert"]`)))
	loc, _ := chromedp.Run(b.ctx, chromedp.Location())
	if msg := b.text(t, `p[role="alert"]`); !strings.HasPrefix(loc, s.URL) || !strings.Contains(msg, "cross-origin") {
		t.Errorf("at %s: %q, want fakeghcr's cross-origin refusal", loc, msg)
	}
	if after := s.world(t); after != before {
		t.Errorf("a cross-origin POST changed the world:\n%s", after)
	}
}

// TestWebUIPagesAccessible: every page loads without a console error, has
// an accessible name on every control and text contrast of at least 4.5:1,
// and fits a 360-pixel-wide window.
func TestWebUIPagesAccessible(t *testing.T) {
	s := startServer(t, "testdata/seed.yaml")
	_, env := clientHome(t)
	cranePush(t, s, env, workflowToken, "v1") // a refusal for the timeline
	for _, width := range []int{1280, 360} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			b := newBrowser(t, width, 800)
			b.do(t, "the login page", chromedp.Navigate(s.URL+"/_fakeghcr/ui/login"), chromedp.WaitVisible(chromedp.CSS("#token")))
			b.check(t, "login")
			b.do(t, "log in", chromedp.SendKeys(chromedp.CSS("#token"), s.adminToken), chromedp.Submit(chromedp.CSS("#token")),
				chromedp.WaitVisible(chromedp.CSS("nav button.link"))) // Log out: only when logged in
			for _, page := range []string{"/", "/package?name=acme/api", "/package?name=acme/public&as=alice", "/repository?name=acme/api", "/owner?login=acme",
				"/credentials", "/timeline", "/timeline?outcome=refused&package=acme/api"} {
				b.do(t, page, chromedp.Navigate(s.URL+"/_fakeghcr/ui"+page), chromedp.WaitVisible(chromedp.CSS("main h1")))
				r := b.check(t, page)
				t.Logf("%s at %dpx: %d bytes (document, style sheet and script), %d controls, %d texts checked", page, width, r.Bytes, r.Controls, r.Texts)
			}
			b.consoleClean(t)
		})
	}
}

// TestWebUIScreenshots regenerates the README's pictures with -update:
//
//	cd e2e && go test -run TestWebUIScreenshots -update
func TestWebUIScreenshots(t *testing.T) {
	if !*updateScreenshots {
		t.Skip("run with -update to rewrite docs/img/webui-*.png")
	}
	s := startServer(t, "testdata/seed.yaml")
	_, env := clientHome(t)
	b := newBrowser(t, 1000, 900)
	b.do(t, "log in", chromedp.Navigate(s.loginURL(t)), chromedp.WaitVisible(chromedp.CSS("main h1")))
	cranePush(t, s, env, workflowToken, "v1")
	shots := map[string]string{
		"webui-package.png":  "/_fakeghcr/ui/package?name=acme/api",
		"webui-timeline.png": "/_fakeghcr/ui/timeline?outcome=refused",
	}
	for file, page := range shots {
		b.do(t, page, chromedp.Navigate(s.URL+page), chromedp.WaitVisible(chromedp.CSS("main h1")))
		png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "docs", "img", file), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
