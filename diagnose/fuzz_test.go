package diagnose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead: any log reads without panic, and every failure is on a line
// of the log.
func FuzzRead(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/logs/*.log")
	corpus, _ := filepath.Glob("testdata/corpus/*.log")
	seeds = append(seeds, corpus...)
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(string(data))
		}
	}
	d, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, log string) {
		res, err := d.Read(strings.NewReader(log))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Count(log, "\n") + 1
		for _, fl := range res.Failures {
			if fl.Line < 1 || fl.Line > lines {
				t.Fatalf("failure at line %d of a %d-line log", fl.Line, lines)
			}
		}
	})
}

// FuzzLocalize: rewriting a scenario's text into a log's names never
// panics and never leaves the scenario's owner in it.
func FuzzLocalize(f *testing.F) {
	f.Add("Package settings (https://github.com/orgs/acme/packages/container/api/settings) -> Manage Actions access -> Add repository acme/api with role Write", "quillmesh/relay/sub")
	f.Add("Classic PAT \"bob\" of user bob cannot push to acme/api.", "x/y")
	f.Add("ghcr.io/acme/... (app acme-release-bot)", "")
	w := worldNames{owners: []string{"acme", "alice", "bob"}, users: []string{"alice", "bob"}}
	f.Fuzz(func(t *testing.T, text, pkg string) {
		owner, _, _ := strings.Cut(strings.ToLower(pkg), "/")
		n := names{owner: owner, pkg: strings.ToLower(pkg)}
		if !strings.Contains(n.pkg, "/") || strings.Contains(n.pkg, "acme") {
			n = names{}
		}
		out := localize(text, "acme/api", w, n)
		if strings.Contains(text, "acme/api") && strings.Contains(out, "acme/api") {
			t.Fatalf("localize(%q) = %q keeps acme/api", text, out)
		}
	})
}

// FuzzNormalizeRef: any reference normalizes without panic to "" or
// host/path.
func FuzzNormalizeRef(f *testing.F) {
	for _, s := range []string{"ghcr.io/acme/api:v1", "nfancy/omix:1.0.0", "oci://ghcr.io/a/charts", "ghcr.io/dmq/dyn:latest:", "docker://quay.io/x/y@sha256:ab", "ghrc.io/a/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		n := normalizeRef(ref)
		if n != "" && !strings.Contains(n, "/") {
			t.Fatalf("normalizeRef(%q) = %q", ref, n)
		}
		_ = imageIn("docker push " + ref)
		_ = typoOfGHCR(ref)
	})
}
