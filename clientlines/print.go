package clientlines

import (
	"slices"
	"strings"
	"sync"

	"github.com/fakeghcr/fakeghcr/answers"
)

// PrintVars are what check knows of a refused request.
type PrintVars struct {
	// Scheme and Host default to https and ghcr.io, Tag to latest.
	Scheme, Host, Repo, Tag, Digest string
	// Op is the push or pull the request belongs to; when empty, the stage decides (a
	// token is a pull's).
	Op     Op
	Answer answers.Answer
}

// every is every client's table, parsed once: embedded data that never changes.
var every = sync.OnceValues(Every)

// Print returns what client prints when the request of stage is answered with
// v.Answer, from the lines of the client's own table version (or, where it has none, a
// cited wording marked current; never an older version's), with the console prefix and
// without a log record. It reports false when the
// client has no such line.
func Print(client Name, stage Stage, v PrintVars) (string, bool) {
	clients, err := every()
	if err != nil {
		return "", false
	}
	i := slices.IndexFunc(clients, func(c *Client) bool { return c.Name == string(client) })
	if i < 0 {
		return "", false
	}
	c := clients[i]
	op := v.Op
	if op == "" {
		op = Pull
		if stage == StageHeadBlob || stage == StageUploadPost || stage == StageManifestPut {
			op = Push
		}
	}
	reqs := requestsOf(stage)
	if c.played && len(reqs) > 1 {
		// The request the client makes first is the one refused.
		var ordered []Request
		for _, r := range c.Plan(op).Order {
			if slices.Contains(reqs, r) {
				ordered = append(ordered, r)
			}
		}
		reqs = append(ordered, reqs...)
	}
	a := Answer{Op: op, Status: v.Answer.Status, Code: v.Answer.Code, Message: v.Answer.Message}
	for _, r := range reqs {
		if l, ok := c.printed(r, a); ok {
			a.Request = r
			return l.renderConsole(c, a, v), true
		}
	}
	return "", false
}

// printed is the line the client prints for a refused r: the table version's, else a
// cited wording marked current.
func (c *Client) printed(r Request, a Answer) (Line, bool) {
	for _, pinned := range []bool{true, false} {
		for _, l := range c.Lines {
			if l.Pinned() != pinned || (!pinned && !l.Current) || l.Request != r || (l.Op != "" && l.Op != a.Op) || (l.Status != 0 && l.Status != a.Status) ||
				(l.Code != "" && l.Code != a.Code) || (l.Message != "" && l.Message != a.Message) ||
				(a.Code == "" && needsBody(l.Text)) {
				continue
			}
			return l, true
		}
	}
	return Line{}, false
}

// needsBody: the line shows GHCR's error body.
func needsBody(text string) bool {
	return strings.Contains(text, "{message}") || strings.Contains(text, "{code}") || strings.Contains(text, "{code_lower}")
}

// renderConsole renders the line with its prefix, as a console shows it.
func (l Line) renderConsole(c *Client, a Answer, v PrintVars) string {
	scheme, host := v.Scheme, v.Host
	if scheme == "" {
		scheme = "https"
	}
	if host == "" {
		host = "ghcr.io"
	}
	vars := Vars{URL: scheme + "://" + host, Host: host, Repo: v.Repo, Tag: v.Tag, Digest: v.Digest, Time: "…"}
	if vars.Tag == "" {
		vars.Tag = "latest"
	}
	if vars.Digest == "" {
		vars.Digest = "sha256:…"
	}
	return l.fill(c, a, vars, plain, vars.Digest, vars.Time, "…", l.Console(c))
}
