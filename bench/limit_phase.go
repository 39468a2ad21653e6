package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Metric ids of the comparison with the physical limit (limit.go).
const (
	mLimPush         = "limit-push-big"
	mLimPull         = "limit-pull-big"
	mLimPeak         = "limit-peak-big"
	mLimCPUPush      = "limit-cpu-push-big"
	mLimCPUPull      = "limit-cpu-pull-big"
	mLimSmallPush    = "limit-small-push"
	mLimSmallPull    = "limit-small-pull"
	mLimCPUSmallPush = "limit-cpu-small-push"
	mLimCPUSmallPull = "limit-cpu-small-pull"
)

// limitConc is the concurrency of the small-blob workloads against the
// limit.
const limitConc = 8

// limitPullRounds is how many times the small-blob pull against the limit
// reads each pushed blob: one round of 1000 takes a tenth of a second,
// too short a window for a stable rate on a shared machine.
const limitPullRounds = 5

// phaseLimit measures fakeghcr (auth on) and the physical limit side by
// side, each repetition on a fresh process of each: one large blob pushed
// and pulled, then the small blobs pushed with limitConc workers, one
// server after the other; then the small blobs pulled, the two servers'
// rounds interleaved (A B B A A ...), so that a change in the machine's
// load during the pull weighs on both alike. The server's CPU time is
// read from /proc around each workload.
func (h *harness) phaseLimit(ctx context.Context) error {
	data := randomBytes(h.cfg.bigMiB<<20, 7)
	for rep := range h.cfg.limitReps {
		binary.LittleEndian.PutUint64(data, uint64(rep)+1)
		big, err := newBlob(data)
		if err != nil {
			return err
		}
		small, err := randomBlobs(h.cfg.smallCount, h.cfg.smallKiB<<10, uint64(500+rep))
		if err != nil {
			return err
		}
		order := h.order(rep, []kind{kindFakeghcr, kindLimit})
		// Both servers run for the whole repetition: the limit within 2
		// bigLimit, since the first one started waits for the second.
		err = h.withServer(ctx, order[0], 2*bigLimit, func(ctx context.Context, p0 *proc, t0 *target) error {
			return h.withServer(ctx, order[1], bigLimit, func(ctx context.Context, p1 *proc, t1 *target) error {
				sides := []*limitSide{{kind: order[0], p: p0, t: t0}, {kind: order[1], p: p1, t: t1}}
				for _, sd := range sides {
					if err := h.limitPush(ctx, sd, big, small); err != nil {
						return fmt.Errorf("%s: %w", sd.kind.label(), err)
					}
				}
				if err := h.limitPull(ctx, sides); err != nil {
					return err
				}
				for _, sd := range sides {
					h.limitLog(rep, sd)
				}
				return nil
			})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// limitSide is one server of a repetition against the limit: what was
// pushed to it, and its small-blob pull so far.
type limitSide struct {
	kind kind
	p    *proc
	t    *target
	repo name.Repository

	pushed          []blob
	pulled, wanted  int
	dPull, cpuPull  time.Duration
	logPush, logBig string
}

// limitPush is one server's large blob, pushed and pulled, and its small
// blobs pushed.
func (h *harness) limitPush(ctx context.Context, sd *limitSide, big blob, small []blob) error {
	k, p, t := sd.kind, sd.p, sd.t
	repo, err := t.repo("bench-limit")
	if err != nil {
		return err
	}
	sd.repo = repo
	var cpu [4]time.Duration
	read := func(i int) error {
		var err error
		cpu[i], err = procCPU(p.pid())
		return err
	}
	if err := read(0); err != nil {
		return err
	}
	push, err := pushBlob(ctx, t, repo, big)
	if err != nil {
		return err
	}
	peak, err := procStatus(p.pid(), "VmHWM")
	if err != nil {
		return err
	}
	if err := read(1); err != nil {
		return err
	}
	pull, err := pullBlob(ctx, t, repo, big)
	if err != nil {
		return err
	}
	if err := read(2); err != nil {
		return err
	}
	pushed, dPush, err := pushBlobs(ctx, t, repo, small, limitConc, smallBudget)
	if err != nil {
		return err
	}
	if len(pushed) == 0 {
		return fmt.Errorf("no small blob pushed within %v", smallBudget)
	}
	if err := read(3); err != nil {
		return err
	}
	sd.pushed = pushed
	gb := float64(big.size) / 1e9
	r := h.res
	r.add(mLimPush, k, mbps(big.size, push))
	r.add(mLimPull, k, mbps(big.size, pull))
	r.add(mLimPeak, k, float64(peak)/float64(big.size))
	r.add(mLimCPUPush, k, (cpu[1]-cpu[0]).Seconds()/gb)
	r.add(mLimCPUPull, k, (cpu[2]-cpu[1]).Seconds()/gb)
	r.add(mLimSmallPush, k, float64(len(pushed))/dPush.Seconds())
	r.add(mLimCPUSmallPush, k, ms(cpu[3]-cpu[2])*1000/float64(len(pushed)))
	if len(pushed) < len(small) {
		r.partial(mLimSmallPush, k)
	}
	sd.logBig = fmt.Sprintf("push %6.0f MB/s (%.2f CPU s/GB) pull %6.0f MB/s (%.2f CPU s/GB) peak %.2fx",
		mbps(big.size, push), (cpu[1]-cpu[0]).Seconds()/gb, mbps(big.size, pull), (cpu[2]-cpu[1]).Seconds()/gb, float64(peak)/float64(big.size))
	sd.logPush = fmt.Sprintf("small push %5.0f/s (server CPU %.0f µs per blob)",
		float64(len(pushed))/dPush.Seconds(), float64((cpu[3]-cpu[2]).Microseconds())/float64(len(pushed)))
	return nil
}

// limitPull pulls each side's pushed blobs limitPullRounds times, one
// round (every blob once) at a time, alternating the servers and which
// goes first, each side with one puller (one token exchange). Its rate
// is the blobs pulled over the time its own rounds took; its CPU, the
// server's over those rounds.
func (h *harness) limitPull(ctx context.Context, sides []*limitSide) error {
	pullers := make([]*remote.Puller, len(sides))
	for i, sd := range sides {
		p, err := sd.t.puller(limitConc)
		if err != nil {
			return err
		}
		pullers[i] = p
	}
	for round := range limitPullRounds {
		for j := range sides {
			i := j
			if round%2 == 1 {
				i = len(sides) - 1 - j
			}
			sd := sides[i]
			before, err := procCPU(sd.p.pid())
			if err != nil {
				return err
			}
			n, d, err := pullBlobsWith(ctx, pullers[i], sd.repo, sd.pushed, limitConc, smallBudget)
			if err != nil {
				return fmt.Errorf("%s: %w", sd.kind.label(), err)
			}
			after, err := procCPU(sd.p.pid())
			if err != nil {
				return err
			}
			sd.pulled += n
			sd.wanted += len(sd.pushed)
			sd.dPull += d
			sd.cpuPull += after - before
		}
	}
	for _, sd := range sides {
		r, k := h.res, sd.kind
		r.add(mLimSmallPull, k, float64(sd.pulled)/sd.dPull.Seconds())
		r.add(mLimCPUSmallPull, k, ms(sd.cpuPull)*1000/float64(max(sd.pulled, 1)))
		if sd.pulled < sd.wanted {
			r.partial(mLimSmallPull, k)
		}
	}
	return nil
}

// limitLog logs one side's repetition.
func (h *harness) limitLog(rep int, sd *limitSide) {
	h.logf("  rep %d %-20s %s; %s pull %5.0f/s (server CPU %.1f µs per blob)", rep+1, sd.kind.label(), sd.logBig, sd.logPush,
		float64(sd.pulled)/sd.dPull.Seconds(), float64(sd.cpuPull.Nanoseconds())/1000/float64(max(sd.pulled, 1)))
}

// limitRow is one row of the comparison with the limit.
type limitRow struct {
	id, title, unit string
	higher          bool
	digits          int
	// target is fakeghcr's over the limit's ("≥ 0.8x"), or an absolute
	// bound on fakeghcr's figure when absolute is set; empty for none.
	target   string
	atLeast  float64 // for a ratio target
	absolute bool
	atMost   float64 // for an absolute target
}

func limitRows(cfg config) []limitRow {
	small := fmt.Sprintf("%d × %d KiB", cfg.smallCount, cfg.smallKiB)
	return []limitRow{
		{id: mLimPush, title: fmt.Sprintf("%d MiB push", cfg.bigMiB), unit: "MB/s", higher: true, target: "≥ 0.8x", atLeast: 0.8},
		{id: mLimPull, title: fmt.Sprintf("%d MiB pull", cfg.bigMiB), unit: "MB/s", higher: true, target: "≥ 0.9x", atLeast: 0.9},
		{id: mLimSmallPush, title: small + fmt.Sprintf(" push, concurrency %d", limitConc), unit: "blobs/s", higher: true, target: "≥ 0.8x", atLeast: 0.8},
		{id: mLimSmallPull, title: small + fmt.Sprintf(" pull, each %d times, concurrency %d", limitPullRounds, limitConc), unit: "blobs/s", higher: true, target: "≥ 0.9x", atLeast: 0.9},
		{id: mLimPeak, title: fmt.Sprintf("peak RSS (VmHWM) after one %d MiB push, per byte stored", cfg.bigMiB), unit: "x", digits: 2,
			target: "≤ 1.1", absolute: true, atMost: 1.1},
		{id: mLimCPUPush, title: fmt.Sprintf("server CPU, %d MiB push", cfg.bigMiB), unit: "CPU s/GB", digits: 2},
		{id: mLimCPUPull, title: fmt.Sprintf("server CPU, %d MiB pull", cfg.bigMiB), unit: "CPU s/GB", digits: 2},
		{id: mLimCPUSmallPush, title: "server CPU, " + small + " push", unit: "CPU ms per 1000 blobs", digits: 1},
		{id: mLimCPUSmallPull, title: "server CPU, " + small + " pull", unit: "CPU ms per 1000 blobs", digits: 1},
	}
}

// limitTable renders the comparison with the limit, or "" if it was not
// measured.
func limitTable(cfg config, r *results) string {
	if _, ok := r.median(mLimPush, kindLimit); !ok {
		return ""
	}
	var b strings.Builder
	b.WriteString("| workload | unit | physical limit | fakeghcr (auth on) | fakeghcr ÷ limit | target |\n|---|---|---:|---:|---:|---|\n")
	for _, row := range limitRows(cfg) {
		lim, _ := r.median(row.id, kindLimit)
		v, ok := r.median(row.id, kindFakeghcr)
		if !ok {
			continue
		}
		dir := ", lower is better"
		if row.higher {
			dir = ", higher is better"
		}
		ratioCell := "—"
		if lim > 0 {
			ratioCell = ratio(v/lim) + "x"
		}
		verdict := "—"
		switch {
		case row.absolute:
			verdict = row.target + ": " + metOrMissed(v <= row.atMost)
		case row.target != "" && lim > 0:
			verdict = fmt.Sprintf("%s: %s (%.3fx)", row.target, metOrMissed(v/lim >= row.atLeast), v/lim)
		}
		fmt.Fprintf(&b, "| %s | %s%s | %s%s | %s%s | %s | %s |\n", row.title, row.unit, dir,
			number(lim, row.digits), partialNote(r, row.id, kindLimit), number(v, row.digits), partialNote(r, row.id, kindFakeghcr), ratioCell, verdict)
	}
	return b.String()
}

func metOrMissed(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**missed**"
}

func partialNote(r *results, id string, k kind) string {
	if s := r.partialText(id, k); s != "" {
		return " (" + s[2:] + ")"
	}
	return ""
}
