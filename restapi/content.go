package restapi

import (
	"time"

	"github.com/fakeghcr/fakeghcr/authz"
)

// Content is the registry's stored content as the REST API needs it.
// Repository names are full and lower case ("acme/web/api").
type Content interface {
	// Manifests lists the manifests stored in repo, each with the tags that
	// point at it (none for an index's children pushed by digest). A
	// repository with no content has none.
	Manifests(repo string) []Manifest
	// RemoveManifest deletes manifest digest and every tag pointing at it
	// from repo, and returns what RestoreManifest needs to put them back.
	RemoveManifest(repo, digest string) (Removed, error)
	// RestoreManifest puts a removed manifest back with those of its tags
	// that no other manifest has taken since, and returns the tags restored.
	RestoreManifest(repo string, r Removed) ([]string, error)
}

// Manifest is one stored manifest: a package version.
type Manifest struct {
	Digest string
	Tags   []string
}

// Removed is a manifest taken out of the registry by a version or package
// deletion. Data is the Content implementation's own (the manifest bytes);
// the REST API only keeps it.
type Removed struct {
	Digest string
	Tags   []string
	Data   any
}

// Worlds is the server's GitHub state: the REST API reads it to decide and
// changes it to delete or restore a whole package.
type Worlds interface {
	// World returns the current world; the caller does not modify it.
	World() authz.World
	// UpdateWorld applies change to a copy of the current world and, if
	// change returns nil, makes the copy current, atomically.
	UpdateWorld(change func(*authz.World) error) error
}

// Decision is one REST authorization decision, for the server's decision
// log (GET /_fakeghcr/decisions, fakeghcr explain) and its log.
// Its texts (Method, Path, Package) are slices of the request, which they
// keep alive: a consumer that keeps a Decision clips and copies them first,
// as the registry's decision log does.
type Decision struct {
	Time        time.Time
	Method      string
	Path        string
	Package     string // full name, owner/…; empty for an owner's listing
	Action      authz.Action
	Principal   string
	Allowed     bool
	Reason      authz.Reason
	Status      int
	Message     string
	Explanation string
	Fix         string
}
