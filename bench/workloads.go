package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The workloads: each takes a target and content made beforehand, and
// returns how long the timed part took. None of them retries; the first
// error ends the workload and fails the run.

// pushBlob uploads one blob to repo with a fresh pusher (so the timed part
// includes the ping and, on fakeghcr, the token exchange).
func pushBlob(ctx context.Context, t *target, repo name.Repository, b blob) (time.Duration, error) {
	p, err := t.pusher(1)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := p.Upload(ctx, repo, b.layer); err != nil {
		return 0, fmt.Errorf("push %s: %w", b.digest, err)
	}
	return time.Since(start), nil
}

// pushBlobWithin is pushBlob given up after budget: it reports whether the
// push finished and, if not, how many bytes the client had sent by then.
func pushBlobWithin(ctx context.Context, t *target, repo name.Repository, b blob, budget time.Duration) (d time.Duration, sent int64, done bool, err error) {
	var n atomic.Int64
	counted := b
	counted.layer = countedLayer{b.layer, &n}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	start := time.Now()
	d, err = pushBlob(ctx, t, repo, counted)
	if err != nil && ctx.Err() != nil && time.Since(start) >= budget {
		return time.Since(start), n.Load(), false, nil
	}
	return d, n.Load(), err == nil, err
}

// pullBlob downloads one blob with a fresh puller and verifies it.
func pullBlob(ctx context.Context, t *target, repo name.Repository, b blob) (time.Duration, error) {
	p, err := t.puller(1)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := pullVerified(ctx, p, repo, b); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// pushBlobs uploads blobs with conc workers sharing one pusher, for at
// most budget; it returns the blobs pushed and the time taken.
func pushBlobs(ctx context.Context, t *target, repo name.Repository, blobs []blob, conc int, budget time.Duration) ([]blob, time.Duration, error) {
	p, err := t.pusher(conc)
	if err != nil {
		return nil, 0, err
	}
	done, d, err := boundedParallel(ctx, len(blobs), conc, budget, func(ctx context.Context, i int) error {
		if err := p.Upload(ctx, repo, blobs[i].layer); err != nil {
			return fmt.Errorf("push %s: %w", blobs[i].digest, err)
		}
		return nil
	})
	pushed := make([]blob, len(done))
	for i, j := range done {
		pushed[i] = blobs[j]
	}
	return pushed, d, err
}

// pullBlobs downloads and verifies blobs with conc workers sharing one
// puller, for at most budget; it returns how many it pulled and the time
// taken.
func pullBlobs(ctx context.Context, t *target, repo name.Repository, blobs []blob, conc int, budget time.Duration) (int, time.Duration, error) {
	p, err := t.puller(conc)
	if err != nil {
		return 0, 0, err
	}
	return pullBlobsWith(ctx, p, repo, blobs, conc, budget)
}

// pullBlobsWith is pullBlobs with a puller of the caller's, which keeps
// its token and connections from one call to the next.
func pullBlobsWith(ctx context.Context, p *remote.Puller, repo name.Repository, blobs []blob, conc int, budget time.Duration) (int, time.Duration, error) {
	done, d, err := boundedParallel(ctx, len(blobs), conc, budget, func(ctx context.Context, i int) error {
		return pullVerified(ctx, p, repo, blobs[i])
	})
	return len(done), d, err
}

// image is a small image to push, its digest computed beforehand.
type image struct {
	img    v1.Image
	digest v1.Hash
}

// randomImages makes n OCI images of layers distinct layers of layerSize
// bytes each.
func randomImages(n, layers, layerSize int, seed uint64) ([]image, error) {
	data := randomBytes(n*layers*layerSize, seed)
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	out := make([]image, n)
	for i := range out {
		ls := make([]v1.Layer, layers)
		for j := range ls {
			off := (i*layers + j) * layerSize
			ls[j] = static.NewLayer(data[off:off+layerSize:off+layerSize], types.OCILayer)
		}
		img, err := mutate.AppendLayers(base, ls...)
		if err != nil {
			return nil, err
		}
		d, err := img.Digest() // computes and caches manifest and config
		if err != nil {
			return nil, err
		}
		out[i] = image{img: img, digest: d}
	}
	return out, nil
}

// imageRepo is where client c pushes its images.
func imageRepo(t *target, c int) (name.Repository, error) {
	return t.repo(fmt.Sprintf("bench-images-%02d", c))
}

// pushImages pushes images with clients clients at once, each with its own
// pusher (and so its own token exchange on fakeghcr) and its own
// repository, for at most budget; image i goes to client i%clients as tag
// img-i. It returns the indices of the images pushed and the time taken.
func pushImages(ctx context.Context, t *target, images []image, clients int, budget time.Duration) ([]int, time.Duration, error) {
	pushers := make([]pusherFor, clients)
	for c := range pushers {
		p, err := t.pusher(4) // go-containerregistry's default: 4 blobs at once
		if err != nil {
			return nil, 0, err
		}
		repo, err := imageRepo(t, c)
		if err != nil {
			return nil, 0, err
		}
		pushers[c] = pusherFor{p, repo}
	}
	var mu sync.Mutex
	var pushed []int
	bctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	start := time.Now()
	err := parallel(bctx, clients, clients, func(ctx context.Context, c int) error {
		for i := c; i < len(images); i += clients {
			tag := pushers[c].repo.Tag(fmt.Sprintf("img-%d", i))
			if err := pushers[c].p.Push(ctx, tag, images[i].img); err != nil {
				return fmt.Errorf("push %s: %w", tag, err)
			}
			mu.Lock()
			pushed = append(pushed, i)
			mu.Unlock()
		}
		return nil
	})
	return pushed, time.Since(start), budgetErr(ctx, bctx, err)
}

// verifyImages checks that every pushed tag resolves to its image.
func verifyImages(ctx context.Context, t *target, images []image, pushed []int, clients int) error {
	p, err := t.puller(8)
	if err != nil {
		return err
	}
	return parallel(ctx, len(pushed), 8, func(ctx context.Context, j int) error {
		i := pushed[j]
		repo, err := imageRepo(t, i%clients)
		if err != nil {
			return err
		}
		d, err := p.Head(ctx, repo.Tag(fmt.Sprintf("img-%d", i)))
		if err != nil {
			return fmt.Errorf("verify img-%d: %w", i, err)
		}
		if d.Digest != images[i].digest {
			return fmt.Errorf("verify img-%d: digest %s, want %s", i, d.Digest, images[i].digest)
		}
		return nil
	})
}

// tokenRate asks fakeghcr's token service for n tokens with Basic auth,
// conc requests at once, for at most budget; it returns tokens per second.
func tokenRate(ctx context.Context, t *target, n, conc int, budget time.Duration) (float64, error) {
	client := &http.Client{Transport: t.tr}
	u := t.url + "/token?service=ghcr.io&scope=repository:" + benchUser + "/bench-token:pull,push"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(benchUser+":"+benchSecret))
	done, d, err := boundedParallel(ctx, n, conc, budget, func(ctx context.Context, _ int) error {
		_, err := getToken(ctx, client, u, basic)
		return err
	})
	if err != nil {
		return 0, err
	}
	if len(done) == 0 {
		return 0, fmt.Errorf("no token within %v", budget)
	}
	return float64(len(done)) / d.Seconds(), nil
}

// getToken asks GHCR's token service for a token.
func getToken(ctx context.Context, client *http.Client, url, authorization string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", authorization)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /token: %s", resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil || body.Token == "" {
		return "", fmt.Errorf("GET /token: no token in the answer (%v)", err)
	}
	return body.Token, nil
}

// headLatency pushes one small image, then sends warm+n HEADs of its
// manifest one after the other (on fakeghcr with a registry token, as a
// client holds one after its token exchange) for at most budget, and
// returns the latencies of those after the first warm, sorted.
func headLatency(ctx context.Context, t *target, img image, warm, n int, budget time.Duration) ([]time.Duration, error) {
	repo, err := t.repo("bench-head")
	if err != nil {
		return nil, err
	}
	p, err := t.pusher(4)
	if err != nil {
		return nil, err
	}
	if err := p.Push(ctx, repo.Tag("v1"), img.img); err != nil {
		return nil, fmt.Errorf("push %s:v1: %w", repo, err)
	}
	client := &http.Client{Transport: t.tr}
	authorization := ""
	if t.kind == kindFakeghcr {
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(benchUser+":"+benchSecret))
		tok, err := getToken(ctx, client, t.url+"/token?service=ghcr.io&scope=repository:"+repo.RepositoryStr()+":pull", basic)
		if err != nil {
			return nil, err
		}
		authorization = "Bearer " + tok
	}
	u := t.url + "/v2/" + repo.RepositoryStr() + "/manifests/v1"
	out := make([]time.Duration, 0, n)
	deadline := time.Now().Add(budget)
	for i := 0; i < warm+n && (i <= warm || time.Now().Before(deadline)); i++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", string(types.OCIManifestSchema1))
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		elapsed := time.Since(start)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Docker-Content-Digest") != img.digest.String() {
			return nil, fmt.Errorf("HEAD %s: %s, digest %q, want 200 and %s", u, resp.Status, resp.Header.Get("Docker-Content-Digest"), img.digest)
		}
		if i >= warm {
			out = append(out, elapsed)
		}
	}
	slices.Sort(out)
	return out, nil
}

// pusherFor is a pusher and the repository it pushes to.
type pusherFor struct {
	p    *remote.Pusher
	repo name.Repository
}

// boundedParallel is parallel given up after budget: it returns the
// indices done and the time taken. Running out of budget is not an error.
func boundedParallel(ctx context.Context, n, conc int, budget time.Duration, f func(ctx context.Context, i int) error) ([]int, time.Duration, error) {
	var mu sync.Mutex
	var done []int
	bctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	start := time.Now()
	err := parallel(bctx, n, conc, func(ctx context.Context, i int) error {
		if err := f(ctx, i); err != nil {
			return err
		}
		mu.Lock()
		done = append(done, i)
		mu.Unlock()
		return nil
	})
	return done, time.Since(start), budgetErr(ctx, bctx, err)
}

// budgetErr drops err when it is only the budget (bctx, derived from ctx)
// running out.
func budgetErr(ctx, bctx context.Context, err error) error {
	if err != nil && bctx.Err() != nil && ctx.Err() == nil {
		return nil
	}
	return err
}

// parallel runs f(0..n-1) on conc workers and returns the first error,
// after which the remaining indices are not started.
func parallel(ctx context.Context, n, conc int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(max(conc, 1), max(n, 1)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}
