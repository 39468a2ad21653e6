package check

import (
	"encoding/json"
	"io"
	"sort"

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
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifMessage `json:"shortDescription"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
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

func writeSARIF(w io.Writer, rep Report) error {
	rules := map[string]bool{}
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "fakeghcr check", InformationURI: "https://github.com/fakeghcr/fakeghcr"}}, Results: []sarifResult{}}
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
		rules[id] = true
		run.Results = append(run.Results, sarifResult{RuleID: id, Level: level, Message: sarifMessage{Text: f.Action + " " + f.Image + " (" + f.Event + "): " + summary(f)},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: f.File}, Region: sarifRegion{StartLine: max(f.Line, 1)}}}}})
	}
	ids := make([]string, 0, len(rules))
	for id := range rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	run.Tool.Driver.Rules = []sarifRule{}
	for _, id := range ids {
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{ID: id, ShortDescription: sarifMessage{Text: ruleText(id)}})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
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
