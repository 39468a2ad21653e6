package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
)

// TestMain lets the test binary stand in for the bench command's
// -serve-limit mode, which the end-to-end test starts as
// child processes.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "-serve-limit" {
		if err := serveLimit(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestMedian(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		t.Run(fmt.Sprint(tc.in), func(t *testing.T) {
			t.Parallel()
			if got := median(tc.in); got != tc.want {
				t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i))
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 50}, {99, 99}, {100, 100}, {1, 1}} {
		t.Run(fmt.Sprint(tc.p), func(t *testing.T) {
			t.Parallel()
			if got := percentile(ds, tc.p); got != tc.want {
				t.Errorf("percentile(1..100, %v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

func TestNumber(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v      float64
		digits int
		want   string
	}{
		{32070.4, 0, "32,070"},
		{1234567, 0, "1,234,567"},
		{908, 0, "908"},
		{1.7, 0, "1.7"},
		{0.72, 2, "0.72"},
		{-1234.5, 1, "-1,234.5"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			if got := number(tc.v, tc.digits); got != tc.want {
				t.Errorf("number(%v, %d) = %q, want %q", tc.v, tc.digits, got, tc.want)
			}
		})
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	cfg := config{bigMiB: 256, smallCount: 1000, smallKiB: 4, images: 200, imageClients: 16, storeMiB: 1024, storeBlobMiB: 64}
	r := newResults()
	for _, v := range []float64{600, 500, 700} {
		r.add(mPushBig, kindFakeghcr, v)
	}
	r.add(mPushBig, kindBare, 100)
	r.add(mPeakBig, kindFakeghcr, 400)
	r.add(mPeakBig, kindBare, 1000)
	r.add(mTokens, kindFakeghcr, 12345)
	r.note(mPushBig, kindDistMem, "≤ 1.1 (stopped)")
	r.add(mSmallPush1, kindDistFS, 9)
	r.add(mSmallPush1, kindBare, 900)
	r.partial(mSmallPush1, kindDistFS)
	got := table(cfg, r, []kind{kindFakeghcr, kindBare, kindDistMem, kindDistFS})
	for _, want := range []string{
		"| 256 MiB push | MB/s, higher is better | 600 (6.00x) | 100 (1.00x) | ≤ 1.1 (stopped) | — | ≥ 5x: **met** (6.000x) |",
		"| peak RSS (VmHWM), one 256 MiB push | MiB, lower is better | 400 (0.40x) | 1,000 (1.00x) | — | — | ≤ 1.2x the blob (307 MiB): **missed** |",
		"| GET /token with Basic, concurrency 8 | tokens/s, higher is better | 12,345 | — | — | — | — |",
		"| 1000 × 4 KiB push, concurrency 1 | blobs/s, higher is better | — | 900 (1.00x) | — | 9.0 (0.01x; 1 of 1 runs cut at 15s) | ≥ 0.9x: not measured |",
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("table lacks row\n%s\ngot:\n%s", want, got)
		}
	}
	if diff := cmp.Diff([]string{mPeakBig}, ids(missed(cfg, r))); diff != "" {
		t.Errorf("missed (-want +got):\n%s", diff)
	}
}

func ids(ms []metric) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.id)
	}
	return out
}

func TestProcStatus(t *testing.T) {
	t.Parallel()
	for _, field := range []string{"VmHWM", "VmRSS"} {
		t.Run(field, func(t *testing.T) {
			t.Parallel()
			n, err := procStatus(os.Getpid(), field)
			if err != nil {
				t.Skipf("no /proc here: %v", err)
			}
			if n < 1<<20 {
				t.Errorf("%s = %d bytes, want at least 1 MiB", field, n)
			}
		})
	}
}

// TestWorkloads runs every workload, small, against the in-process
// fixtures of fakeghcr (auth on) and the bare engine.
func TestWorkloads(t *testing.T) {
	t.Parallel()
	for _, k := range []kind{kindFakeghcr, kindBare} {
		t.Run(k.label(), func(t *testing.T) {
			t.Parallel()
			tg := fixtureTarget(t, k)
			ctx := t.Context()
			repo := mustRepo(t, tg, "w-big")
			b, err := newBlob(randomBytes(3<<20, 1))
			if err != nil {
				t.Fatal(err)
			}
			if _, _, done, err := pushBlobWithin(ctx, tg, repo, b, time.Minute); err != nil || !done {
				t.Fatalf("pushBlobWithin: done %v, %v", done, err)
			}
			if _, err := pullBlob(ctx, tg, repo, b); err != nil {
				t.Fatalf("pullBlob: %v", err)
			}
			blobs, err := randomBlobs(40, 4<<10, 2)
			if err != nil {
				t.Fatal(err)
			}
			small := mustRepo(t, tg, "w-small")
			pushed, _, err := pushBlobs(ctx, tg, small, blobs, 8, time.Minute)
			if err != nil || len(pushed) != len(blobs) {
				t.Fatalf("pushBlobs: %d of %d, %v", len(pushed), len(blobs), err)
			}
			if n, _, err := pullBlobs(ctx, tg, small, pushed, 8, time.Minute); err != nil || n != len(blobs) {
				t.Fatalf("pullBlobs: %d of %d, %v", n, len(blobs), err)
			}
			imgs, err := randomImages(6, 3, 1<<10, 3)
			if err != nil {
				t.Fatal(err)
			}
			done, _, err := pushImages(ctx, tg, imgs, 3, time.Minute)
			if err != nil || len(done) != len(imgs) {
				t.Fatalf("pushImages: %d of %d, %v", len(done), len(imgs), err)
			}
			if err := verifyImages(ctx, tg, imgs, done, 3); err != nil {
				t.Fatal(err)
			}
			lat, err := headLatency(ctx, tg, imgs[0], 2, 10, time.Minute)
			if err != nil || len(lat) != 10 {
				t.Fatalf("headLatency: %d latencies, %v", len(lat), err)
			}
			if k == kindFakeghcr {
				if rate, err := tokenRate(ctx, tg, 20, 4, time.Minute); err != nil || rate <= 0 {
					t.Fatalf("tokenRate: %v, %v", rate, err)
				}
			}
		})
	}
}

// TestPullDetectsCorruption: a server that answers with other bytes, or
// with too few, fails the pull.
func TestPullDetectsCorruption(t *testing.T) {
	t.Parallel()
	b, err := newBlob(randomBytes(4<<10, 5))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"other bytes", randomBytes(4<<10, 6)},
		{"truncated", randomBytes(4<<10, 5)[:100]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v2/" {
					return
				}
				_, _ = w.Write(tc.body)
			}))
			defer srv.Close()
			tg := newTarget(kindBare, srv.URL)
			defer tg.close()
			if _, err := pullBlob(t.Context(), tg, mustRepo(t, tg, "corrupt"), b); err == nil {
				t.Error("pull of corrupted content succeeded")
			}
		})
	}
}

// TestRun runs the whole harness with tiny workloads: real processes,
// (distribution too when its binary is installed), the table and the doc.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds fakeghcr and starts servers")
	}
	t.Parallel()
	out := filepath.Join(t.TempDir(), "benchmarks.md")
	args := []string{"-o", out, "-reps", "1", "-starts", "1", "-fixtures", "1", "-big-mib", "2",
		"-small-count", "10", "-images", "4", "-image-clients", "2", "-tokens", "20", "-heads", "10",
		"-store-mib", "4", "-store-blob-mib", "2", "-limit-reps", "1", "-timeout", "3m"}
	if _, err := findRegistry(t.Context(), ""); err != nil {
		args = append(args, "-no-distribution")
	}
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("run = %d\nstderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "| 2 MiB push |") {
		t.Errorf("stdout has no table:\n%s", stdout.String())
	}
	doc, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Benchmarks", "go run ./bench -o docs/benchmarks.md", "| 2 MiB push |", "## Profiling",
		"## Against the physical limit", "| server CPU, 2 MiB push | CPU s/GB"} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("doc lacks %q", want)
		}
	}
}

// TestLimitRegistry: the physical limit stores what the client pushes,
// chunked and monolithic, refuses a wrong digest, and serves it back.
func TestLimitRegistry(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(newLimitRegistry())
	defer srv.Close()
	tg := newTarget(kindLimit, srv.URL)
	defer tg.close()
	repo := mustRepo(t, tg, "limit")
	for _, size := range []int{0, 1, 4 << 10, 5<<20 + 3} {
		b, err := newBlob(randomBytes(size, uint64(size)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pushBlob(t.Context(), tg, repo, b); err != nil {
			t.Fatalf("push %d bytes: %v", size, err)
		}
		if _, err := pullBlob(t.Context(), tg, repo, b); err != nil {
			t.Fatalf("pull %d bytes: %v", size, err)
		}
	}
	body := []byte("monolithic")
	for _, tc := range []struct {
		digest string
		want   int
	}{
		{"sha256:" + sha256Hex(body), http.StatusCreated},
		{"sha256:" + sha256Hex([]byte("other")), http.StatusBadRequest},
	} {
		resp, err := srv.Client().Post(srv.URL+"/v2/alice/limit/blobs/uploads/?digest="+tc.digest, "application/octet-stream", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("monolithic POST with %s: %s, want %d", tc.digest, resp.Status, tc.want)
		}
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestProcCPU reads this process's CPU time, which grows as it works.
func TestProcCPU(t *testing.T) {
	t.Parallel()
	before, err := procCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	after := before
	for after <= before && time.Now().Before(deadline) {
		_ = sha256.Sum256(randomBytes(1<<20, 1))
		if after, err = procCPU(os.Getpid()); err != nil {
			t.Fatal(err)
		}
	}
	if after <= before {
		t.Errorf("CPU time did not grow from %v in 5 s of hashing", before)
	}
}

// fixtureTarget serves kind k's Go fixture for the test.
func fixtureTarget(tb testing.TB, k kind) *target {
	tb.Helper()
	var srv *httptest.Server
	stop := func() {}
	switch k {
	case kindFakeghcr:
		var err error
		if srv, stop, err = newFakeghcr(); err != nil {
			tb.Fatal(err)
		}
	case kindBare:
		srv = newBare()
	default:
		tb.Fatalf("no fixture for %s", k.label())
	}
	tg := newTarget(k, srv.URL)
	tb.Cleanup(func() { tg.close(); srv.Close(); stop() })
	return tg
}

func mustRepo(tb testing.TB, tg *target, path string) name.Repository {
	tb.Helper()
	r, err := tg.repo(path)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// The benchmarks drive the harness's workloads against the in-process
// fixtures, for profiles (go test ./bench -run '^$' -bench Fakeghcr/push-big
// -cpuprofile cpu.out). The profile holds the client as well as the server.

func BenchmarkFakeghcr(b *testing.B) { benchWorkloads(b, kindFakeghcr) }
func BenchmarkBare(b *testing.B)     { benchWorkloads(b, kindBare) }

func benchWorkloads(b *testing.B, k kind) {
	const bigSize = 256 << 20
	b.Run("push-big", func(b *testing.B) {
		data := randomBytes(bigSize, 1)
		b.SetBytes(bigSize)
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			data[0] = byte(i)
			data[1] = byte(i >> 8)
			blob, err := newBlob(data)
			if err != nil {
				b.Fatal(err)
			}
			tg := fixtureTarget(b, k) // a fresh server: memory does not pile up
			b.StartTimer()
			if _, err := pushBlob(b.Context(), tg, mustRepo(b, tg, "bench-big"), blob); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pull-big", func(b *testing.B) {
		tg := fixtureTarget(b, k)
		repo := mustRepo(b, tg, "bench-big")
		blob, err := newBlob(randomBytes(bigSize, 2))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := pushBlob(b.Context(), tg, repo, blob); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(bigSize)
		for b.Loop() {
			if _, err := pullBlob(b.Context(), tg, repo, blob); err != nil {
				b.Fatal(err)
			}
		}
	})
	const smallCount = 1000
	b.Run("small-push-8", func(b *testing.B) {
		tg := fixtureTarget(b, k)
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			blobs, err := randomBlobs(smallCount, 4<<10, uint64(10+i))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			pushed, _, err := pushBlobs(b.Context(), tg, mustRepo(b, tg, "bench-small"), blobs, 8, time.Minute)
			if err != nil || len(pushed) != smallCount {
				b.Fatalf("pushed %d of %d: %v", len(pushed), smallCount, err)
			}
		}
	})
	b.Run("small-pull-8", func(b *testing.B) {
		tg := fixtureTarget(b, k)
		repo := mustRepo(b, tg, "bench-small")
		blobs, err := randomBlobs(smallCount, 4<<10, 3)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := pushBlobs(b.Context(), tg, repo, blobs, 8, time.Minute); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if n, _, err := pullBlobs(b.Context(), tg, repo, blobs, 8, time.Minute); err != nil || n != smallCount {
				b.Fatalf("pulled %d of %d: %v", n, smallCount, err)
			}
		}
	})
	b.Run("images-16", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			imgs, err := randomImages(200, 3, imageLayerSize, uint64(20+i))
			if err != nil {
				b.Fatal(err)
			}
			tg := fixtureTarget(b, k) // a fresh server: every client creates its package
			b.StartTimer()
			if pushed, _, err := pushImages(b.Context(), tg, imgs, 16, time.Minute); err != nil || len(pushed) != len(imgs) {
				b.Fatalf("pushed %d of %d: %v", len(pushed), len(imgs), err)
			}
		}
	})
	if k == kindFakeghcr {
		b.Run("token", func(b *testing.B) {
			tg := fixtureTarget(b, k)
			for b.Loop() {
				if _, err := tokenRate(b.Context(), tg, 1000, tokenConc, time.Minute); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("head", func(b *testing.B) {
		tg := fixtureTarget(b, k)
		imgs, err := randomImages(1, 1, 4<<10, 4)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := headLatency(b.Context(), tg, imgs[0], 0, 1000, time.Minute); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFixtureStart is the Go fixture's start-up, for profiles.
func BenchmarkFixtureStart(b *testing.B) {
	for _, k := range []kind{kindFakeghcr, kindBare} {
		b.Run(k.label(), func(b *testing.B) {
			for b.Loop() {
				if _, err := fixtureStart(k); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
