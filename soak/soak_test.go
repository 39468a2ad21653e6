package soak_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

var soakFor = flag.Duration("soak", 40*time.Second, "how long the soak test's clients push and pull (skipped under -short)")

const (
	clients     = 64
	aliceSecret = "ghp_soak_alice"
	adminToken  = "soak-admin"
	// perClientBytes bounds what each client stores, so that a long soak
	// holds a bounded amount (64 × 8 MiB = 512 MiB); past it, a client
	// keeps pulling what it stored.
	perClientBytes = 8 << 20
)

// world: alice and bob, alice's classic PAT, and one private package per
// client, each already created (so pushes need no creation rule).
func world() []byte {
	var b strings.Builder
	b.WriteString("name: soak\ndescription: soak test\nfix: none\nowners:\n  - {login: alice, type: user}\n  - {login: bob, type: user}\n")
	b.WriteString("credentials:\n  - {name: alice, secret: " + aliceSecret + ", type: classic_pat, user: alice, scopes: [\"write:packages\", \"read:packages\"]}\n")
	b.WriteString("packages:\n")
	for i := range clients {
		fmt.Fprintf(&b, "  - {name: %s}\n", pkgName(i))
	}
	return []byte(b.String())
}

func pkgName(i int) string { return fmt.Sprintf("alice/soak-%02d", i) }

// stored is a blob or manifest a client pushed and must read back.
type stored struct {
	digest string
	size   int
}

// soakRun collects what every client did.
type soakRun struct {
	pushes, pulls, changes atomic.Int64
	bytes                  atomic.Int64
	mu                     sync.Mutex
	errs                   []error
}

func (r *soakRun) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

// TestSoak: 64 clients push images (one layer monolithic, one chunked, a
// config and a manifest per round) and pull them back with digest checks,
// while the world is changed through the admin API in between. Then every
// blob and tag is read back. Pass: no error, nothing lost or corrupted, the
// memory held within 1.2x the bytes stored (RSS; the Go heap under the race
// detector), goroutines and file descriptors back to where they were.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("the soak test is a long run: go test ./soak (40 s of load, -soak 10m for more); .ci/run runs it")
	}
	load := *soakFor
	baseGoroutines, baseFDs := runtime.NumGoroutine(), countFDs(t)
	baseRSS, baseHeap := settledMemory(t)

	sc, err := scenarios.Parse("soak.yaml", world())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := registry.New(registry.Options{Scenario: sc, AdminToken: adminToken})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	tr := &http.Transport{MaxIdleConnsPerHost: clients + 8, Proxy: nil}
	hc := &http.Client{Transport: tr, Timeout: 2 * time.Minute}

	var run soakRun
	kept := make([][]stored, clients)
	tags := make([]map[string]string, clients)
	start := time.Now()
	deadline := start.Add(load)
	var wg sync.WaitGroup
	for i := range clients {
		tags[i] = map[string]string{}
		wg.Go(func() {
			c := newClient(hs.URL, hc, pkgName(i))
			if err := soakClient(c, i, deadline, &run, &kept[i], tags[i]); err != nil {
				run.fail(fmt.Errorf("client %d: %w", i, err))
			}
		})
	}
	stopAdmin := make(chan struct{})
	var adminWG sync.WaitGroup
	adminWG.Go(func() {
		if err := churn(hc, hs.URL, stopAdmin, &run); err != nil {
			run.fail(fmt.Errorf("admin: %w", err))
		}
	})
	wg.Wait()
	close(stopAdmin)
	adminWG.Wait()
	took := time.Since(start)

	// Everything pushed reads back, byte for byte.
	var storedBytes int64
	for i := range clients {
		c := newClient(hs.URL, hc, pkgName(i))
		if err := c.login(); err != nil {
			run.fail(err)
			continue
		}
		for _, s := range kept[i] {
			storedBytes += int64(s.size)
			if err := c.pullBlob(s.digest, s.size); err != nil {
				run.fail(fmt.Errorf("lost or corrupted: %w", err))
			}
		}
		for tag, d := range tags[i] {
			if err := c.pullTag(tag, d); err != nil {
				run.fail(fmt.Errorf("lost or corrupted: %w", err))
			}
		}
	}
	tr.CloseIdleConnections()
	rss, heap := settledMemory(t)
	runtime.KeepAlive(srv)
	hs.Close()
	srv.Close()
	tr.CloseIdleConnections()

	rssRatio := float64(rss-baseRSS) / float64(storedBytes)
	heapRatio := float64(heap-baseHeap) / float64(storedBytes)
	t.Logf("soak: %v of load, %d clients: %d pushes, %d pulls, %d admin changes, %d errors; %.1f MiB stored; "+
		"RSS grew %.1f MiB (%.2fx the bytes stored), Go heap %.1f MiB (%.2fx)",
		took.Round(time.Millisecond), clients, run.pushes.Load(), run.pulls.Load(), run.changes.Load(), len(run.errs),
		mib(storedBytes), mib(rss-baseRSS), rssRatio, mib(heap-baseHeap), heapRatio)
	for i, err := range run.errs {
		if i == 10 {
			t.Errorf("... and %d more errors", len(run.errs)-10)
			break
		}
		t.Error(err)
	}
	if run.pushes.Load() == 0 || run.pulls.Load() == 0 || run.changes.Load() == 0 {
		t.Errorf("nothing exercised: %d pushes, %d pulls, %d changes", run.pushes.Load(), run.pulls.Load(), run.changes.Load())
	}
	// A bound on memory is meaningful once the store dominates the
	// process's own footprint.
	if storedBytes >= 64<<20 {
		switch {
		case raceEnabled && heapRatio > 1.2:
			t.Errorf("Go heap grew %.2fx the bytes stored, want at most 1.2x", heapRatio)
		case !raceEnabled && rssRatio > 1.2:
			t.Errorf("RSS grew %.2fx the bytes stored, want at most 1.2x", rssRatio)
		}
	} else {
		t.Logf("only %.1f MiB stored: memory bound not checked", mib(storedBytes))
	}

	srv, hs = nil, nil
	if !waitFor(10*time.Second, func() bool { return runtime.NumGoroutine() <= baseGoroutines }) {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after the soak, want at most %d as before:\n%s", runtime.NumGoroutine(), baseGoroutines, buf[:runtime.Stack(buf, true)])
	}
	if !waitFor(10*time.Second, func() bool { return countFDs(t) <= baseFDs }) {
		t.Errorf("%d open file descriptors after the soak, want at most %d as before", countFDs(t), baseFDs)
	}
}

// soakClient pushes and pulls until deadline.
func soakClient(c *client, id int, deadline time.Time, run *soakRun, kept *[]stored, tags map[string]string) error {
	if err := c.login(); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(uint64(id), 1))
	var held int
	for round := 0; time.Now().Before(deadline); round++ {
		if held >= perClientBytes {
			// Full: read back something stored.
			s := (*kept)[rng.IntN(len(*kept))]
			if err := c.pullBlob(s.digest, s.size); err != nil {
				return err
			}
			run.pulls.Add(1)
			continue
		}
		seed := uint64(id)<<32 | uint64(round)<<4
		sizes := []int{1 + rng.IntN(16<<10), 1 + rng.IntN(2<<20)}
		if rng.IntN(2) == 0 {
			sizes[0], sizes[1] = sizes[1], sizes[0]
		}
		a, b := content(seed+1, sizes[0]), content(seed+2, sizes[1])
		config := []byte(`{"architecture":"amd64","os":"linux","soak":"` + strconv.Itoa(id) + "-" + strconv.Itoa(round) + `"}`)
		da, err := c.pushMonolithic(a)
		if err != nil {
			return err
		}
		db, err := c.pushChunked(b, 256<<10+rng.IntN(256<<10))
		if err != nil {
			return err
		}
		dc, err := c.pushMonolithic(config)
		if err != nil {
			return err
		}
		tag := "r" + strconv.Itoa(round)
		dm, err := c.pushManifest(tag, dc, len(config), []string{da, db}, sizes)
		if err != nil {
			return err
		}
		run.pushes.Add(4)
		*kept = append(*kept, stored{da, len(a)}, stored{db, len(b)}, stored{dc, len(config)})
		tags[tag] = dm
		held += len(a) + len(b) + len(config)
		if err := c.pullTag(tag, dm); err != nil {
			return err
		}
		if err := c.pullBlob(da, len(a)); err != nil {
			return err
		}
		if err := c.pullBlob(db, len(b)); err != nil {
			return err
		}
		run.pulls.Add(3)
	}
	return nil
}

// churn changes the world through the admin API until stop: bob gains and
// loses a role on the clients' packages, and credentials are added, revoked
// and removed. None of it changes what alice may do.
func churn(hc *http.Client, base string, stop <-chan struct{}, run *soakRun) error {
	for n := 0; ; n++ {
		select {
		case <-stop:
			return nil
		case <-time.After(20 * time.Millisecond):
		}
		pkg := pkgName(n % clients)
		cred := fmt.Sprintf("churn-%d", n/5)
		var change map[string]any
		switch n % 5 {
		case 0:
			change = map[string]any{"op": "set_user_role", "package": pkg, "user": "bob", "role": "read"}
		case 1:
			change = map[string]any{"op": "remove_user_role", "package": pkg, "user": "bob"}
		case 2:
			change = map[string]any{"op": "add_credential", "credential": map[string]any{"name": cred, "secret": "ghp_" + cred, "type": "classic_pat", "user": "bob", "scopes": []string{"read:packages"}}}
		case 3:
			change = map[string]any{"op": "revoke_credential", "name": cred}
		case 4:
			change = map[string]any{"op": "remove_credential", "name": cred}
		}
		body, _ := json.Marshal(change)
		req, _ := http.NewRequest(http.MethodPost, base+registry.AdminPrefix+"/changes", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+adminToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		var answer bytes.Buffer
		_, _ = answer.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("change %s: %s: %.300s", body, resp.Status, answer.String())
		}
		run.changes.Add(1)
	}
}

// settledMemory returns the process's RSS and the Go heap in use after a
// collection that returns freed memory to the OS.
func settledMemory(t *testing.T) (rss, heap int64) {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS %q: %v", v, err)
			}
			return kb << 10, int64(m.HeapInuse)
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0, 0
}

func countFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(ents)
}

func waitFor(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
