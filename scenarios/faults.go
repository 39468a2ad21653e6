package scenarios

import (
	"fmt"
	"time"

	"github.com/fakeghcr/fakeghcr/faults"
)

// fileFault is one entry of a scenario file's faults: list, the flags of
// `fakeghcr fault add` as keys.
type fileFault struct {
	ID          string  `yaml:"id"`
	Status      int     `yaml:"status"`
	Method      string  `yaml:"method"`
	Path        string  `yaml:"path"`
	Repository  string  `yaml:"repository"`
	Times       int     `yaml:"times"`
	Every       int     `yaml:"every"`
	Probability float64 `yaml:"probability"`
	Seed        int64   `yaml:"seed"`
	Delay       string  `yaml:"delay"`
	Lag         string  `yaml:"lag"`
	ResetAfter  string  `yaml:"reset_after"`
	RetryAfter  string  `yaml:"retry_after"`
	Allowed     string  `yaml:"allowed"`
}

// faults builds and validates the scenario's fault rules.
func (b *builder) faults(list []fileFault) {
	ids := map[string]bool{}
	for i, f := range list {
		field := fmt.Sprintf("faults[%d]", i)
		r := faults.Rule{ID: f.ID, Status: f.Status, Method: f.Method, Path: f.Path, Repository: f.Repository,
			Times: f.Times, Every: f.Every, Probability: f.Probability, Seed: f.Seed, Allowed: f.Allowed}
		ok := true
		for _, d := range []struct {
			key string
			src string
			dst *faults.Duration
		}{{"delay", f.Delay, &r.Delay}, {"lag", f.Lag, &r.Lag}, {"retry_after", f.RetryAfter, &r.RetryAfter}} {
			if d.src == "" {
				continue
			}
			v, err := time.ParseDuration(d.src)
			if err != nil {
				b.errorf(field+"."+d.key, "%q: want a duration such as 2s or 150ms", d.src)
				ok = false
				continue
			}
			*d.dst = faults.Duration(v)
		}
		if f.ResetAfter != "" {
			n, err := faults.ParseSize(f.ResetAfter)
			if err != nil {
				b.errorf(field+".reset_after", "%q: want a size such as 512, 64KiB or 1MiB", f.ResetAfter)
				ok = false
			}
			r.ResetAfter = n
		}
		if !ok {
			continue
		}
		if err := r.Validate(); err != nil {
			b.errorf(field, "%v", err)
			continue
		}
		if r.ID != "" {
			if ids[r.ID] {
				b.errorf(field+".id", "%q is already the id of another fault", r.ID)
				continue
			}
			ids[r.ID] = true
		}
		b.s.Faults = append(b.s.Faults, r)
	}
}
