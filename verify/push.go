package verify

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/fakeghcr/fakeghcr/scenarios"
)

// Media types of the image, Docker's as ggcr's random.Image and
// empty.Image have them.
const (
	mediaManifest = "application/vnd.docker.distribution.manifest.v2+json"
	mediaConfig   = "application/vnd.docker.container.image.v1+json"
	mediaLayer    = "application/vnd.docker.image.rootfs.diff.tar.gzip"
)

// manifestAccept is ggcr's Accept for a manifest GET or HEAD.
const manifestAccept = "application/vnd.docker.distribution.manifest.v1+json," +
	"application/vnd.docker.distribution.manifest.v1+prettyjws," +
	"application/vnd.docker.distribution.manifest.v2+json," +
	"application/vnd.oci.image.manifest.v1+json," +
	"application/vnd.docker.distribution.manifest.list.v2+json," +
	"application/vnd.oci.image.index.v1+json"

// blob is a layer or a config to upload.
type blob struct {
	data   []byte
	digest string
	// streamed is a layer whose digest the client learns only by sending
	// it (docker push of a new layer, ggcr's stream.Layer): no HEAD, a
	// PATCH without a length, and it can be sent once.
	streamed, sent bool
}

// image is a small image: one layer, its config, the manifest.
type image struct {
	layer, config blob
	manifest      []byte
	digest        string
}

// newImage makes a random image of one layer holding 256 random bytes: a
// tar of one file as random.Image makes it, or, streamed, the bytes
// themselves as stream.NewLayer compresses them (gzip, best speed).
func newImage(streamed bool) (*image, error) {
	data := make([]byte, 256)
	if _, err := rand.Read(data); err != nil {
		return nil, err
	}
	history := `{"created":"0001-01-01T00:00:00Z"}`
	if !streamed {
		var tb bytes.Buffer
		tw := tar.NewWriter(&tb)
		name := fmt.Sprintf("random_file_%x.txt", data[:8])
		if err := tw.WriteHeader(&tar.Header{Name: name, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
		if err := tw.Close(); err != nil {
			return nil, err
		}
		data = tb.Bytes()
		history = `{"author":"fakeghcr verify","created":"0001-01-01T00:00:00Z","created_by":"random","comment":"a random layer"}`
	}
	var zb bytes.Buffer
	zw, err := gzip.NewWriterLevel(&zb, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	img := &image{layer: blob{data: zb.Bytes(), streamed: streamed}}
	img.layer.digest = digestOf(img.layer.data)
	img.config.data = fmt.Appendf(nil, `{"architecture":"","created":"0001-01-01T00:00:00Z","history":[%s],"os":"","rootfs":{"type":"layers","diff_ids":[%q]},"config":{}}`,
		history, digestOf(data))
	img.config.digest = digestOf(img.config.data)
	img.manifest = fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":%q,"config":{"mediaType":%q,"size":%d,"digest":%q},"layers":[{"mediaType":%q,"size":%d,"digest":%q}]}`,
		mediaManifest, mediaConfig, len(img.config.data), img.config.digest, mediaLayer, len(img.layer.data), img.layer.digest)
	img.digest = digestOf(img.manifest)
	return img, nil
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// push writes img to pkg:tag in remote.Write's order (pusher.go
// writeManifest and writeLayers): after the ping and the push,pull token,
//   - known digests: HEAD the tagged manifest (a 403 or 404 means absent;
//     the same digest means done), then layer and config uploaded in
//     parallel, each HEAD first, then the manifest PUT;
//   - streamed layer: its upload (POST first), then the config's (HEAD
//     first), then the manifest HEAD and PUT.
func (c Client) push(ctx context.Context, pkg, tag string, img *image) (string, error) {
	if tag == "" {
		tag = scenarios.DefaultTag
	}
	if err := checkReference(c.Host, pkg, tag); err != nil {
		return "", err
	}
	s, err := newSession(ctx, c.Host, c.Secret, c.base(), true, "repository:"+pkg+":push,pull")
	if err != nil {
		return "", err
	}
	if img.layer.streamed {
		if err := s.upload(ctx, pkg, &img.layer); err != nil {
			return "", err
		}
		if err := s.upload(ctx, pkg, &img.config); err != nil {
			return "", err
		}
	}
	exists, err := s.manifestExists(ctx, pkg, tag, img.digest)
	if err != nil || exists {
		return img.digest, err
	}
	if !img.layer.streamed {
		if err := s.uploadAll(ctx, pkg, &img.layer, &img.config); err != nil {
			return "", err
		}
	}
	err = withRetries(ctx, func(ctx context.Context) error {
		resp, err := s.send(ctx, http.MethodPut, s.url("/v2/"+pkg+"/manifests/"+tag), mediaManifest, &blob{data: img.manifest})
		if err != nil {
			return err
		}
		defer discard(resp)
		return checkError(resp, http.StatusOK, http.StatusCreated, http.StatusAccepted)
	})
	if err != nil {
		return "", err
	}
	return img.digest, nil
}

// uploadAll uploads blobs in parallel; the first failure cancels the
// others and is returned (ggcr's errgroup).
func (s *session) uploadAll(ctx context.Context, pkg string, blobs ...*blob) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for _, b := range blobs {
		wg.Go(func() {
			if err := s.upload(ctx, pkg, b); err != nil {
				once.Do(func() { first = err; cancel(err) })
			}
		})
	}
	wg.Wait()
	return first
}

// upload is ggcr's uploadOne: HEAD the blob (unless streamed; 200 means
// there), POST an upload, PATCH the data to its Location, PUT ?digest= to
// the next Location; the whole again while it fails temporarily.
func (s *session) upload(ctx context.Context, pkg string, b *blob) error {
	return withRetries(ctx, func(ctx context.Context) error {
		if !b.streamed {
			resp, err := s.send(ctx, http.MethodHead, s.url("/v2/"+pkg+"/blobs/"+b.digest), "", nil)
			if err != nil {
				return err
			}
			discard(resp)
			if err := checkError(resp, http.StatusOK, http.StatusNotFound); err != nil {
				return err
			}
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		resp, err := s.send(ctx, http.MethodPost, s.url("/v2/"+pkg+"/blobs/uploads/"), "application/json", nil)
		if err != nil {
			return err
		}
		defer discard(resp)
		if err := checkError(resp, http.StatusCreated, http.StatusAccepted); err != nil {
			return err
		}
		if resp.StatusCode == http.StatusCreated {
			return nil // mounted
		}
		loc, err := nextLocation(resp)
		if err != nil {
			return err
		}
		if b.streamed && b.sent {
			return errors.New("stream was already consumed")
		}
		b.sent = true
		resp, err = s.send(ctx, http.MethodPatch, loc, "application/octet-stream", b)
		if err != nil {
			return err
		}
		defer discard(resp)
		if err := checkError(resp, http.StatusNoContent, http.StatusAccepted, http.StatusCreated); err != nil {
			return err
		}
		if loc, err = nextLocation(resp); err != nil {
			return err
		}
		u, err := url.Parse(loc)
		if err != nil {
			return err
		}
		q := u.Query()
		q.Set("digest", b.digest)
		u.RawQuery = q.Encode()
		resp, err = s.send(ctx, http.MethodPut, u.String(), "application/octet-stream", nil)
		if err != nil {
			return err
		}
		defer discard(resp)
		return checkError(resp, http.StatusCreated)
	})
}

// manifestExists is ggcr's manifestExists: HEAD the tagged manifest; a 403
// or 404 is "absent", another refusal fails the push.
func (s *session) manifestExists(ctx context.Context, pkg, tag, digest string) (bool, error) {
	u := s.url("/v2/" + pkg + "/manifests/" + tag)
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", manifestAccept)
	resp, err := s.hc.Do(req)
	if err != nil {
		return false, err
	}
	defer discard(resp)
	if err := checkError(resp, http.StatusOK); err != nil {
		var e *Error
		if errors.As(err, &e) && (e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusForbidden) {
			return false, nil
		}
		return false, err
	}
	switch got := resp.Header.Get("Docker-Content-Digest"); {
	case resp.Header.Get("Content-Type") == "":
		return false, fmt.Errorf("HEAD %s: response did not include Content-Type header", u)
	case resp.ContentLength == -1:
		return false, fmt.Errorf("HEAD %s: response did not include Content-Length header", u)
	case got == "":
		return false, fmt.Errorf("HEAD %s: response did not include Docker-Content-Digest header", u)
	case !validDigest(got):
		return false, fmt.Errorf("cannot parse hash: %q", got)
	default:
		return got == digest, nil
	}
}

// send sends one request of a push through the session, with body's data
// (nil: none): a streamed blob's without a length (chunked) and only once.
func (s *session) send(ctx context.Context, method, u, contentType string, body *blob) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body.data))
		if !body.streamed {
			req.ContentLength = int64(len(body.data))
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body.data)), nil }
		}
	}
	return s.hc.Do(req)
}

// nextLocation resolves an upload's Location against the request's URL.
func nextLocation(resp *http.Response) (string, error) {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return "", errors.New("missing Location header")
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "", err
	}
	return resp.Request.URL.ResolveReference(u).String(), nil
}

// validDigest reports whether d is sha256:<64 lower-case hex digits>.
func validDigest(d string) bool {
	h, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(h) != 64 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil && strings.ToLower(h) == h
}
