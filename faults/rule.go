// Package faults injects the failures registries give under load into
// fakeghcr's answers, so clients' retry logic can be tested: GHCR's 429
// TOOMANYREQUESTS ("retry-after: 1.16676ms, allowed: 44000/minute",
// falcosecurity/plugins#1069), 5xx answers, slow answers, uploads cut
// mid-body, and read-after-write lag (a manifest just pushed answers 404 for
// a moment: Helm 3.19 prints `failed to perform "Tag" on destination`,
// NVIDIA/k8s-test-infra#390).
//
// Rules and their matching are pure; Middleware applies them to HTTP
// requests. A fault never changes stored data: it answers before the
// registry sees the request, or hides a manifest from reads for a while.
//
// Where it knowingly differs from GHCR: GHCR's 5xx bodies are not captured
// (the registry's own JSON error format is used, INFERRED), and GHCR's 429 is
// not known to carry a Retry-After header, so none is sent.
package faults

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
)

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("invalid fault")

// Rule is one injected failure: which requests it matches, when it fires,
// and what it does. The zero value of each field matches everything or does
// nothing.
type Rule struct {
	// ID names the rule; Set.Add assigns one when empty.
	ID string `json:"id,omitempty" yaml:"id,omitempty"`

	// Method matches the request method (GET, PUT, ...); empty matches any.
	Method string `json:"method,omitempty" yaml:"method,omitempty"`
	// Path is a glob over the URL path where '*' matches any run of
	// characters, '/' included ("/v2/*/manifests/*"); empty matches any.
	Path string `json:"path,omitempty" yaml:"path,omitempty"`
	// Repository is a glob, as Path, over the repository a /v2/ request
	// names ("acme/*"); a rule with a Repository matches only /v2/ requests.
	Repository string `json:"repository,omitempty" yaml:"repository,omitempty"`

	// When it fires among the requests it matches: the first Times, every
	// Every-th, or each with Probability (drawn from a generator seeded
	// with Seed, so runs repeat). None of them: every matching request.
	Times       int     `json:"times,omitempty" yaml:"times,omitempty"`
	Every       int     `json:"every,omitempty" yaml:"every,omitempty"`
	Probability float64 `json:"probability,omitempty" yaml:"probability,omitempty"`
	Seed        int64   `json:"seed,omitempty" yaml:"seed,omitempty"`

	// What it does. Status answers with that status and GHCR's body for
	// it. Delay waits first (alone, it only slows the request down).
	// ResetAfter reads that many bytes of the request body, then cuts the
	// connection. Lag makes a manifest stored by a matching PUT answer 404
	// MANIFEST_UNKNOWN to GET and HEAD for that long.
	Status     int      `json:"status,omitempty" yaml:"status,omitempty"`
	Delay      Duration `json:"delay,omitempty" yaml:"delay,omitempty"`
	ResetAfter int64    `json:"reset_after,omitempty" yaml:"reset_after,omitempty"`
	Lag        Duration `json:"lag,omitempty" yaml:"lag,omitempty"`

	// RetryAfter is the wait a 429's message names (default 1.16676ms, as
	// in the falcosecurity/plugins#1069 report); Allowed its quota (default
	// GHCR's 44000/minute).
	RetryAfter Duration `json:"retry_after,omitempty" yaml:"retry_after,omitempty"`
	Allowed    string   `json:"allowed,omitempty" yaml:"allowed,omitempty"`
}

// Statuses a rule may answer with: GHCR's rate limit and the server
// errors clients retry.
var Statuses = []int{429, 500, 502, 503, 504}

// Defaults of a 429's message.
const (
	DefaultRetryAfter = Duration(1166760 * time.Nanosecond)
	DefaultAllowed    = "44000/minute"
)

// Validate reports a rule that cannot work, naming the field.
func (r Rule) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	effects := 0
	if r.Status != 0 {
		effects++
		ok := false
		for _, s := range Statuses {
			ok = ok || s == r.Status
		}
		if !ok {
			return bad("status %d: must be one of %v", r.Status, Statuses)
		}
	}
	if r.Lag != 0 {
		effects++
	}
	if r.ResetAfter != 0 {
		effects++
	}
	switch {
	case effects > 1:
		return bad("status, lag and reset_after exclude each other")
	case effects == 0 && r.Delay == 0:
		return bad("a fault needs an effect: status, delay, lag or reset_after")
	case r.Delay < 0 || r.Lag < 0 || r.ResetAfter < 0 || r.RetryAfter < 0:
		return bad("delay, lag, reset_after and retry_after cannot be negative")
	case r.Delay > Duration(10*time.Minute) || r.Lag > Duration(10*time.Minute):
		return bad("delay and lag are limited to 10m")
	}
	triggers := 0
	for _, set := range []bool{r.Times != 0, r.Every != 0, r.Probability != 0} {
		if set {
			triggers++
		}
	}
	switch {
	case triggers > 1:
		return bad("times, every and probability exclude each other")
	case r.Times < 0 || r.Every < 0:
		return bad("times and every cannot be negative")
	case r.Probability < 0 || r.Probability > 1:
		return bad("probability %v must be between 0 and 1", r.Probability)
	case r.Lag != 0 && triggers > 0:
		return bad("lag applies to every read of a fresh manifest; times, every and probability do not apply")
	}
	if r.Method != "" && strings.ToUpper(r.Method) != r.Method {
		return bad("method %q must be upper case", r.Method)
	}
	for name, g := range map[string]string{"path": r.Path, "repository": r.Repository} {
		if g != "" {
			if _, err := path.Match(strings.ReplaceAll(g, "*", "x"), ""); err != nil {
				return bad("%s %q: %v", name, g, err)
			}
		}
	}
	if r.Path != "" && !strings.HasPrefix(r.Path, "/") {
		return bad("path %q must start with /", r.Path)
	}
	if r.Allowed != "" && strings.ContainsAny(r.Allowed, "\"\\\n") {
		return bad("allowed %q has quotes or newlines", r.Allowed)
	}
	return nil
}

// Glob matches pattern against s where '*' matches any run of characters,
// '/' included, and every other character matches itself. It runs in
// O(len(pattern)*len(s)) at worst.
func Glob(pattern, s string) bool {
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p, mark = star+1, mark+1
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// Duration is a time.Duration written as "2s" in JSON and YAML.
type Duration time.Duration

// String is time.Duration's.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes d as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads "2s", "150ms", or a number of nanoseconds.
func (d *Duration) UnmarshalText(b []byte) error {
	s := string(b)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%w: duration %q: %v", ErrInvalid, s, err)
	}
	*d = Duration(v)
	return nil
}

// ParseSize reads a byte count: 512, 64KiB, 1MiB, 2MB, 1GiB.
func ParseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"B", 1}}
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range units {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%w: size %q: want a number of bytes such as 512, 64KiB or 1MiB", ErrInvalid, s)
	}
	return n * mult, nil
}

// Describe says in one line what r does to which requests.
func (r Rule) Describe() string {
	var what string
	switch {
	case r.Status != 0:
		what = fmt.Sprintf("answer %d", r.Status)
		if r.Delay != 0 {
			what = fmt.Sprintf("wait %s, then answer %d", r.Delay, r.Status)
		}
	case r.Lag != 0:
		what = fmt.Sprintf("hide manifests for %s after each push", r.Lag)
	case r.ResetAfter != 0:
		what = fmt.Sprintf("cut the connection after %d bytes of the body", r.ResetAfter)
	default:
		what = fmt.Sprintf("delay by %s", r.Delay)
	}
	to := "every request"
	var filters []string
	if r.Method != "" {
		filters = append(filters, r.Method)
	}
	if r.Path != "" {
		filters = append(filters, r.Path)
	}
	if r.Repository != "" {
		if len(filters) == 0 {
			filters = append(filters, "requests")
		}
		filters = append(filters, "in "+r.Repository)
	}
	if len(filters) > 0 {
		to = strings.Join(filters, " ")
	}
	switch {
	case r.Times > 0:
		to += fmt.Sprintf(", the first %d times", r.Times)
	case r.Every > 0:
		to += fmt.Sprintf(", every %d", r.Every)
		to += ordinal(r.Every)
	case r.Probability > 0:
		to += fmt.Sprintf(", with probability %g (seed %d)", r.Probability, r.Seed)
	}
	return what + " to " + to
}

func ordinal(n int) string {
	if n%100 >= 11 && n%100 <= 13 {
		return "th"
	}
	switch n % 10 {
	case 1:
		return "st"
	case 2:
		return "nd"
	case 3:
		return "rd"
	}
	return "th"
}
