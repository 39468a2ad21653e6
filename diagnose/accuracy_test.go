package diagnose_test

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/diagnose"
)

var update = flag.Bool("update", false, "rewrite the diagnose section of docs/accuracy.md")

// corpusLog is one log of testdata/corpus with what its public thread
// confirms.
type corpusLog struct {
	name, source, client, registry, cause, pkg string
	text                                       string
}

func readCorpus(t *testing.T) []corpusLog {
	t.Helper()
	files, err := filepath.Glob("testdata/corpus/*.log")
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusLog
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		l := corpusLog{name: filepath.Base(f)}
		var body strings.Builder
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "# ") {
				k, v, _ := strings.Cut(strings.TrimPrefix(line, "# "), ": ")
				switch k {
				case "source":
					l.source = v
				case "client":
					l.client = v
				case "registry":
					l.registry = v
				case "cause":
					l.cause = v
				case "package":
					l.pkg = v
				}
				body.WriteString("\n") // keep line numbers
				continue
			}
			body.WriteString(line + "\n")
		}
		if l.source == "" || l.registry == "" || l.cause == "" {
			t.Errorf("%s: needs # source:, # registry: and # cause: lines", l.name)
		}
		l.text = body.String()
		out = append(out, l)
	}
	return out
}

// score is the figures docs/accuracy.md shows.
type score struct {
	logs, threads                   int
	ghcr, recognized                int
	clients, clientRight            int
	confirmed, causeFirst, causeTop int
	fixes, fixesOwn                 int
	other, otherReported            int
	clean, cleanReported            int
	misses                          []string
}

func pct(a, b int) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f%% (%d of %d)", 100*float64(a)/float64(b), a, b)
}

// TestAccuracy scores diagnose on the corpus of logs written after public
// issue threads (testdata/corpus, one thread cited in each) and keeps the
// diagnose section of docs/accuracy.md in step (-update rewrites it).
func TestAccuracy(t *testing.T) {
	logs := readCorpus(t)
	d, err := diagnose.New(diagnose.Options{Scenarios: library()})
	if err != nil {
		t.Fatal(err)
	}
	var s score
	threads := map[string]bool{}
	for _, l := range logs {
		s.logs++
		threads[l.source] = true
		res, err := d.Read(strings.NewReader(l.text))
		if err != nil {
			t.Fatalf("%s: %v", l.name, err)
		}
		fs := res.Failures
		switch {
		case l.registry != "ghcr.io" && l.cause != "registry_typo":
			s.other++
			if len(fs) > 0 {
				s.otherReported++
				t.Errorf("%s: a %s failure reported as GHCR's: %q", l.name, l.registry, fs[0].Text)
			}
			continue
		case l.cause == "none":
			s.clean++
			if len(fs) > 0 {
				s.cleanReported++
				s.misses = append(s.misses, l.name+": reported a failure in a log without one")
			}
			continue
		}
		s.ghcr++
		if len(fs) == 0 {
			s.misses = append(s.misses, l.name+": not recognized")
			if l.client != "" && l.client != "none" {
				s.clients++
			}
			if l.cause != "unconfirmed" {
				s.confirmed++
			}
			continue
		}
		s.recognized++
		f := fs[0]
		if l.client != "" && l.client != "none" {
			s.clients++
			if f.Client == l.client {
				s.clientRight++
			} else {
				s.misses = append(s.misses, fmt.Sprintf("%s: client %s, want %s", l.name, f.Client, l.client))
			}
		}
		if l.cause != "unconfirmed" {
			s.confirmed++
			var reasons []string
			for _, c := range f.Causes {
				reasons = append(reasons, string(c.Reason))
			}
			switch {
			case len(reasons) > 0 && reasons[0] == l.cause:
				s.causeFirst++
				s.causeTop++
			case slices.Contains(reasons[:min(3, len(reasons))], l.cause):
				s.causeTop++
				s.misses = append(s.misses, fmt.Sprintf("%s: cause %s ranked %d", l.name, l.cause, slices.Index(reasons, l.cause)+1))
			default:
				s.misses = append(s.misses, fmt.Sprintf("%s: cause %s not in the top three %v", l.name, l.cause, reasons[:min(3, len(reasons))]))
			}
		}
		if l.pkg != "" {
			owner, name, _ := strings.Cut(l.pkg, "/")
			enc := strings.ReplaceAll(name, "/", "%2F")
			for _, f := range fs {
				for _, c := range f.Causes {
					for _, text := range []string{c.Fix, c.Explanation} {
						if !strings.Contains(text, "packages/container/") && !strings.Contains(text, "package ") {
							continue
						}
						s.fixes++
						own := !strings.Contains(text, "acme") &&
							(strings.Contains(text, l.pkg) || strings.Contains(text, owner+"/packages/container/"+enc+"/"))
						if own {
							s.fixesOwn++
						} else {
							s.misses = append(s.misses, fmt.Sprintf("%s: %s text does not use %s: %q", l.name, c.Reason, l.pkg, text))
						}
					}
				}
			}
		}
	}
	s.threads = len(threads)
	for _, m := range s.misses {
		t.Log(m)
	}
	section := render(s)
	const doc = "../docs/accuracy.md"
	if *update {
		if err := writeSection(doc, section); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), section) {
		t.Errorf("%s is stale: run go test ./diagnose -run TestAccuracy -update", doc)
	}
	if s.otherReported != 0 {
		t.Errorf("%d failures of other registries reported as GHCR's", s.otherReported)
	}
	if s.logs < 80 || s.threads < 50 {
		t.Errorf("the corpus has %d logs from %d threads; the issue asks for 80 from 50", s.logs, s.threads)
	}
}

func render(s score) string {
	var b strings.Builder
	b.WriteString("<!-- diagnose:begin -->\n")
	b.WriteString("## diagnose\n\n")
	fmt.Fprintf(&b, "Measured by `go test ./diagnose -run TestAccuracy -update` on `diagnose/testdata/corpus`: %d logs written in the shape of the logs in %d public issue threads (each cites its thread, the client, the registry and the cause the thread confirms; \"unconfirmed\" where it does not).\n\n", s.logs, s.threads)
	b.WriteString("| figure | value | target |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| GHCR logs recognized | %s | ≥ 95%% |\n", pct(s.recognized, s.ghcr))
	fmt.Fprintf(&b, "| client named right | %s | ≥ 90%% |\n", pct(s.clientRight, s.clients))
	fmt.Fprintf(&b, "| confirmed cause ranked first | %s | ≥ 90%% |\n", pct(s.causeFirst, s.confirmed))
	fmt.Fprintf(&b, "| confirmed cause in the top three | %s | ≥ 97%% |\n", pct(s.causeTop, s.confirmed))
	fmt.Fprintf(&b, "| explanations and fixes naming a package that use the log's own | %s | 100%% |\n", pct(s.fixesOwn, s.fixes))
	fmt.Fprintf(&b, "| failures of other registries (Docker Hub, quay.io, docker.pkg.github.com) reported as GHCR's | %d of %d logs | 0 |\n", s.otherReported, s.other)
	fmt.Fprintf(&b, "| failures reported in logs without one | %d of %d logs | 0 |\n", s.cleanReported, s.clean)
	b.WriteString("\nA log whose thread names no cause counts for recognition and the client only. A misspelled host (ghrc.io) counts as recognized when diagnose names the typo; it is not reported as a GHCR failure. The corpus was written while diagnose was being changed, so these figures are not a held-out measure; the separate corpus of issue 17 is.\n")
	if len(s.misses) > 0 {
		b.WriteString("\nWhere it falls short on this corpus:\n\n")
		for _, m := range s.misses {
			fmt.Fprintf(&b, "- %s\n", m)
		}
	}
	b.WriteString("<!-- diagnose:end -->")
	return b.String()
}

// writeSection replaces the diagnose section of the file (creating the
// file, with room for check's section, when missing).
func writeSection(path, section string) error {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		b = []byte("# Accuracy on real-world material\n\n<!-- check:begin -->\n<!-- check:end -->\n\n<!-- diagnose:begin -->\n<!-- diagnose:end -->\n")
	} else if err != nil {
		return err
	}
	s := string(b)
	i := strings.Index(s, "<!-- diagnose:begin -->")
	j := strings.Index(s, "<!-- diagnose:end -->")
	if i < 0 || j < i {
		s += "\n" + section + "\n"
	} else {
		s = s[:i] + section + s[j+len("<!-- diagnose:end -->"):]
	}
	return os.WriteFile(path, []byte(s), 0o644)
}
