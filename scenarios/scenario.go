// Package scenarios is fakeghcr's data: the scenario file format (a GitHub
// world, the credentials clients present, and what GHCR answers them), its
// loading and validation, and a built-in library of the failures users meet
// on ghcr.io, embedded in the binary.
//
// A scenario file is YAML (see FORMAT.md beside this file). Parse decodes it
// strictly: an unknown field, a bad value or a dangling reference is a
// *FileError naming the file, line, column and field. Every function returns
// fresh values; nothing is shared between callers.
//
// Where it knowingly differs from GitHub: users exist only when declared as
// owners of type user; logins and repository names are stored lower-case
// (GitHub matches them case-insensitively but keeps their spelling); and a
// world is a snapshot, with no history of how a package came to be in its
// state (a scenario's description tells that story instead).
package scenarios

import (
	"fmt"
	"slices"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/faults"
)

// Scenario is one GitHub world with the answers GHCR gives in it.
type Scenario struct {
	Name, Description, Fix string
	// World is the state authz decides on; its maps are keyed lower-case
	// and never nil.
	World authz.World
	// Tags maps a package name to the tags to preload, each with a small
	// image. Never nil; only packages with tags have an entry.
	Tags map[string][]string
	// Indexes maps a package name to multi-arch tags to preload: each an
	// OCI index of one small image per platform. Nil when there are none.
	Indexes map[string][]Index
	// Artifacts maps a package name to OCI 1.1 artifacts to preload, each
	// with a subject, found as clients find them on GHCR (which has no
	// referrers API): through the index tagged sha256-<subject hex>.
	// Nil when there are none.
	Artifacts map[string][]Artifact
	Settings  Settings
	Expect    []Expect
	// Faults are failures the server injects from the start (faults.go).
	Faults []faults.Rule
	// Unknowns are the fields the file marks `unknown` (unknown.go); the
	// world holds their zero values. Nil when there are none.
	Unknowns []Unknown
	// Warnings are things a valid file probably did not mean (an empty
	// file), for the caller to print. Parse sets them; Marshal ignores them.
	Warnings []string
}

// Index is a multi-arch tag: an OCI index of one image per platform
// ("os/arch" or "os/arch/variant").
type Index struct {
	Tag       string
	Platforms []string
}

// Artifact is an OCI 1.1 artifact (a manifest with artifactType) whose
// subject is the manifest at the tag Subject (a tag or an index's tag).
type Artifact struct {
	Subject, ArtifactType string
}

// Settings are world switches for behaviour the research marks INFERRED or
// conflicting.
type Settings struct {
	// AnonymousPrivateTokenStatus is the status of an anonymous /token
	// request for an existing non-public package: 401 (three reports, the
	// default) or 403 (the cloudsforge fixture).
	AnonymousPrivateTokenStatus int
}

// Expect is one request and GHCR's answer to it, played in order by
// `fakeghcr scenario verify`.
type Expect struct {
	Name string
	// Credential names one of the scenario's credentials; empty is anonymous.
	Credential string
	// Action is ActionPush, ActionPull or ActionLogin.
	Action string
	// Package and Tag are the image pushed or pulled; empty for a login.
	Package, Tag string
	// Status, Code and Message are those of the first refused request (the
	// /token request, the blob upload POST or the manifest GET), or the
	// success status (201 for a push, 200 for a pull or a login) with no
	// code or message.
	Status        int
	Code, Message string
	// Reason, when set, is the rule fakeghcr must report.
	Reason authz.Reason
}

// Expect actions.
const (
	// ActionPush uploads a blob and PUTs the manifest of a small image.
	ActionPush = "push"
	// ActionPull GETs a manifest.
	ActionPull = "pull"
	// ActionLogin is docker login: GET /v2/, then /token without a scope.
	ActionLogin = "login"
)

// DefaultTag is the tag an Expect uses when it names none.
const DefaultTag = "latest"

// DefaultAnonymousPrivateTokenStatus is Settings.AnonymousPrivateTokenStatus
// when a file does not set it.
const DefaultAnonymousPrivateTokenStatus = 401

// Credential returns the credential called name.
func (s *Scenario) Credential(name string) (authz.Credential, bool) {
	for _, c := range s.World.Credentials {
		if c.Name == name {
			return cloneCredential(c), true
		}
	}
	return authz.Credential{}, false
}

// FileError is an invalid scenario file: where, which field, and why.
type FileError struct {
	File         string
	Line, Column int
	// Field is the path of the offending field, e.g.
	// "packages[1].actions_access[0].role"; empty for YAML syntax errors.
	Field string
	Err   error
}

func (e *FileError) Error() string {
	pos := e.File
	if e.Line > 0 {
		pos = fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)
	}
	if e.Field == "" {
		return fmt.Sprintf("%s: %v", pos, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", pos, e.Field, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

func cloneCredential(c authz.Credential) authz.Credential {
	c.Scopes = slices.Clone(c.Scopes)
	return c
}
