package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
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
// and pulled, then the small blobs pushed and pulled with limitConc
// workers; the server's CPU time is read from /proc around each workload.
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
		for _, k := range h.order(rep, []kind{kindFakeghcr, kindLimit}) {
			err := h.withServer(ctx, k, bigLimit, func(ctx context.Context, p *proc, t *target) error {
				return h.limitRound(ctx, rep, k, p, t, big, small)
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// limitRound is one repetition against one server.
func (h *harness) limitRound(ctx context.Context, rep int, k kind, p *proc, t *target, big blob, small []blob) error {
	repo, err := t.repo("bench-limit")
	if err != nil {
		return err
	}
	var cpu [5]time.Duration
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
	var rounds []blob
	for range limitPullRounds {
		rounds = append(rounds, pushed...)
	}
	pulled, dPull, err := pullBlobs(ctx, t, repo, rounds, limitConc, smallBudget)
	if err != nil {
		return err
	}
	if err := read(4); err != nil {
		return err
	}
	gb := float64(big.size) / 1e9
	r := h.res
	r.add(mLimPush, k, mbps(big.size, push))
	r.add(mLimPull, k, mbps(big.size, pull))
	r.add(mLimPeak, k, float64(peak)/float64(big.size))
	r.add(mLimCPUPush, k, (cpu[1]-cpu[0]).Seconds()/gb)
	r.add(mLimCPUPull, k, (cpu[2]-cpu[1]).Seconds()/gb)
	r.add(mLimSmallPush, k, float64(len(pushed))/dPush.Seconds())
	r.add(mLimSmallPull, k, float64(pulled)/dPull.Seconds())
	r.add(mLimCPUSmallPush, k, ms(cpu[3]-cpu[2])*1000/float64(len(pushed)))
	r.add(mLimCPUSmallPull, k, ms(cpu[4]-cpu[3])*1000/float64(max(pulled, 1)))
	if len(pushed) < len(small) {
		r.partial(mLimSmallPush, k)
	}
	if pulled < len(rounds) {
		r.partial(mLimSmallPull, k)
	}
	h.logf("  rep %d %-20s push %6.0f MB/s (%.2f CPU s/GB) pull %6.0f MB/s (%.2f CPU s/GB) peak %.2fx; small push %5.0f/s pull %5.0f/s (server CPU %.0f and %.0f µs per blob)",
		rep+1, k.label(), mbps(big.size, push), (cpu[1]-cpu[0]).Seconds()/gb, mbps(big.size, pull), (cpu[2]-cpu[1]).Seconds()/gb,
		float64(peak)/float64(big.size), float64(len(pushed))/dPush.Seconds(), float64(pulled)/dPull.Seconds(),
		float64((cpu[3]-cpu[2]).Microseconds())/float64(len(pushed)), float64((cpu[4]-cpu[3]).Microseconds())/float64(max(pulled, 1)))
	return nil
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
