package restapi

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fakeghcr/fakeghcr/authz"
)

// First ids handed out. GitHub's ids are opaque integers; these only keep
// package and version ids apart so a test cannot mix them up by accident.
const (
	firstPackageID = 1000
	firstVersionID = 100000
)

// RestoreWindow is how long a deleted package or version can be restored:
// "You can restore a deleted package or version if … The package was
// deleted within the last 30 days"
// (https://docs.github.com/packages/learn-github-packages/deleting-and-restoring-a-package).
const RestoreWindow = 30 * 24 * time.Hour

// ledger is what GitHub keeps about packages and versions that the
// registry's content does not: ids, times, download counts, and what was
// deleted (for ?state=deleted and restores).
type ledger struct {
	// start is when the server started: content it finds without having
	// seen it pushed (loaded from a scenario) was created then.
	start       time.Time
	mu          sync.Mutex
	nextPackage int64
	nextVersion int64
	packages    map[string]*pkgEntry // current packages' records, by full name
	deleted     map[string]*pkgEntry // the latest deleted package of each name
	byID        map[int64]*version
}

type pkgEntry struct {
	id       int64
	name     string // full name
	created  time.Time
	versions map[string]*version // by digest
	// set while the package is deleted
	deletedAt time.Time
	settings  authz.Package
	removed   []Removed
}

type version struct {
	id        int64
	pkg       *pkgEntry
	digest    string
	created   time.Time
	updated   time.Time
	downloads int64
	deletedAt time.Time // zero while active
	removed   *Removed  // what RestoreManifest needs, while deleted
}

func newLedger(start time.Time) *ledger {
	return &ledger{
		start:       start,
		nextPackage: firstPackageID, nextVersion: firstVersionID,
		packages: map[string]*pkgEntry{}, deleted: map[string]*pkgEntry{}, byID: map[int64]*version{},
	}
}

// entry returns the record of current package name, creating it. l.mu held.
//
// The ledger keeps copies of names and digests: those it is given may be
// substrings of a request line, which they would keep alive until restart.
func (l *ledger) entry(name string, now time.Time) *pkgEntry {
	p := l.packages[name]
	if p == nil {
		name = strings.Clone(name)
		p = &pkgEntry{id: l.nextPackage, name: name, created: now, versions: map[string]*version{}}
		l.nextPackage++
		l.packages[name] = p
	}
	return p
}

// versionOf returns p's record of digest, creating it. l.mu held.
func (l *ledger) versionOf(p *pkgEntry, digest string, now time.Time) *version {
	v := p.versions[digest]
	if v == nil {
		digest = strings.Clone(digest) // see entry
		v = &version{id: l.nextVersion, pkg: p, digest: digest, created: now, updated: now}
		l.nextVersion++
		p.versions[digest] = v
		l.byID[v.id] = v
	}
	return v
}

// observePush records that a manifest was stored in repo at now: a new
// version gets its id and created time, a known one (a tag moved onto it)
// its updated time; a version deleted earlier and pushed again is active
// again (INFERRED: GitHub keeps one version per digest).
func (l *ledger) observePush(repo, digest string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v := l.versionOf(l.entry(repo, now), digest, now)
	v.updated = now
	v.deletedAt, v.removed = time.Time{}, nil
}

// observePull counts one download of a version.
func (l *ledger) observePull(repo, digest string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.versionOf(l.entry(repo, now), digest, now).downloads++
}

// setDownloads sets a version's download count.
func (l *ledger) setDownloads(repo, digest string, n int64, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.versionOf(l.entry(repo, now), digest, now).downloads = n
}

// versionView is a version as listed: a copy, safe to use unlocked.
type versionView struct {
	ID        int64
	Digest    string
	Tags      []string
	Created   time.Time
	Updated   time.Time
	Deleted   time.Time
	Downloads int64
}

func (v *version) view(tags []string) versionView {
	return versionView{ID: v.id, Digest: v.digest, Tags: tags, Created: v.created, Updated: v.updated, Deleted: v.deletedAt, Downloads: v.downloads}
}

// active joins repo's stored manifests with their records, newest first
// (INFERRED order: GitHub lists the newest version first, as the listings
// in public reports show), and returns the package's id and times.
func (l *ledger) active(repo string, manifests []Manifest) (pkgView, []versionView) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.entry(repo, l.start)
	// Content the server did not see pushed (loaded at start) was created
	// at start, and gets ids in digest order.
	sorted := slices.Clone(manifests)
	slices.SortFunc(sorted, func(a, b Manifest) int { return strings.Compare(a.Digest, b.Digest) })
	out := make([]versionView, 0, len(sorted))
	for _, m := range sorted {
		v := l.versionOf(p, m.Digest, l.start)
		v.deletedAt, v.removed = time.Time{}, nil
		tags := slices.Clone(m.Tags)
		slices.Sort(tags)
		if tags == nil {
			tags = []string{}
		}
		out = append(out, v.view(tags))
	}
	sortNewestFirst(out)
	pv := pkgView{ID: p.id, Created: p.created, Updated: p.created}
	for _, v := range out {
		if v.Updated.After(pv.Updated) {
			pv.Updated = v.Updated
		}
	}
	return pv, out
}

// deletedVersions lists the deleted versions of current package repo still
// within the restore window, newest deletion first.
func (l *ledger) deletedVersions(repo string, now time.Time) []versionView {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.packages[repo]
	if p == nil {
		return []versionView{}
	}
	out := []versionView{}
	for _, v := range p.versions {
		if !v.deletedAt.IsZero() && now.Sub(v.deletedAt) <= RestoreWindow {
			out = append(out, v.view(slices.Clone(v.removed.Tags)))
		}
	}
	slices.SortFunc(out, func(a, b versionView) int {
		if c := b.Deleted.Compare(a.Deleted); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	return out
}

func sortNewestFirst(vs []versionView) {
	slices.SortFunc(vs, func(a, b versionView) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
}

// pkgView is a package's record as listed.
type pkgView struct {
	ID      int64
	Created time.Time
	Updated time.Time
}

// lookupVersion finds version id of current package repo.
func (l *ledger) lookupVersion(repo string, id int64) (*version, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.byID[id]
	if !ok || v.pkg != l.packages[repo] {
		return nil, false
	}
	return v, true
}

// markDeleted records a version's deletion.
func (l *ledger) markDeleted(v *version, r Removed, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v.deletedAt, v.removed = now, &r
}

// deletedState returns a deleted version's removal and time, if deleted.
func (l *ledger) deletedState(v *version) (Removed, time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if v.deletedAt.IsZero() || v.removed == nil {
		return Removed{}, time.Time{}, false
	}
	return *v.removed, v.deletedAt, true
}

// markRestored records a version's restore.
func (l *ledger) markRestored(v *version, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v.deletedAt, v.removed, v.updated = time.Time{}, nil, now
}

// packageDeleted moves package repo's record to the deleted ones, with the
// settings and content needed to restore it. A later push of the same name
// starts a new package with a new id.
func (l *ledger) packageDeleted(repo string, settings authz.Package, removed []Removed, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.entry(repo, now)
	p.deletedAt, p.settings, p.removed = now, settings, removed
	delete(l.packages, repo)
	l.deleted[p.name] = p // the ledger's copy of the name (see entry)
}

// deletedPackage returns the latest deleted package named repo.
func (l *ledger) deletedPackage(repo string) (authz.Package, []Removed, time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.deleted[repo]
	if p == nil {
		return authz.Package{}, nil, time.Time{}, false
	}
	return p.settings, slices.Clone(p.removed), p.deletedAt, true
}

// packageRestored makes the deleted package repo current again, replacing
// any record a later push made for the same name.
func (l *ledger) packageRestored(repo string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.deleted[repo]
	if p == nil {
		return
	}
	if q := l.packages[repo]; q != nil {
		for id, v := range l.byID {
			if v.pkg == q {
				delete(l.byID, id)
			}
		}
	}
	p.deletedAt, p.removed = time.Time{}, nil
	delete(l.deleted, repo)
	l.packages[p.name] = p
}
