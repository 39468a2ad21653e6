package diagnose

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// maxTextCauses is how many causes the text output shows.
const maxTextCauses = 4

// Write writes the result as text or json.
func Write(w io.Writer, res Result, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case "", "text":
	default:
		return fmt.Errorf("unknown format %q (want text or json)", format)
	}
	var b strings.Builder
	if len(res.Failures) == 0 {
		b.WriteString("no GHCR failure recognized in the log\n")
	}
	if res.Omitted > 0 {
		fmt.Fprintf(&b, "(%d more distinct failures omitted)\n", res.Omitted)
	}
	for _, f := range res.Failures {
		client := f.Client
		if f.Library != "" && f.Library != f.Client {
			client += " (" + f.Library + "'s wording"
			if f.Version != "" {
				client += ", " + f.Version
			}
			client += ")"
		} else if f.Version != "" {
			client += " (" + f.Version + ")"
		}
		fmt.Fprintf(&b, "line %d: %s, %s", f.Line, client, f.Stage)
		if f.Image != "" {
			fmt.Fprintf(&b, ", %s", f.Image)
		}
		fmt.Fprintf(&b, "\n  %s\n", f.Text)
		switch {
		case f.Status == 0:
			b.WriteString("  GHCR was not asked: the client failed first\n")
		case f.Code != "" && f.Inferred:
			fmt.Fprintf(&b, "  GHCR answered %d {\"errors\":[{\"code\":\"%s\",\"message\":\"%s\"}]} (inferred: the client printed only the code)\n", f.Status, f.Code, f.Message)
		case f.Code != "":
			fmt.Fprintf(&b, "  GHCR answered %d {\"errors\":[{\"code\":\"%s\",\"message\":\"%s\"}]}\n", f.Status, f.Code, f.Message)
		default:
			fmt.Fprintf(&b, "  GHCR answered %d (this client does not print GHCR's message)\n", f.Status)
		}
		if len(f.Causes) == 0 {
			b.WriteString("  no known cause gives this answer\n")
		}
		for i, c := range f.Causes {
			if i == maxTextCauses {
				fmt.Fprintf(&b, "  ... and %d less likely causes (--format json lists them all)\n", len(f.Causes)-i)
				break
			}
			if c.Reason != "" {
				fmt.Fprintf(&b, "  %d. %s", i+1, c.Reason)
			} else {
				fmt.Fprintf(&b, "  %d. cause", i+1)
			}
			switch {
			case c.Scenario != "":
				fmt.Fprintf(&b, "   (reproduce: fakeghcr serve --scenario %s)", c.Scenario)
			case c.Reproduce != "":
				fmt.Fprintf(&b, "   (reproduce: %s)", c.Reproduce)
			}
			b.WriteString("\n")
			if c.Predicted != "" {
				fmt.Fprintf(&b, "     check predicts it: %s\n", c.Predicted)
			}
			if c.Explanation != "" {
				fmt.Fprintf(&b, "     why: %s\n", c.Explanation)
			}
			if c.Fix != "" {
				fmt.Fprintf(&b, "     fix: %s\n", c.Fix)
			}
			if len(c.Scenarios) > 1 {
				fmt.Fprintf(&b, "     also in: %s\n", strings.Join(c.Scenarios[1:], ", "))
			}
		}
		if len(f.Questions) > 0 {
			b.WriteString("  to tell the causes apart:\n")
			for _, q := range f.Questions {
				fmt.Fprintf(&b, "   - %s\n", q)
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
