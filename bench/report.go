package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Metric ids: one row of the table each.
const (
	mStartBinary  = "start-binary"
	mStartFixture = "start-fixture"
	mPushBig      = "push-big"
	mPullBig      = "pull-big"
	mPeakBig      = "peak-big"
	mSmallPush1   = "small-push-1"
	mSmallPush8   = "small-push-8"
	mSmallPull1   = "small-pull-1"
	mSmallPull8   = "small-pull-8"
	mImages       = "images"
	mTokens       = "tokens"
	mHeadP50      = "head-p50"
	mHeadP99      = "head-p99"
	mPerGiB       = "per-gib"
)

// results holds every sample, by metric and server.
type results struct {
	samples map[string]*[numKinds][]float64
	// texts replace a cell's figure, for a workload a server did not
	// finish (e.g. "≤ 1.2 (stopped after 45s)").
	texts map[string]*[numKinds]string
	// partials count the samples measured over part of a workload, the
	// rest cut off by its time budget.
	partials map[string]*[numKinds]int
}

func newResults() *results {
	return &results{samples: map[string]*[numKinds][]float64{}, texts: map[string]*[numKinds]string{},
		partials: map[string]*[numKinds]int{}}
}

// note sets the text shown for id and k instead of a figure.
func (r *results) note(id string, k kind, text string) {
	s := r.texts[id]
	if s == nil {
		s = new([numKinds]string)
		r.texts[id] = s
	}
	s[k] = text
}

func (r *results) text(id string, k kind) string {
	if s := r.texts[id]; s != nil {
		return s[k]
	}
	return ""
}

// partial notes that the last sample of id for k covers only part of the
// workload, the rest cut off by its time budget.
func (r *results) partial(id string, k kind) {
	s := r.partials[id]
	if s == nil {
		s = new([numKinds]int)
		r.partials[id] = s
	}
	s[k]++
}

// partialText says how many of the samples were cut short, if any.
func (r *results) partialText(id string, k kind) string {
	if s := r.partials[id]; s != nil && s[k] > 0 {
		return fmt.Sprintf("; %d of %d runs cut at %v", s[k], r.count(id, k), smallBudget)
	}
	return ""
}

func (r *results) add(id string, k kind, v float64) {
	s := r.samples[id]
	if s == nil {
		s = new([numKinds][]float64)
		r.samples[id] = s
	}
	s[k] = append(s[k], v)
}

// median returns the median sample of id for k, if there is one.
func (r *results) median(id string, k kind) (float64, bool) {
	s := r.samples[id]
	if s == nil || len(s[k]) == 0 {
		return 0, false
	}
	return median(s[k]), true
}

func (r *results) count(id string, k kind) int {
	if s := r.samples[id]; s != nil {
		return len(s[k])
	}
	return 0
}

// median of vs (the mean of the middle two for an even count).
func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// percentile returns the p-th percentile (nearest rank) of sorted ds.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// metric is one row: how to show its figures and what fakeghcr must reach.
type metric struct {
	id     string
	title  string
	unit   string
	higher bool // higher is better
	digits int  // decimals shown
	target string
	// met judges fakeghcr's median v against the bare engine's bare;
	// nil when the issue sets no target.
	met func(v, bare float64) bool
}

// metrics are the table's rows, in order, for cfg's sizes.
func metrics(cfg config) []metric {
	big := float64(cfg.bigMiB)
	small := strconv.Itoa(cfg.smallCount) + " × " + strconv.Itoa(cfg.smallKiB) + " KiB"
	ratioAtLeast := func(x float64) func(v, bare float64) bool {
		return func(v, bare float64) bool { return bare > 0 && v/bare >= x }
	}
	startTitle := "start → first answer to GET /v2/, binary"
	if cfg.startWorld != "" {
		startTitle += " (built-in world " + cfg.startWorld + ")"
	}
	return []metric{
		{id: mStartBinary, title: startTitle, unit: "ms", digits: 1,
			target: "≤ 1.0x", met: func(v, bare float64) bool { return bare > 0 && v/bare <= 1.0 }},
		{id: mStartFixture, title: "start → first answer, Go fixture in-process", unit: "ms", digits: 2,
			target: "< 5 ms", met: func(v, _ float64) bool { return v < 5 }},
		{id: mPushBig, title: fmt.Sprintf("%d MiB push", cfg.bigMiB), unit: "MB/s", higher: true,
			target: "≥ 5x", met: ratioAtLeast(5)},
		{id: mPullBig, title: fmt.Sprintf("%d MiB pull", cfg.bigMiB), unit: "MB/s", higher: true,
			target: "≥ 1x", met: ratioAtLeast(1)},
		{id: mPeakBig, title: fmt.Sprintf("peak RSS (VmHWM), one %d MiB push", cfg.bigMiB), unit: "MiB",
			target: fmt.Sprintf("≤ 1.2x the blob (%.0f MiB)", 1.2*big), met: func(v, _ float64) bool { return v <= 1.2*big }},
		{id: mSmallPush1, title: small + " push, concurrency 1", unit: "blobs/s", higher: true,
			target: "≥ 0.9x", met: ratioAtLeast(0.9)},
		{id: mSmallPush8, title: small + " push, concurrency 8", unit: "blobs/s", higher: true,
			target: "≥ 0.9x", met: ratioAtLeast(0.9)},
		{id: mSmallPull1, title: small + " pull, concurrency 1", unit: "blobs/s", higher: true,
			target: "≥ 0.9x", met: ratioAtLeast(0.9)},
		{id: mSmallPull8, title: small + " pull, concurrency 8", unit: "blobs/s", higher: true,
			target: "≥ 0.9x", met: ratioAtLeast(0.9)},
		{id: mImages, title: fmt.Sprintf("%d images of 3 layers, %d clients at once", cfg.images, cfg.imageClients),
			unit: "images/s", higher: true},
		{id: mTokens, title: "GET /token with Basic, concurrency 8", unit: "tokens/s", higher: true},
		{id: mHeadP50, title: "authenticated manifest HEAD, p50", unit: "µs",
			target: "≤ 1.2x", met: func(v, bare float64) bool { return bare > 0 && v/bare <= 1.2 }},
		{id: mHeadP99, title: "authenticated manifest HEAD, p99", unit: "µs"},
		{id: mPerGiB, title: fmt.Sprintf("RSS per GiB stored (%d MiB in %d MiB blobs)", cfg.storeMiB, cfg.storeBlobMiB),
			unit: "GiB/GiB", digits: 2, target: "≤ 1.1", met: func(v, _ float64) bool { return v <= 1.1 }},
	}
}

// table renders the results as a markdown table: one row per metric, one
// column per server, each figure with its ratio to the bare engine, and
// fakeghcr's target.
func table(cfg config, r *results, kinds []kind) string {
	var b strings.Builder
	b.WriteString("| workload | unit |")
	for _, k := range kinds {
		b.WriteString(" " + k.label() + " |")
	}
	b.WriteString(" target (fakeghcr) |\n|---|---|")
	for range kinds {
		b.WriteString("---:|")
	}
	b.WriteString("---|\n")
	for _, m := range metrics(cfg) {
		bare, hasBare := r.median(m.id, kindBare)
		b.WriteString("| " + m.title + " | " + m.unit + better(m) + " |")
		for _, k := range kinds {
			v, ok := r.median(m.id, k)
			switch {
			case r.text(m.id, k) != "":
				b.WriteString(" " + r.text(m.id, k) + " |")
			case !ok:
				b.WriteString(" — |")
			case hasBare && bare > 0:
				b.WriteString(fmt.Sprintf(" %s (%sx%s) |", number(v, m.digits), ratio(v/bare), r.partialText(m.id, k)))
			case r.partialText(m.id, k) != "":
				b.WriteString(fmt.Sprintf(" %s (%s) |", number(v, m.digits), r.partialText(m.id, k)[2:]))
			default:
				b.WriteString(" " + number(v, m.digits) + " |")
			}
		}
		b.WriteString(" " + verdict(m, r) + " |\n")
	}
	return b.String()
}

func better(m metric) string {
	if m.higher {
		return ", higher is better"
	}
	return ", lower is better"
}

// verdict is the target column: the target and whether fakeghcr met it.
func verdict(m metric, r *results) string {
	if m.met == nil {
		return "—"
	}
	v, ok := r.median(m.id, kindFakeghcr)
	if !ok {
		return m.target + ": not measured"
	}
	bare, _ := r.median(m.id, kindBare)
	verdict := "**missed**"
	if m.met(v, bare) {
		verdict = "**met**"
	}
	if strings.HasSuffix(m.target, "x") && bare > 0 {
		// A ratio target: the exact ratio, since the one shown in the
		// cell is rounded.
		return fmt.Sprintf("%s: %s (%.3fx)", m.target, verdict, v/bare)
	}
	return m.target + ": " + verdict
}

// missed lists the metrics whose target fakeghcr missed.
func missed(cfg config, r *results) []metric {
	var out []metric
	for _, m := range metrics(cfg) {
		if m.met == nil {
			continue
		}
		v, ok := r.median(m.id, kindFakeghcr)
		bare, _ := r.median(m.id, kindBare)
		if ok && !m.met(v, bare) {
			out = append(out, m)
		}
	}
	return out
}

// number formats v with thousands separators and digits decimals; values
// under 10 get at least one decimal.
func number(v float64, digits int) string {
	if digits == 0 && math.Abs(v) < 10 {
		digits = 1
	}
	s := strconv.FormatFloat(v, 'f', digits, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var g strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			g.WriteByte(',')
		}
		g.WriteRune(c)
	}
	out := g.String()
	if neg {
		out = "-" + out
	}
	if frac != "" {
		out += "." + frac
	}
	return out
}

// ratio formats a ratio with two significant decimals under 10.
func ratio(x float64) string {
	switch {
	case x >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case x >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}
