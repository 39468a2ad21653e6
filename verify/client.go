package verify

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/stream"

	"github.com/fakeghcr/fakeghcr/scenarios"
)

// Client acts as one user, with one secret ("" is anonymous), against
// one registry host (host:port, plain HTTP), through go-containerregistry's
// remote package and its token dance.
type Client struct {
	Host, Secret string
	// Transport is the base transport; nil is http.DefaultTransport. Wrap
	// it in a Recorder to see the refusals.
	Transport http.RoundTripper
}

func (c Client) auth() authn.Authenticator {
	if c.Secret == "" {
		return authn.Anonymous
	}
	return &authn.Basic{Username: "x", Password: c.Secret}
}

func (c Client) options(ctx context.Context) []remote.Option {
	tr := c.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	return []remote.Option{remote.WithContext(ctx), remote.WithAuth(c.auth()), remote.WithTransport(tr)}
}

func (c Client) ref(pkg, tag string) (name.Reference, error) {
	if tag == "" {
		tag = scenarios.DefaultTag
	}
	return name.ParseReference(c.Host+"/"+pkg+":"+tag, name.Insecure)
}

// Push writes a small random image (one 256-byte layer) to pkg:tag as
// crane does, and returns its digest: every blob is HEADed first, so a
// credential that may not read the package is refused at that HEAD, with
// a 403 and no body (as GHCR does [T13 #981]).
func (c Client) Push(ctx context.Context, pkg, tag string) (string, error) {
	img, err := random.Image(256, 1)
	if err != nil {
		return "", err
	}
	return c.write(ctx, pkg, tag, img)
}

// PushStreamed writes a small random image whose layer is streamed, as
// docker push does for a layer the registry has not seen: no blob HEAD,
// the upload POST is the first write request, so a refusal comes with
// GHCR's body. It returns the image's digest.
func (c Client) PushStreamed(ctx context.Context, pkg, tag string) (string, error) {
	data := make([]byte, 256)
	if _, err := rand.Read(data); err != nil {
		return "", err
	}
	img, err := mutate.AppendLayers(empty.Image, stream.NewLayer(io.NopCloser(bytes.NewReader(data))))
	if err != nil {
		return "", err
	}
	return c.write(ctx, pkg, tag, img)
}

func (c Client) write(ctx context.Context, pkg, tag string, img v1.Image) (string, error) {
	ref, err := c.ref(pkg, tag)
	if err != nil {
		return "", err
	}
	if err := remote.Write(ref, img, c.options(ctx)...); err != nil {
		return "", err
	}
	d, err := img.Digest()
	if err != nil {
		return "", err
	}
	return d.String(), nil
}

// Pull gets the manifest of pkg:tag and returns its digest.
func (c Client) Pull(ctx context.Context, pkg, tag string) (string, error) {
	ref, err := c.ref(pkg, tag)
	if err != nil {
		return "", err
	}
	desc, err := remote.Get(ref, c.options(ctx)...)
	if err != nil {
		return "", err
	}
	return desc.Digest.String(), nil
}

// Tags lists the tags of pkg.
func (c Client) Tags(ctx context.Context, pkg string) ([]string, error) {
	repo, err := name.NewRepository(c.Host+"/"+pkg, name.Insecure)
	if err != nil {
		return nil, err
	}
	return remote.List(repo, c.options(ctx)...)
}

// Login is docker login: see the package function Login.
func (c Client) Login(ctx context.Context) error {
	tr := c.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	return Login(ctx, c.Host, c.Secret, tr)
}

// do plays one entry; nil means the registry accepted it.
func (c Client) do(ctx context.Context, e scenarios.Expect, headFirst bool) error {
	var err error
	switch e.Action {
	case scenarios.ActionLogin:
		err = c.Login(ctx)
	case scenarios.ActionPush:
		if headFirst {
			_, err = c.Push(ctx, e.Package, e.Tag)
		} else {
			_, err = c.PushStreamed(ctx, e.Package, e.Tag)
		}
	case scenarios.ActionPull:
		_, err = c.Pull(ctx, e.Package, e.Tag)
	default:
		err = fmt.Errorf("unknown action %q", e.Action)
	}
	return err
}

// Login is docker login's exchange with go-containerregistry's transport:
// GET /v2/ (401 with the challenge), GET /token with Basic and no scope,
// then GET /v2/ with the bearer. An empty secret logs in anonymously.
func Login(ctx context.Context, host, secret string, base http.RoundTripper) error {
	reg, err := name.NewRegistry(host, name.Insecure)
	if err != nil {
		return err
	}
	var auth authn.Authenticator = authn.Anonymous
	if secret != "" {
		auth = &authn.Basic{Username: "x", Password: secret}
	}
	tr, err := transport.NewWithContext(ctx, reg, auth, base, nil)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, reg.Scheme()+"://"+host+"/v2/", nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return transport.CheckError(resp, http.StatusOK)
}

// Answer returns the status, code and message of the refused request
// behind a client's error (a *transport.Error); for other errors the
// status is 0 and the message is the error's text.
func Answer(err error) (status int, code, message string) { return fromError(err) }

// fromError extracts the refused request's status, code and message.
func fromError(err error) (status int, code, message string) {
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return 0, "", err.Error()
	}
	if len(terr.Errors) == 0 {
		return terr.StatusCode, "", ""
	}
	return terr.StatusCode, string(terr.Errors[0].Code), terr.Errors[0].Message
}

// refusedRequest names the request behind a client's error.
func refusedRequest(err error) string {
	var terr *transport.Error
	if !errors.As(err, &terr) || terr.Request == nil {
		return ""
	}
	return terr.Request.Method + " " + terr.Request.URL.RequestURI()
}

// Exchange is one response seen by a Recorder.
type Exchange struct {
	Method, URL string
	Status      int
	// Reason, Explanation and Fix are fakeghcr's X-Fakeghcr-* headers (set
	// on refusals).
	Reason, Explanation, Fix string
	// Body is kept for refusals (status >= 400), up to 64 KiB.
	Body []byte
}

// Recorder is an http.RoundTripper that remembers every response's status,
// fakeghcr headers and refusal body. It is safe for concurrent use (the
// clients upload blobs in parallel).
type Recorder struct {
	// Inner is the transport that sends; nil is http.DefaultTransport.
	Inner http.RoundTripper
	mu    sync.Mutex
	seen  []Exchange
}

const maxKeptBody = 64 << 10

// RoundTrip implements http.RoundTripper.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	inner := r.Inner
	if inner == nil {
		inner = http.DefaultTransport
	}
	resp, err := inner.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	x := Exchange{
		Method: req.Method, URL: req.URL.String(), Status: resp.StatusCode,
		Reason:      resp.Header.Get("X-Fakeghcr-Reason"),
		Explanation: resp.Header.Get("X-Fakeghcr-Explanation"),
		Fix:         resp.Header.Get("X-Fakeghcr-Fix"),
	}
	if resp.StatusCode >= 400 && resp.Body != nil {
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxKeptBody))
		resp.Body.Close()
		if rerr != nil {
			return nil, rerr
		}
		x.Body = body
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.mu.Lock()
	r.seen = append(r.seen, x)
	r.mu.Unlock()
	return resp, nil
}

// Refusal returns the response behind a client's error: the last one with
// the error's status (clients stop at the refusal they report).
func (r *Recorder) Refusal(err error) (Exchange, bool) {
	status, _, _ := fromError(err)
	return r.lastRefusal(status)
}

func (r *Recorder) lastRefusal(status int) (Exchange, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.seen) - 1; i >= 0; i-- {
		if x := r.seen[i]; x.Status == status && status >= 400 {
			return x, true
		}
	}
	return Exchange{}, false
}

func (r *Recorder) reasonFor(status int) string {
	x, _ := r.lastRefusal(status)
	return x.Reason
}
