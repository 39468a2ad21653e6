package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Bounds on one workload against one server process.
const (
	bigLimit   = 4 * time.Minute
	smallLimit = 3 * time.Minute
	tokenLimit = 15 * time.Second
	// smallBudget bounds each many-request workload against one server:
	// what is done by then gives the rate (the table says when a workload
	// was cut short).
	smallBudget = 15 * time.Second
	// slowBudget bounds distribution's inmemory driver on the large
	// push: it rewrites its buffer as the upload grows and moves a few
	// MB/s (issue 6 measured 1.7 MB/s), which would take minutes per
	// push. It gets one attempt; the cell shows what it reached.
	slowBudget = 30 * time.Second
)

// Sizes the flags do not set.
const (
	imageLayerSize = 4 << 10 // one layer of the small images
	headWarm       = 200     // unmeasured manifest HEADs before the measured ones
	tokenConc      = 8
)

// phase is one group of measurements.
type phase struct {
	name string
	run  func(context.Context) error
}

func (h *harness) phases() []phase {
	return []phase{
		{"start", h.phaseStart},
		{"fixture", h.phaseFixture},
		{"big", h.phaseBig},
		{"small", h.phaseSmall},
		{"images", h.phaseImages},
		{"tokens", h.phaseTokens},
		{"head", h.phaseHead},
		{"store", h.phaseStore},
		{"limit", h.phaseLimit},
	}
}

// report is a finished run: the table alone and the whole document.
type report struct {
	table string
	doc   string
}

func (h *harness) run(ctx context.Context) (report, error) {
	began := time.Now()
	h.machine.loadStart = loadAverage()
	only := map[string]bool{}
	for _, name := range strings.Split(h.cfg.only, ",") {
		if name != "" {
			only[name] = true
		}
	}
	for _, p := range h.phases() {
		if len(only) > 0 && !only[p.name] {
			continue
		}
		h.logf("phase %s", p.name)
		if err := p.run(ctx); err != nil {
			return report{}, fmt.Errorf("%s: %w", p.name, err)
		}
	}
	h.machine.loadEnd = loadAverage()
	h.machine.took = time.Since(began).Round(time.Second)
	t := table(h.cfg, h.res, h.kinds)
	lt := limitTable(h.cfg, h.res)
	out := t
	if only := len(h.cfg.only) > 0; only && !measuredBesidesLimit(h.res) {
		out = "" // -only limit: the main table would be all dashes
	}
	if lt != "" {
		out = strings.TrimPrefix(out+"\n"+lt, "\n")
	}
	return report{table: out, doc: h.doc(t, lt)}, nil
}

// measuredBesidesLimit reports whether any metric of the main table has a
// sample.
func measuredBesidesLimit(r *results) bool {
	for id := range r.samples {
		if !strings.HasPrefix(id, "limit-") {
			return true
		}
	}
	return false
}

// order is the order servers are measured in repetition rep: fakeghcr
// and the bare engine always one right after the other (the targets
// compare them, so drift in the machine's load should fall on both), and
// the whole order reversed every other repetition so that neither is
// always first.
func (h *harness) order(rep int, kinds []kind) []kind {
	out := slices.Clone(kinds)
	if rep%2 == 1 {
		slices.Reverse(out)
	}
	return out
}

// withServer starts a fresh server of kind k, runs f against it within
// limit, and stops it whatever happens.
func (h *harness) withServer(ctx context.Context, k kind, limit time.Duration, f func(context.Context, *proc, *target) error) error {
	p, _, err := h.startServer(ctx, k)
	if err != nil {
		return err
	}
	defer h.stopServer(p)
	t := newTarget(k, p.url())
	defer t.close()
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	if err := f(ctx, p, t); err != nil {
		return fmt.Errorf("%s: %w", k.label(), err)
	}
	return nil
}

func (h *harness) phaseStart(ctx context.Context) error {
	if h.cfg.startWorld != "" {
		h.startWorld = h.cfg.startWorld
		defer func() { h.startWorld = "" }()
	}
	for i := range h.cfg.starts {
		for _, k := range h.order(i, h.kinds) {
			p, d, err := h.startServer(ctx, k)
			if err != nil {
				return err
			}
			h.stopServer(p)
			h.res.add(mStartBinary, k, ms(d))
		}
	}
	h.logf("  %s", h.summary(mStartBinary))
	return nil
}

func (h *harness) phaseFixture(context.Context) error {
	for i := range h.cfg.fixtures {
		for _, k := range h.order(i, []kind{kindFakeghcr, kindBare}) {
			d, err := fixtureStart(k)
			if err != nil {
				return err
			}
			h.res.add(mStartFixture, k, ms(d))
		}
	}
	h.logf("  %s", h.summary(mStartFixture))
	return nil
}

func (h *harness) phaseBig(ctx context.Context) error {
	data := randomBytes(h.cfg.bigMiB<<20, 1)
	gaveUp := map[kind]bool{}
	for rep := range h.cfg.reps {
		binary.LittleEndian.PutUint64(data, uint64(rep)+1) // a new digest each repetition
		b, err := newBlob(data)
		if err != nil {
			return err
		}
		for _, k := range h.order(rep, h.kinds) {
			if gaveUp[k] {
				continue
			}
			err := h.withServer(ctx, k, bigLimit, func(ctx context.Context, p *proc, t *target) error {
				repo, err := t.repo("bench-big")
				if err != nil {
					return err
				}
				budget := bigLimit
				if k == kindDistMem {
					budget = slowBudget
				}
				push, sent, done, err := pushBlobWithin(ctx, t, repo, b, budget)
				if err != nil {
					return err
				}
				peak, err := procStatus(p.pid(), "VmHWM")
				if err != nil {
					return err
				}
				if !done {
					if k != kindDistMem {
						return fmt.Errorf("push of %d MiB did not finish within %v", h.cfg.bigMiB, budget)
					}
					gaveUp[k] = true
					h.res.note(mPushBig, k, fmt.Sprintf("≤ %s (stopped after %v, %d MiB sent)", number(mbps(sent, push), 1), budget, sent>>20))
					h.res.note(mPeakBig, k, fmt.Sprintf("≥ %s (at %d MiB)", number(mib(peak), 0), sent>>20))
					h.res.note(mPullBig, k, "— (push stopped)")
					h.logf("  rep %d %-26s push stopped after %v: %d MiB sent (%.1f MB/s), peak RSS %.1f MiB; not retried",
						rep+1, k.label(), budget, sent>>20, mbps(sent, push), mib(peak))
					return nil
				}
				pull, err := pullBlob(ctx, t, repo, b)
				if err != nil {
					return err
				}
				h.res.add(mPushBig, k, mbps(b.size, push))
				h.res.add(mPullBig, k, mbps(b.size, pull))
				h.res.add(mPeakBig, k, mib(peak))
				h.logf("  rep %d %-26s push %7.1f MB/s  pull %7.1f MB/s  peak RSS %6.1f MiB", rep+1, k.label(),
					mbps(b.size, push), mbps(b.size, pull), mib(peak))
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (h *harness) phaseSmall(ctx context.Context) error {
	n := h.cfg.smallCount
	for rep := range h.cfg.reps {
		seq, err := randomBlobs(n, h.cfg.smallKiB<<10, uint64(100+2*rep))
		if err != nil {
			return err
		}
		conc, err := randomBlobs(n, h.cfg.smallKiB<<10, uint64(101+2*rep))
		if err != nil {
			return err
		}
		for _, k := range h.order(rep, h.kinds) {
			err := h.withServer(ctx, k, smallLimit, func(ctx context.Context, _ *proc, t *target) error {
				r1, err := t.repo("bench-small-c1")
				if err != nil {
					return err
				}
				r8, err := t.repo("bench-small-c8")
				if err != nil {
					return err
				}
				var counts [4]int
				var d [4]time.Duration
				pushed1, d0, err := pushBlobs(ctx, t, r1, seq, 1, smallBudget)
				if err != nil {
					return err
				}
				pushed8, d1, err := pushBlobs(ctx, t, r8, conc, 8, smallBudget)
				if err != nil {
					return err
				}
				if len(pushed1) == 0 || len(pushed8) == 0 {
					return fmt.Errorf("no blob pushed within %v", smallBudget)
				}
				counts[0], counts[1], d[0], d[1] = len(pushed1), len(pushed8), d0, d1
				if counts[2], d[2], err = pullBlobs(ctx, t, r1, pushed1, 1, smallBudget); err != nil {
					return err
				}
				if counts[3], d[3], err = pullBlobs(ctx, t, r8, pushed8, 8, smallBudget); err != nil {
					return err
				}
				var rates [4]float64
				for i, id := range []string{mSmallPush1, mSmallPush8, mSmallPull1, mSmallPull8} {
					rates[i] = float64(counts[i]) / d[i].Seconds()
					h.res.add(id, k, rates[i])
					if counts[i] < n {
						h.res.partial(id, k)
					}
				}
				h.logf("  rep %d %-26s push c1 %6.0f c8 %6.0f  pull c1 %6.0f c8 %6.0f blobs/s (%d, %d, %d, %d blobs)", rep+1, k.label(),
					rates[0], rates[1], rates[2], rates[3], counts[0], counts[1], counts[2], counts[3])
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (h *harness) phaseImages(ctx context.Context) error {
	for rep := range h.cfg.reps {
		imgs, err := randomImages(h.cfg.images, 3, imageLayerSize, uint64(200+rep))
		if err != nil {
			return err
		}
		for _, k := range h.order(rep, h.kinds) {
			err := h.withServer(ctx, k, smallLimit, func(ctx context.Context, _ *proc, t *target) error {
				pushed, d, err := pushImages(ctx, t, imgs, h.cfg.imageClients, smallBudget)
				if err != nil {
					return err
				}
				if len(pushed) == 0 {
					return fmt.Errorf("no image pushed within %v", smallBudget)
				}
				if err := verifyImages(ctx, t, imgs, pushed, h.cfg.imageClients); err != nil {
					return err
				}
				rate := float64(len(pushed)) / d.Seconds()
				h.res.add(mImages, k, rate)
				if len(pushed) < len(imgs) {
					h.res.partial(mImages, k)
				}
				h.logf("  rep %d %-26s %6.0f images/s (%d images)", rep+1, k.label(), rate, len(pushed))
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (h *harness) phaseTokens(ctx context.Context) error {
	for rep := range h.cfg.reps {
		err := h.withServer(ctx, kindFakeghcr, tokenLimit+10*time.Second, func(ctx context.Context, _ *proc, t *target) error {
			rate, err := tokenRate(ctx, t, h.cfg.tokens, tokenConc, tokenLimit)
			if err != nil {
				return err
			}
			h.res.add(mTokens, kindFakeghcr, rate)
			h.logf("  rep %d %-26s %6.0f tokens/s", rep+1, kindFakeghcr.label(), rate)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (h *harness) phaseHead(ctx context.Context) error {
	imgs, err := randomImages(1, 1, imageLayerSize, 300)
	if err != nil {
		return err
	}
	for rep := range h.cfg.reps {
		for _, k := range h.order(rep, h.kinds) {
			err := h.withServer(ctx, k, smallLimit, func(ctx context.Context, _ *proc, t *target) error {
				lat, err := headLatency(ctx, t, imgs[0], headWarm, h.cfg.heads, smallBudget)
				if err != nil {
					return err
				}
				p50, p99 := percentile(lat, 50), percentile(lat, 99)
				h.res.add(mHeadP50, k, us(p50))
				h.res.add(mHeadP99, k, us(p99))
				h.logf("  rep %d %-26s p50 %6.0f µs  p99 %6.0f µs", rep+1, k.label(), us(p50), us(p99))
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// phaseStore pushes -store-mib in -store-blob-mib blobs, one after the
// other, and reads the server's resident memory. Distribution is left
// out: its inmemory driver is too slow to fill, its filesystem driver
// keeps the bytes on disk.
func (h *harness) phaseStore(ctx context.Context) error {
	blobSize := h.cfg.storeBlobMiB << 20
	count := h.cfg.storeMiB / h.cfg.storeBlobMiB
	data := randomBytes(blobSize, 400)
	for _, k := range []kind{kindFakeghcr, kindBare} {
		err := h.withServer(ctx, k, bigLimit, func(ctx context.Context, p *proc, t *target) error {
			repo, err := t.repo("bench-store")
			if err != nil {
				return err
			}
			var stored int64
			for i := range count {
				binary.LittleEndian.PutUint64(data, uint64(i)+1)
				b, err := newBlob(data)
				if err != nil {
					return err
				}
				if _, err := pushBlob(ctx, t, repo, b); err != nil {
					return err
				}
				stored += b.size
			}
			rss, err := procStatus(p.pid(), "VmRSS")
			if err != nil {
				return err
			}
			perGiB := float64(rss) / float64(stored)
			h.res.add(mPerGiB, k, perGiB)
			h.logf("  %-26s %d MiB stored, VmRSS %.0f MiB: %.2f GiB per GiB", k.label(), stored>>20, mib(rss), perGiB)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// summary is one metric's medians, for the progress log.
func (h *harness) summary(id string) string {
	var parts []string
	for k := range numKinds {
		if v, ok := h.res.median(id, k); ok {
			parts = append(parts, fmt.Sprintf("%s %.2f", k.label(), v))
		}
	}
	return id + ": " + strings.Join(parts, ", ")
}

func ms(d time.Duration) float64            { return float64(d) / float64(time.Millisecond) }
func us(d time.Duration) float64            { return float64(d) / float64(time.Microsecond) }
func mib(b int64) float64                   { return float64(b) / (1 << 20) }
func mbps(n int64, d time.Duration) float64 { return float64(n) / 1e6 / d.Seconds() }
