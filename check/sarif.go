package check

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html),
// the subset GitHub code scanning reads.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifMessage `json:"shortDescription"`
	Help             sarifHelp    `json:"help"`
	HelpURI          string       `json:"helpUri"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
	// PartialFingerprints let code scanning follow a result across runs
	// when lines move: a hash of what the finding is about, not where.
	PartialFingerprints map[string]string `json:"partialFingerprints"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// helpURI is GitHub's page on package access for workflows, which every
// rule's fix refers to.
const helpURI = "https://docs.github.com/en/packages/learn-github-packages/configuring-a-packages-access-control-and-visibility"

func writeSARIF(w io.Writer, rep Report) error {
	fixes := map[string]string{}
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "fakeghcr check", Version: toolVersion(), InformationURI: "https://github.com/fakeghcr/fakeghcr"}}, Results: []sarifResult{}}
	for _, f := range rep.Findings {
		level := ""
		switch f.Outcome {
		case Deny:
			level = "error"
		case Unknown:
			level = "warning"
		default:
			continue
		}
		id := ruleID(f.Reason, f.Outcome, f.Stage)
		if _, ok := fixes[id]; !ok || fixes[id] == "" {
			fixes[id] = f.Fix
		}
		fp := sha256.Sum256([]byte(strings.Join([]string{f.File, f.Job, f.Step, f.Event, f.Action, f.Image, string(f.Reason), f.Outcome}, "\x00")))
		run.Results = append(run.Results, sarifResult{RuleID: id, Level: level, Message: sarifMessage{Text: f.Action + " " + f.Image + " (" + f.Event + "): " + summary(f)},
			Locations:           []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: f.File}, Region: sarifRegion{StartLine: max(f.Line, 1)}}}},
			PartialFingerprints: map[string]string{"fakeghcrFinding/v1": hex.EncodeToString(fp[:16])}})
	}
	ids := make([]string, 0, len(fixes))
	for id := range fixes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	run.Tool.Driver.Rules = []sarifRule{}
	for _, id := range ids {
		help := ruleText(id) + "."
		if fixes[id] != "" {
			help += " Fix (for the first result of this rule): " + fixes[id]
		}
		help += " See " + helpURI
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{ID: id, ShortDescription: sarifMessage{Text: ruleText(id)},
			Help: sarifHelp{Text: help, Markdown: help}, HelpURI: helpURI})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}

// toolVersion is fakeghcr's module version, or its VCS revision for a
// build from a checkout.
func toolVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "devel+" + s.Value[:12]
		}
	}
	return "devel"
}

func ruleID(r authz.Reason, outcome, stage string) string {
	switch {
	case r != "":
		return "ghcr/" + string(r)
	case stage != "":
		return "ghcr/client-" + stage
	}
	return "ghcr/" + outcome
}

func ruleText(id string) string {
	switch id {
	case "ghcr/unknown":
		return "GHCR's answer depends on state the world does not describe"
	case "ghcr/client-reference":
		return "the client refuses the image name before asking GHCR"
	case "ghcr/client-login":
		return "the login fails before GHCR is asked"
	}
	return "GitHub Container Registry refuses this request (" + id[len("ghcr/"):] + ")"
}
