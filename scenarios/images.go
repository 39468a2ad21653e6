package scenarios

import (
	"fmt"
	"regexp"
	"slices"
	"sync"
)

// Compiled on first use: a run that never needs them does not pay for
// them at start-up.
var (
	platformRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$`) })
	mediaTypeRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$`)
	})
)

// images checks and records a package's preloaded multi-arch indexes and artifacts; tags are
// its plain tags, already checked.
func (b *builder) images(p, pkg string, pk filePackage, tags []string) {
	all := slices.Clone(tags)
	for j, ix := range pk.Indexes {
		f := fmt.Sprintf("%s.indexes[%d]", p, j)
		switch {
		case !validTag(ix.Tag):
			b.errorf(f+".tag", "invalid tag %q (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')", ix.Tag)
			continue
		case slices.Contains(all, ix.Tag):
			b.errorf(f+".tag", "duplicate tag %q", ix.Tag)
			continue
		case len(ix.Platforms) == 0:
			b.errorf(f+".platforms", "required: one or more platforms such as linux/amd64")
			continue
		}
		ok := true
		for k, pl := range ix.Platforms {
			if !platformRE().MatchString(pl) || slices.Contains(ix.Platforms[:k], pl) {
				b.errorf(fmt.Sprintf("%s.platforms[%d]", f, k), "invalid or duplicate platform %q (want os/arch or os/arch/variant, e.g. linux/arm64/v8)", pl)
				ok = false
			}
		}
		if ok {
			all = append(all, ix.Tag)
			if b.s.Indexes == nil {
				b.s.Indexes = map[string][]Index{}
			}
			b.s.Indexes[pkg] = append(b.s.Indexes[pkg], Index{Tag: ix.Tag, Platforms: slices.Clone(ix.Platforms)})
		}
	}
	for j, a := range pk.Artifacts {
		f := fmt.Sprintf("%s.artifacts[%d]", p, j)
		switch {
		case !slices.Contains(all, a.Subject):
			b.errorf(f+".subject", "%q is not one of the package's tags or indexes", a.Subject)
		case !mediaTypeRE().MatchString(a.ArtifactType):
			b.errorf(f+".artifact_type", "invalid media type %q (e.g. application/vnd.cyclonedx+json)", a.ArtifactType)
		default:
			if b.s.Artifacts == nil {
				b.s.Artifacts = map[string][]Artifact{}
			}
			b.s.Artifacts[pkg] = append(b.s.Artifacts[pkg], Artifact{Subject: a.Subject, ArtifactType: a.ArtifactType})
		}
	}
}
