package faults

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rule Rule
		ok   bool
	}{
		{"429", Rule{Status: 429}, true},
		{"503 on uploads, 3 times", Rule{Status: 503, Path: "/v2/*/blobs/uploads/*", Times: 3}, true},
		{"every second", Rule{Status: 500, Every: 2}, true},
		{"probability", Rule{Status: 502, Probability: 0.5, Seed: 7}, true},
		{"delay only", Rule{Delay: Duration(time.Second)}, true},
		{"delay then 503", Rule{Delay: Duration(time.Second), Status: 503}, true},
		{"lag", Rule{Lag: Duration(2 * time.Second), Path: "/v2/*/manifests/*"}, true},
		{"reset", Rule{ResetAfter: 1 << 20, Method: "PATCH"}, true},
		{"no effect", Rule{Path: "/v2/*"}, false},
		{"404 is not a fault", Rule{Status: 404}, false},
		{"status and lag", Rule{Status: 429, Lag: Duration(time.Second)}, false},
		{"lag with times", Rule{Lag: Duration(time.Second), Times: 2}, false},
		{"times and every", Rule{Status: 429, Times: 1, Every: 2}, false},
		{"probability above 1", Rule{Status: 429, Probability: 1.5}, false},
		{"negative times", Rule{Status: 429, Times: -1}, false},
		{"negative delay", Rule{Delay: -1}, false},
		{"delay over 10m", Rule{Delay: Duration(11 * time.Minute)}, false},
		{"lower-case method", Rule{Status: 429, Method: "get"}, false},
		{"relative path", Rule{Status: 429, Path: "v2/*"}, false},
		{"bad glob", Rule{Status: 429, Path: "/v2/[a"}, false},
		{"quote in allowed", Rule{Status: 429, Allowed: `1"`}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.rule.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
		})
	}
}

func TestGlob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"/v2/*/manifests/*", "/v2/acme/web/api/manifests/latest", true},
		{"/v2/*/manifests/*", "/v2/acme/api/blobs/sha256:1", false},
		{"acme/*", "acme/web/api", true},
		{"acme/*", "other/api", false},
		{"*", "", true},
		{"", "", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"**", "x/y", true},
	}
	for _, tt := range tests {
		if got := Glob(tt.pattern, tt.s); got != tt.want {
			t.Errorf("Glob(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestRequestOf(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"/v2/acme/api/manifests/latest":      "acme/api",
		"/v2/acme/web/api/blobs/uploads/123": "acme/web/api",
		"/v2/acme/blobs/blobs/sha256:1":      "acme/blobs",
		"/v2/acme/api/tags/list":             "acme/api",
		"/v2/acme/api/referrers/sha256:1":    "acme/api",
		"/v2/":                               "",
		"/token":                             "",
		"/api/v3/orgs/acme/packages":         "",
		"/v2/manifests/x":                    "",
	}
	for p, want := range tests {
		if got := RequestOf("GET", p).Repository; got != want {
			t.Errorf("RequestOf(%q).Repository = %q, want %q", p, got, want)
		}
	}
}

func TestDurationJSON(t *testing.T) {
	t.Parallel()
	var r Rule
	if err := json.Unmarshal([]byte(`{"status":429,"delay":"150ms","lag":"2s","retry_after":"1.5ms"}`), &r); err != nil {
		t.Fatal(err)
	}
	want := Rule{Status: 429, Delay: Duration(150 * time.Millisecond), Lag: Duration(2 * time.Second), RetryAfter: Duration(1500 * time.Microsecond)}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	out, _ := json.Marshal(Rule{Lag: Duration(2 * time.Second)})
	if string(out) != `{"lag":"2s"}` {
		t.Errorf("marshal %s", out)
	}
	if err := json.Unmarshal([]byte(`{"delay":"soon"}`), &r); err == nil {
		t.Error("bad duration accepted")
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	good := map[string]int64{"512": 512, "64KiB": 64 << 10, "1MiB": 1 << 20, "2MB": 2_000_000, "1 GiB": 1 << 30, "7B": 7}
	for s, want := range good {
		if got, err := ParseSize(s); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "-1", "1TB", "MiB", "99999999999GiB", "1.5MiB"} {
		if _, err := ParseSize(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseSize(%q) = %v, want ErrInvalid", s, err)
		}
	}
}

func TestSetTriggers(t *testing.T) {
	t.Parallel()
	fires := func(r Rule, n int) []bool {
		var s Set
		if _, err := s.Add(r); err != nil {
			t.Fatal(err)
		}
		out := make([]bool, n)
		for i := range out {
			_, out[i] = s.Fire(Request{Method: "GET", Path: "/v2/acme/api/manifests/x", Repository: "acme/api"})
		}
		return out
	}
	T, F := true, false
	if diff := cmp.Diff([]bool{T, T, F, F, F}, fires(Rule{Status: 429, Times: 2}, 5)); diff != "" {
		t.Errorf("times: %s", diff)
	}
	if diff := cmp.Diff([]bool{F, F, T, F, F, T}, fires(Rule{Status: 429, Every: 3}, 6)); diff != "" {
		t.Errorf("every: %s", diff)
	}
	if diff := cmp.Diff([]bool{T, T, T}, fires(Rule{Status: 503}, 3)); diff != "" {
		t.Errorf("always: %s", diff)
	}
	p := Rule{Status: 500, Probability: 0.5, Seed: 42}
	a, b := fires(p, 200), fires(p, 200)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different runs: %s", diff)
	}
	n := 0
	for _, f := range a {
		if f {
			n++
		}
	}
	if n < 70 || n > 130 {
		t.Errorf("probability 0.5 fired %d of 200", n)
	}
	if got := fires(Rule{Status: 429, Repository: "other/*"}, 1); got[0] {
		t.Error("repository filter ignored")
	}
	if got := fires(Rule{Status: 429, Method: "PUT"}, 1); got[0] {
		t.Error("method filter ignored")
	}
}

func TestSetAddListRemove(t *testing.T) {
	t.Parallel()
	var s Set
	a, _ := s.Add(Rule{Status: 429})
	b, _ := s.Add(Rule{Status: 503, ID: "mine"})
	if _, err := s.Add(Rule{Status: 500, ID: "mine"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("duplicate id: %v", err)
	}
	if _, err := s.Add(Rule{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid rule added: %v", err)
	}
	if a.ID != "f1" || b.ID != "mine" || len(s.List()) != 2 {
		t.Fatalf("ids %q %q, list %v", a.ID, b.ID, s.List())
	}
	s.Fire(Request{Method: "GET", Path: "/v2/"})
	if st := s.List()[0]; st.Matched != 1 || st.Fired != 1 {
		t.Errorf("counters %+v", st)
	}
	if !s.Remove("f1") || s.Remove("f1") || len(s.List()) != 1 {
		t.Error("remove")
	}
	s.Clear()
	if len(s.List()) != 0 {
		t.Error("clear")
	}
}

func FuzzGlob(f *testing.F) {
	f.Add("/v2/*/manifests/*", "/v2/acme/api/manifests/latest")
	f.Add("a*b*c*d*e*f", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		got := Glob(pattern, s)
		if pattern == s && !got {
			t.Fatalf("Glob(%q, itself) = false", pattern)
		}
		_ = RequestOf("GET", s)
	})
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	tests := map[string]Rule{
		"answer 429 to every request":                                         {Status: 429},
		"answer 503 to POST /v2/*/blobs/uploads/*, the first 2 times":         {Status: 503, Method: "POST", Path: "/v2/*/blobs/uploads/*", Times: 2},
		"wait 1s, then answer 500 to requests in acme/*, every 3rd":           {Status: 500, Delay: Duration(time.Second), Repository: "acme/*", Every: 3},
		"hide manifests for 2s after each push to /v2/*/manifests/*":          {Lag: Duration(2 * time.Second), Path: "/v2/*/manifests/*"},
		"cut the connection after 1048576 bytes of the body to every request": {ResetAfter: 1 << 20},
		"delay by 150ms to every request, with probability 0.5 (seed 7)":      {Delay: Duration(150 * time.Millisecond), Probability: 0.5, Seed: 7},
		"answer 502 to every request, every 11th":                             {Status: 502, Every: 11},
	}
	for want, r := range tests {
		if got := r.Describe(); got != want {
			t.Errorf("Describe() = %q, want %q", got, want)
		}
	}
}
