package diagnose_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/answers"
	"github.com/fakeghcr/fakeghcr/clientlines"
)

// knownDifferences would name, with why, lines where check's prediction and
// the e2e-asserted tables differ; it is empty: both read the same lines of
// clientlines (issue 17 item 6).
var knownDifferences = map[string]string{}

// TestCheckPredictsWhatE2EAsserts: check and e2e read the same clientlines
// tables, so this keeps check's way to them right: for every line of a table
// (what e2e's TestClientLines asserts against the real client), the line
// check prints for that stage, op and GHCR answer (clientlines.Print) must
// be that line (its pattern matches it, the log record aside), not another
// request's or a cited older wording.
func TestCheckPredictsWhatE2EAsserts(t *testing.T) {
	t.Parallel()
	clients, err := clientlines.All()
	if err != nil {
		t.Fatal(err)
	}
	stages := map[clientlines.Request]clientlines.Stage{
		clientlines.Token: clientlines.StageToken, clientlines.BlobHead: clientlines.StageHeadBlob, clientlines.BlobPost: clientlines.StageUploadPost,
		clientlines.ManifestPut: clientlines.StageManifestPut, clientlines.ManifestGet: clientlines.StageManifestGet,
	}
	bodies := map[int][2]string{
		401: {"UNAUTHORIZED", "authentication required"},
		403: {"DENIED", "permission_denied: write_package"},
		404: {"MANIFEST_UNKNOWN", "manifest unknown"},
	}
	vars := clientlines.Vars{URL: "https://ghcr.io", Host: "ghcr.io", Repo: "acme/api", Tag: "v1", Digest: "sha256:" + strings.Repeat("ab", 32), Time: "2026-11-27T10:00:00Z"}
	compared, differ := 0, 0
	for _, c := range clients {
		for _, l := range c.Lines {
			stage, ok := stages[l.Request]
			if !ok {
				continue
			}
			code, message := l.Code, l.Message
			if code == "" {
				code = bodies[l.Status][0]
			}
			if message == "" {
				message = bodies[l.Status][1]
			}
			if l.Request == clientlines.BlobHead {
				code, message = "", "" // a HEAD has no body
			}
			a := clientlines.Answer{Op: l.Op, Request: l.Request, Status: l.Status, Code: code, Message: message}
			predicted, ok := clientlines.Print(clientlines.Name(c.Name), stage, clientlines.PrintVars{Host: "ghcr.io", Repo: "acme/api", Tag: "v1",
				Digest: vars.Digest, Op: l.Op, Answer: answers.Answer{Status: l.Status, Code: code, Message: message}})
			if !ok {
				continue
			}
			compared++
			printed := l.Render(c, a, vars)
			key := fmt.Sprintf("%s %s %s %d", c.Name, l.Op, l.Request, l.Status)
			if l.Message != "" {
				key += " " + l.Message
			}
			// check predicts the message; skopeo wraps it in a log record.
			same := l.Pattern(c, a, vars).MatchString(predicted) || strings.Contains(printed, predicted)
			if same {
				if knownDifferences[key] != "" {
					t.Errorf("%s: check now predicts what e2e asserts; remove it from knownDifferences", key)
				}
				continue
			}
			differ++
			if knownDifferences[key] == "" {
				t.Errorf("%s: check predicts\n  %s\nthe real client prints (e2e)\n  %s", key, predicted, printed)
			}
		}
	}
	t.Logf("%d predicted lines compared with the e2e tables, %d differ", compared, differ)
}
