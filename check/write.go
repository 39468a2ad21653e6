package check

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Formats Write knows.
var Formats = []string{"text", "json", "github", "sarif"}

// Write writes the report in format: text, json, github (workflow
// commands) or sarif (SARIF 2.1.0).
func Write(w io.Writer, rep Report, format string) error {
	switch format {
	case "", "text":
		return writeText(w, rep)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "github":
		return writeGitHub(w, rep)
	case "sarif":
		return writeSARIF(w, rep)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// group is findings that differ only in their event.
type group struct {
	f      *Finding // the first of them, in the report
	events []string
}

// byEvent groups findings that give the same answer for several events
// (and stand at the same lines).
func byEvent(fs []Finding) []group {
	out := make([]group, 0, len(fs))
	index := newFindingIndex()
	same := func(a, b *Finding) bool {
		return sameSaying(a, b, true) && a.Line == b.Line && slices.Equal(a.AlsoAt, b.AlsoAt)
	}
	for k := range fs {
		f := &fs[k]
		if i, ok := index.find(f, func(i int) *Finding { return out[i].f }, same); ok {
			out[i].events = append(out[i].events, f.Event)
			continue
		}
		index.add(f, len(out))
		out = append(out, group{f: f, events: []string{f.Event}})
	}
	return out
}

func writeText(w io.Writer, rep Report) error {
	// Written through a buffer, not built whole: a large report is
	// not held twice.
	b := bufio.NewWriterSize(w, 32<<10)
	counts := map[string]int{}
	for _, f := range rep.Findings {
		counts[f.Outcome]++
	}
	for _, wmsg := range rep.Warnings {
		fmt.Fprintf(b, "WARNING: %s\n", wmsg)
	}
	if len(rep.Warnings) > 0 {
		b.WriteString("\n")
	}
	for _, g := range byEvent(rep.Findings) {
		f := g.f
		events := "event " + g.events[0]
		if len(g.events) > 1 {
			events = "events " + strings.Join(g.events, ", ")
		}
		fmt.Fprintf(b, "%s:%d: %s  %s %s", f.File, f.Line, strings.ToUpper(f.Outcome), f.Action, f.Image)
		if len(f.Tags) > 0 {
			fmt.Fprintf(b, " (tags %s)", strings.Join(f.Tags, ", "))
		}
		if len(f.AlsoAt) > 0 {
			var at []string
			for _, l := range f.AlsoAt {
				at = append(at, fmt.Sprint(l))
			}
			fmt.Fprintf(b, " (the same at lines %s)", strings.Join(at, ", "))
		}
		fmt.Fprintf(b, "\n  job %s, step %q, %s, %s\n", f.Job, f.Step, events, f.Tool)
		if f.Via != "" {
			fmt.Fprintf(b, "  called by:  %s\n", f.Via)
		}
		if f.Outcome == Allow {
			fmt.Fprintf(b, "  credential: %s\n  GHCR:       %s (%s)\n", f.Credential, answerText(f.Status, "", "", ""), f.Reason)
			for _, a := range f.Assumptions {
				fmt.Fprintf(b, "  assumes:    %s\n", a)
			}
			b.WriteString("\n")
			continue
		}
		if f.Credential != "" {
			fmt.Fprintf(b, "  credential: %s\n", f.Credential)
		}
		switch {
		case f.Outcome == Deny && f.Status == 0:
			b.WriteString("  GHCR:       never asked: the client fails first\n")
		case f.Status != 0:
			fmt.Fprintf(b, "  GHCR:       %s\n", answerText(f.Status, f.Code, f.Message, f.Stage))
		}
		if f.Prints != "" {
			fmt.Fprintf(b, "  %s prints: %s\n", f.Client, f.Prints)
		}
		if f.Reason != "" {
			fmt.Fprintf(b, "  reason:     %s\n", f.Reason)
		}
		if f.Explanation != "" {
			fmt.Fprintf(b, "  why:        %s\n", f.Explanation)
		}
		for _, s := range f.States {
			fmt.Fprintf(b, "  if %s:\n    %s  %s", s.State, strings.ToUpper(s.Outcome), answerText(s.Status, s.Code, s.Message, s.Stage))
			if s.Reason != "" {
				fmt.Fprintf(b, "  (%s)", s.Reason)
			}
			b.WriteString("\n")
			if s.Prints != "" {
				fmt.Fprintf(b, "    %s prints: %s\n", f.Client, s.Prints)
			}
		}
		if f.Fix != "" {
			fmt.Fprintf(b, "  fix:        %s\n", f.Fix)
		}
		for _, a := range f.Assumptions {
			fmt.Fprintf(b, "  assumes:    %s\n", a)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "%d workflow file(s), %d finding(s) (one per interaction and event, repeats grouped): %d deny, %d unknown, %d allow\n",
		len(rep.Files), len(rep.Findings), counts[Deny], counts[Unknown], counts[Allow])
	if len(rep.Warnings) > 0 {
		fmt.Fprintf(b, "%d warning(s): the world does not describe everything checked (see above)\n", len(rep.Warnings))
	}
	return b.Flush()
}

func answerText(status int, code, message, stage string) string {
	if status == 0 {
		return "unknown"
	}
	s := fmt.Sprint(status)
	if code != "" {
		s += fmt.Sprintf(` {"errors":[{"code":"%s","message":"%s"}]}`, code, message)
	} else if status >= 400 {
		s += " (no body)"
	}
	if stage != "" {
		s += " at " + stageText(stage)
	}
	return s
}

func stageText(stage string) string {
	switch stage {
	case "token":
		return "GET /token"
	case "login":
		return "the login"
	case "head_blob":
		return "the blob HEAD"
	case "upload_post":
		return "the blob upload POST"
	case "manifest_put":
		return "the manifest PUT"
	case "manifest_get":
		return "the manifest GET"
	case "reference":
		return "the client"
	}
	return stage
}

// writeGitHub writes workflow commands: ::error for denials, ::warning for
// unknowns, so check can run as a step of the workflow it checks.
func writeGitHub(w io.Writer, rep Report) error {
	// Written through a buffer, not built whole: a large report is
	// not held twice.
	b := bufio.NewWriterSize(w, 32<<10)
	for _, wmsg := range rep.Warnings {
		fmt.Fprintf(b, "::warning title=fakeghcr check::%s\n", escapeData(wmsg))
	}
	for _, f := range rep.Findings {
		kind := ""
		switch f.Outcome {
		case Deny:
			kind = "error"
		case Unknown:
			kind = "warning"
		default:
			continue
		}
		fmt.Fprintf(b, "::%s file=%s,line=%d,title=%s::%s\n", kind, escapeProperty(f.File), f.Line,
			escapeProperty(fmt.Sprintf("fakeghcr: %s %s (%s)", f.Action, f.Image, f.Event)), escapeData(summary(f)))
	}
	return b.Flush()
}

// summary is a finding in one message.
func summary(f Finding) string {
	parts := []string{}
	if f.Status != 0 {
		parts = append(parts, "GHCR answers "+answerText(f.Status, f.Code, f.Message, f.Stage))
	}
	if f.Prints != "" {
		parts = append(parts, f.Client+" prints: "+f.Prints)
	}
	if f.Explanation != "" {
		parts = append(parts, f.Explanation)
	}
	if f.Fix != "" {
		parts = append(parts, "Fix: "+f.Fix)
	}
	return strings.Join(parts, "\n")
}

// escapeData and escapeProperty follow the workflow command escaping of
// https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
