package clientlines

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fakeghcr/fakeghcr/answers"
)

func TestEveryTableLoads(t *testing.T) {
	t.Parallel()
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no client tables")
	}
	for _, c := range all {
		if len(c.Lines) == 0 {
			t.Errorf("%s: empty table", c.Name)
		}
		if !slices.Contains(Names(), c.Name) {
			t.Errorf("table file name does not match client %q", c.Name)
		}
	}
}

func TestRenderAndPattern(t *testing.T) {
	t.Parallel()
	crane, err := Load("crane")
	if err != nil {
		t.Fatal(err)
	}
	skopeo, err := Load("skopeo")
	if err != nil {
		t.Fatal(err)
	}
	ghcr := Vars{URL: "https://ghcr.io", Host: "ghcr.io", Repo: "acme/api", Tag: "latest", Digest: "sha256:…", Time: "…"}
	local := Vars{URL: "http://127.0.0.1:5000", Host: "127.0.0.1:5000", Repo: "acme/api", Tag: "latest"}
	tests := []struct {
		name    string
		client  *Client
		answer  Answer
		render  string // with ghcr
		printed string // a real line, with local
	}{
		{
			name:    "crane blob POST",
			client:  crane,
			answer:  Answer{Op: Push, Request: BlobPost, Status: 403, Code: "DENIED", Message: "permission_denied: write_package"},
			render:  "Error: POST https://ghcr.io/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package",
			printed: "Error: POST http://127.0.0.1:5000/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package",
		},
		{
			name:    "crane blob HEAD",
			client:  crane,
			answer:  Answer{Op: Push, Request: BlobHead, Status: 403},
			render:  "Error: HEAD https://ghcr.io/v2/acme/api/blobs/sha256:…: unexpected status code 403 Forbidden (HEAD responses have no body, use GET for details)",
			printed: "Error: HEAD http://127.0.0.1:5000/v2/acme/api/blobs/sha256:" + strings.Repeat("ab", 32) + ": unexpected status code 403 Forbidden (HEAD responses have no body, use GET for details)",
		},
		{
			name:    "crane token scope",
			client:  crane,
			answer:  Answer{Op: Pull, Request: Token, Status: 401, Code: "UNAUTHORIZED", Message: "authentication required"},
			render:  "Error: GET https://ghcr.io/token?scope=repository%3Aacme%2Fapi%3Apull&service=ghcr.io: UNAUTHORIZED: authentication required",
			printed: "Error: GET http://127.0.0.1:5000/token?scope=repository%3Aacme%2Fapi%3Apull&service=ghcr.io: UNAUTHORIZED: authentication required",
		},
		{
			name:    "skopeo narrows by message",
			client:  skopeo,
			answer:  Answer{Op: Pull, Request: ManifestGet, Status: 403, Code: "DENIED", Message: "requested access to the resource is denied"},
			render:  `time="…" level=fatal msg="initializing source docker://ghcr.io/acme/api:latest: reading manifest latest in ghcr.io/acme/api: denied"`,
			printed: `time="2026-11-27T15:01:20Z" level=fatal msg="initializing source docker://127.0.0.1:5000/acme/api:latest: reading manifest latest in 127.0.0.1:5000/acme/api: denied"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, ok := tt.client.Line(tt.answer)
			if !ok {
				t.Fatalf("no line for %+v", tt.answer)
			}
			if diff := cmp.Diff(tt.render, l.Render(tt.client, tt.answer, ghcr)); diff != "" {
				t.Errorf("Render (-want +got):\n%s", diff)
			}
			if re := l.Pattern(tt.client, tt.answer, local); !re.MatchString(tt.printed) {
				t.Errorf("Pattern %s does not match\n%s", re, tt.printed)
			}
			if re := l.Pattern(tt.client, tt.answer, local); re.MatchString(tt.printed + "x") {
				t.Errorf("Pattern %s is not anchored", re)
			}
		})
	}
}

func TestNoLineForAnUnknownAnswer(t *testing.T) {
	t.Parallel()
	c, err := Load("crane")
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := c.Line(Answer{Op: Push, Request: ManifestGet, Status: 418}); ok {
		t.Errorf("got %+v for an answer the table does not have", l)
	}
}

func TestParseRejectsBadTables(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"unknown field":   "client: x\nversion: 1\ncolour: red\n",
		"no version":      "client: x\npush: {order: [token], scope: push}\npull: {order: [token], scope: pull}\n",
		"order not token": "client: x\nversion: 1\npush: {order: [blob_post], scope: push}\npull: {order: [token], scope: pull}\n",
		"unknown request": "client: x\nversion: 1\npush: {order: [token, blob_get], scope: push}\npull: {order: [token], scope: pull}\n",
		"success status":  "client: x\nversion: 1\npush: {order: [token], scope: push}\npull: {order: [token], scope: pull}\nlines: [{op: push, request: token, status: 200, line: x}]\n",
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := parse("bad.yaml", []byte(data)); err == nil {
				t.Error("no error")
			} else if !strings.HasPrefix(err.Error(), "bad.yaml: ") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestUnknownClient(t *testing.T) {
	t.Parallel()
	if _, err := Load("docker-desktop"); err == nil || !strings.Contains(err.Error(), "crane") {
		t.Errorf("Load(unknown) = %v, want an error listing the clients", err)
	}
}

func TestParseRejectsBadLines(t *testing.T) {
	t.Parallel()
	head := "client: x\nversion: 1\npush: {order: [token], scope: push}\npull: {order: [token], scope: pull}\nlines:\n"
	tests := map[string][2]string{
		"cited without a source":  {"  - {op: push, request: token, status: 403, version: v0.10, line: x}\n", "needs its source"},
		"source not a public URL": {"  - {request: token, source: shared/spec/clients.md, line: x}\n", "not a public https URL"},
		"current without source":  {"  - {op: push, request: token, status: 403, current: true, line: x}\n", "needs its source"},
		"pinned without op":       {"  - {request: token, status: 403, line: x}\n", "want push or pull"},
		"login with an op":        {"  - {op: push, request: login, line: x}\n", "belongs to no push or pull"},
		"unknown request":         {"  - {request: blob_get, source: https://example.com/x, line: x}\n", "unknown request"},
		"record without {line}":   {"  - {request: login, line: x}\nrecord: 'msg=x'\n", "record must hold {line}"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := parse("table/bad.yaml", []byte(head+tt[0])); err == nil || !strings.Contains(err.Error(), tt[1]) {
				t.Errorf("error %v, want one saying %q", err, tt[1])
			}
		})
	}
}

// TestE2EAssertsOnlyTheTableVersion: the lookup e2e's TestClientLines asserts with never
// returns a cited wording, and every file has lines of both kinds or only its own.
func TestE2EAssertsOnlyTheTableVersion(t *testing.T) {
	t.Parallel()
	clients, err := Every()
	if err != nil {
		t.Fatal(err)
	}
	cited := 0
	for _, c := range clients {
		for _, l := range c.Lines {
			if l.Pinned() {
				continue
			}
			cited++
			a := Answer{Op: l.Op, Request: l.Request, Status: l.Status, Code: l.Code, Message: l.Message}
			for _, op := range []Op{Push, Pull} {
				if a.Op == "" {
					a.Op = op
				}
				for _, status := range []int{401, 403, 404} {
					if l.Status == 0 {
						a.Status = status
					}
					if got, ok := c.Line(a); ok && !got.Pinned() {
						t.Errorf("%s: Line(%+v) returned the cited wording %q", c.Name, a, got.Text)
					}
				}
			}
		}
	}
	if cited == 0 {
		t.Fatal("no cited wordings: the older versions' lines are gone")
	}
}

func TestPrint(t *testing.T) {
	t.Parallel()
	denied := answers.Answer{Status: 403, Code: "DENIED", Message: "permission_denied: write_package"}
	tests := []struct {
		name   string
		client Name
		stage  Stage
		v      PrintVars
		want   string
	}{
		{"crane upload", Crane, StageUploadPost, PrintVars{Repo: "acme/api", Answer: denied},
			"Error: POST https://ghcr.io/v2/acme/api/blobs/uploads/: DENIED: permission_denied: write_package"},
		{"crane push token names its scope", Crane, StageToken, PrintVars{Repo: "acme/api", Op: Push, Answer: answers.Answer{Status: 403, Code: "DENIED", Message: "denied"}},
			"Error: GET https://ghcr.io/token?scope=repository%3Aacme%2Fapi%3Apush%2Cpull&service=ghcr.io: DENIED: denied"},
		{"skopeo pull keeps its console prefix, not its log record", Skopeo, StageManifestGet, PrintVars{Repo: "acme/api", Answer: denied},
			"initializing source docker://ghcr.io/acme/api:latest: reading manifest latest in ghcr.io/acme/api: denied: permission_denied: write_package"},
		{"oras push stops at its manifest HEAD", Oras, StageHeadBlob, PrintVars{Repo: "acme/api", Answer: answers.Answer{Status: 403}},
			`Error response from registry: HEAD "https://ghcr.io/v2/acme/api/manifests/sha256:…": response status code 403: Forbidden`},
		{"docker login: a cited current wording", Docker, StageLogin, PrintVars{Answer: answers.Answer{Status: 403, Code: "DENIED", Message: "denied"}},
			`Error response from daemon: Get "https://ghcr.io/v2/": denied: denied`},
		{"containerd upload: a cited current wording", Containerd, StageUploadPost, PrintVars{Repo: "acme/api", Answer: answers.Answer{Status: 403}},
			"unexpected status from POST request to https://ghcr.io/v2/acme/api/blobs/uploads/: 403 Forbidden"},
		{"regctl manifest: a cited current wording", Regctl, StageManifestPut, PrintVars{Repo: "acme/api", Tag: "v1", Answer: denied},
			`failed to put manifest ghcr.io/acme/api:v1: request failed: unauthorized [http 403]: {"errors":[{"code":"DENIED","message":"permission_denied: write_package"}]}`},
	}
	for _, tt := range tests {
		got, ok := Print(tt.client, tt.stage, tt.v)
		if !ok || got != tt.want {
			t.Errorf("%s: Print = %q, %v\n want %q", tt.name, got, ok, tt.want)
		}
	}
	// Cited wordings not marked current are never printed (containerd's manifest PUT).
	if got, ok := Print(Containerd, StageManifestPut, PrintVars{Repo: "acme/api", Answer: answers.Answer{Status: 403}}); ok {
		t.Errorf("Print printed a cited, not current, wording: %q", got)
	}
	if got, ok := Print(Podman, StageUploadPost, PrintVars{Repo: "acme/api", Answer: denied}); ok {
		t.Errorf("Print(podman) = %q: podman has no table", got)
	}
}
