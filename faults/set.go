package faults

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Request is what a rule matches: the method, the URL path and, for /v2/
// requests, the repository.
type Request struct {
	Method     string
	Path       string
	Repository string
	// Body is how many bytes of the body are known to arrive, as far as a
	// reset rule's cut needs to know (Set.Cut); a reset rule selects only
	// requests whose body reaches its cut.
	Body int64
}

// RequestOf parses a URL path: the repository of a /v2/<name>/manifests/,
// /blobs/, /tags/ or /referrers/ path (names contain '/', so the last
// keyword wins), empty for any other path.
func RequestOf(method, urlPath string) Request {
	req := Request{Method: method, Path: urlPath}
	rest, ok := strings.CutPrefix(urlPath, "/v2/")
	if !ok {
		return req
	}
	cut := -1
	for _, kw := range []string{"/manifests/", "/blobs/", "/tags/", "/referrers/"} {
		if i := strings.LastIndex(rest, kw); i > cut {
			cut = i
		}
	}
	if cut > 0 {
		req.Repository = rest[:cut]
	}
	return req
}

// matches reports whether r's filters select req (not whether it fires).
func (r Rule) matches(req Request) bool {
	switch {
	case r.Method != "" && r.Method != req.Method:
		return false
	case r.Path != "" && !Glob(r.Path, req.Path):
		return false
	case r.Repository != "" && (req.Repository == "" || !Glob(r.Repository, req.Repository)):
		return false
	}
	return true
}

// Status is a rule with its counters, as listed.
type Status struct {
	Rule
	// Matched counts requests the rule selected; Fired those it failed.
	Matched int `json:"matched"`
	Fired   int `json:"fired"`
}

type ruleState struct {
	Status
	rng *rand.Rand
}

// Set is the server's list of rules, safe for concurrent use. Rules are
// tried in the order added; the first that fires on a request applies.
type Set struct {
	mu    sync.Mutex
	rules []*ruleState
	next  int
	// n mirrors len(rules), so requests skip the lock when there are none.
	n atomic.Int32
}

// Add validates r, gives it an ID if it has none, and appends it.
func (s *Set) Add(r Rule) (Rule, error) {
	if err := r.Validate(); err != nil {
		return Rule{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.ID == "" {
		s.next++
		r.ID = "f" + strconv.Itoa(s.next)
	}
	for _, have := range s.rules {
		if have.ID == r.ID {
			return Rule{}, fmt.Errorf("%w: id %q is taken", ErrInvalid, r.ID)
		}
	}
	st := &ruleState{Status: Status{Rule: r}}
	if r.Probability > 0 {
		st.rng = rand.New(rand.NewPCG(uint64(r.Seed), uint64(r.Seed)^0x9e3779b97f4a7c15))
	}
	s.rules = append(s.rules, st)
	s.n.Store(int32(len(s.rules)))
	return r, nil
}

// List returns the rules with their counters, in order.
func (s *Set) List() []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Status, len(s.rules))
	for i, r := range s.rules {
		out[i] = r.Status
	}
	return out
}

// Remove deletes the rule with id and reports whether there was one.
func (s *Set) Remove(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.rules)
	s.rules = slices.DeleteFunc(s.rules, func(r *ruleState) bool { return r.ID == id })
	s.n.Store(int32(len(s.rules)))
	return len(s.rules) < n
}

// Clear removes every rule.
func (s *Set) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = nil
	s.n.Store(0)
}

// empty reports, without the lock, whether there are no rules.
func (s *Set) empty() bool { return s.n.Load() == 0 }

// Fire decides whether a non-lag rule fails req, counting it, and returns
// the first rule that does.
func (s *Set) Fire(req Request) (Rule, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rules {
		if r.Lag != 0 || !r.matches(req) || r.ResetAfter > req.Body {
			continue
		}
		r.Matched++
		if r.fires() {
			r.Fired++
			return r.Rule, true
		}
	}
	return Rule{}, false
}

// fires applies the rule's trigger to its r.Matched-th request.
func (r *ruleState) fires() bool {
	switch {
	case r.Times > 0:
		return r.Fired < r.Times
	case r.Every > 0:
		return r.Matched%r.Every == 0
	case r.Probability > 0:
		return r.rng.Float64() < r.Probability
	}
	return true
}

// Cut returns the longest cut of the reset rules that select req (0 if
// none): how much of the body must be read before Fire can decide.
func (s *Set) Cut(req Request) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, r := range s.rules {
		if r.ResetAfter > n && r.Lag == 0 && r.matches(req) {
			n = r.ResetAfter
		}
	}
	return n
}

// lagFor returns the lag rule that selects req, counting the match.
func (s *Set) lagFor(req Request) (*ruleState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rules {
		if r.Lag != 0 && r.matches(req) {
			return r, true
		}
	}
	return nil, false
}

// countLag records that lag rule id hid a manifest.
func (s *Set) countLag(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rules {
		if r.ID == id {
			r.Matched++
			r.Fired++
		}
	}
}

// hasLag reports whether any lag rule exists, so pushes need watching.
func (s *Set) hasLag() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rules {
		if r.Lag != 0 {
			return true
		}
	}
	return false
}
