package check

import (
	"hash/maphash"
	"slices"
)

// maxAlsoAt bounds the lines listed for one grouped finding.
const maxAlsoAt = 50

// groupRepeated folds findings that differ only in their line into the
// first, listing the other lines (at most maxAlsoAt of them). It works in
// place: fs's array holds the result.
func groupRepeated(fs []Finding) []Finding {
	out := fs[:0]
	index := newFindingIndex()
	same := func(a, b *Finding) bool { return sameSaying(a, b, false) }
	for _, f := range fs {
		if i, ok := index.find(&f, func(i int) *Finding { return &out[i] }, same); ok {
			if len(out[i].AlsoAt) < maxAlsoAt && f.Line != out[i].Line && !slices.Contains(out[i].AlsoAt, f.Line) {
				out[i].AlsoAt = append(out[i].AlsoAt, f.Line)
			}
			continue
		}
		index.add(&f, len(out))
		out = append(out, f)
	}
	return out
}

// sameSaying reports whether a and b say the same thing: every field but
// Line and AlsoAt, and but Event when anyEvent. (TestSameSayingFields
// holds it to every field of Finding.)
func sameSaying(a, b *Finding, anyEvent bool) bool {
	return a.File == b.File && a.Job == b.Job && a.Via == b.Via && a.Step == b.Step &&
		(anyEvent || a.Event == b.Event) && a.Action == b.Action && a.Image == b.Image &&
		slices.Equal(a.Tags, b.Tags) && a.Client == b.Client && a.Tool == b.Tool &&
		a.Credential == b.Credential && a.Outcome == b.Outcome && a.Status == b.Status &&
		a.Code == b.Code && a.Message == b.Message && a.Stage == b.Stage && a.Prints == b.Prints &&
		a.Reason == b.Reason && a.Explanation == b.Explanation && a.Fix == b.Fix &&
		slices.Equal(a.Assumptions, b.Assumptions) && slices.Equal(a.States, b.States)
}

// findingIndex finds a finding seen before: a hash of a few fields picks
// the candidates (no key is built), the caller's equality decides.
type findingIndex struct {
	seed    maphash.Seed
	buckets map[uint64][]int
}

func newFindingIndex() *findingIndex {
	return &findingIndex{seed: maphash.MakeSeed(), buckets: map[uint64][]int{}}
}

// hash covers fields every equality here compares (not Event, not the
// lines): equal findings hash alike.
func (x *findingIndex) hash(f *Finding) uint64 {
	h := maphash.String(x.seed, f.File)
	for _, s := range [...]string{f.Job, f.Via, f.Step, f.Action, f.Image, f.Outcome, f.Explanation} {
		h = h*0x100000001b3 ^ maphash.String(x.seed, s)
	}
	return h ^ uint64(f.Status)
}

// find returns the index i, among those added, whose finding at(i) is
// the same as f.
func (x *findingIndex) find(f *Finding, at func(int) *Finding, same func(a, b *Finding) bool) (int, bool) {
	for _, i := range x.buckets[x.hash(f)] {
		if same(at(i), f) {
			return i, true
		}
	}
	return 0, false
}

// add records that f is at index i.
func (x *findingIndex) add(f *Finding, i int) {
	h := x.hash(f)
	x.buckets[h] = append(x.buckets[h], i)
}
