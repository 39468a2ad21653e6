package check

import (
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
)

// maxAlsoAt bounds the lines listed for one grouped finding.
const maxAlsoAt = 50

// groupRepeated folds findings that differ only in their line into the
// first, listing the other lines (at most maxAlsoAt of them). It works in
// place: fs's array holds the result.
func groupRepeated(fs []Finding) []Finding {
	out := fs[:0]
	index := newSayingIndex()
	for _, f := range fs {
		said := sayings(f)
		if i, ok := index.find(said); ok {
			if len(out[i].AlsoAt) < maxAlsoAt && f.Line != out[i].Line && !slices.Contains(out[i].AlsoAt, f.Line) {
				out[i].AlsoAt = append(out[i].AlsoAt, f.Line)
			}
			continue
		}
		index.add(said, len(out))
		out = append(out, f)
	}
	return out
}

// sayings lists everything a finding says but its lines, as strings; a
// list comes after its length, so that two findings say the same exactly
// when their sayings are equal. The strings are the finding's own, not
// copies.
func sayings(f Finding) []string {
	out := make([]string, 0, 25+len(f.Tags)+len(f.Assumptions)+10*len(f.States))
	out = append(out, f.File, f.Job, f.Via, f.Step, f.Event, f.Action, f.Image, strconv.Itoa(len(f.Tags)))
	out = append(out, f.Tags...)
	out = append(out, f.Client, f.Tool, f.Credential, f.Outcome, strconv.Itoa(f.Status), f.Code, f.Message, f.Stage,
		f.Prints, string(f.Reason), f.Explanation, f.Fix, strconv.Itoa(len(f.Assumptions)))
	out = append(out, f.Assumptions...)
	for _, s := range f.States {
		out = append(out, s.State, s.Outcome, strconv.Itoa(s.Status), s.Code, s.Message, s.Stage, s.Prints, string(s.Reason), s.Explanation, s.Fix)
	}
	return out
}

// atLines is sayings with the lines in front: what byEvent groups by.
func atLines(f Finding) []string {
	return append([]string{strconv.Itoa(f.Line), fmt.Sprint(f.AlsoAt)}, sayings(f)...)
}

// sayingIndex finds a list of sayings seen before without building a
// key from them: a hash picks the candidates, equality decides.
type sayingIndex struct {
	seed    maphash.Seed
	buckets map[uint64][]int
	said    map[int][]string
}

func newSayingIndex() *sayingIndex {
	return &sayingIndex{seed: maphash.MakeSeed(), buckets: map[uint64][]int{}, said: map[int][]string{}}
}

// hash combines each saying's own hash (maphash.String reads a string in
// place; a maphash.Hash would copy it through its buffer).
func (x *sayingIndex) hash(said []string) uint64 {
	var h uint64
	for _, s := range said {
		h = h*0x100000001b3 ^ maphash.String(x.seed, s)
	}
	return h
}

// find returns the value said was added with.
func (x *sayingIndex) find(said []string) (int, bool) {
	for _, v := range x.buckets[x.hash(said)] {
		if slices.Equal(x.said[v], said) {
			return v, true
		}
	}
	return 0, false
}

// add records said with the value v (unique per said).
func (x *sayingIndex) add(said []string, v int) {
	h := x.hash(said)
	x.buckets[h] = append(x.buckets[h], v)
	x.said[v] = said
}
