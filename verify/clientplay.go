package verify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/fakeghcr/fakeghcr/clientlines"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// ClientPlay is one operation played in a client's request order.
type ClientPlay struct {
	// Host is the registry (host:port, plain HTTP).
	Host string
	// Secret is the password the client presents; "" is anonymous.
	Secret string
	// Client is the table whose plan gives the request order.
	Client *clientlines.Client
	// Transport is the base transport; nil is http.DefaultTransport.
	Transport http.RoundTripper
}

// Play sends op's requests for pkg:tag in the client's order and returns GHCR's answer to
// the first refused one (refused=false when none is). A push that no request refuses is
// then completed (a small image is written), so the tag exists afterwards as it would after
// the client's push; a HEAD answered 404 is not a refusal.
func (p ClientPlay) Play(ctx context.Context, op clientlines.Op, pkg, tag string) (a clientlines.Answer, refused bool, err error) {
	plan := p.Client.Plan(op)
	hc := &http.Client{Transport: p.Transport}
	if hc.Transport == nil {
		hc.Transport = http.DefaultTransport
	}
	base := "http://" + p.Host
	var token string
	for _, r := range plan.Order {
		var req *http.Request
		switch r {
		case clientlines.Token:
			q := url.Values{"scope": {"repository:" + pkg + ":" + plan.Scope}, "service": {"ghcr.io"}}
			req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"/token?"+q.Encode(), nil)
			if err == nil && p.Secret != "" {
				req.SetBasicAuth("x", p.Secret)
			}
		case clientlines.BlobHead:
			req, err = http.NewRequestWithContext(ctx, http.MethodHead, base+"/v2/"+pkg+"/blobs/"+randomDigest(), nil)
		case clientlines.ManifestHead:
			req, err = http.NewRequestWithContext(ctx, http.MethodHead, base+"/v2/"+pkg+"/manifests/"+randomDigest(), nil)
		case clientlines.BlobPost:
			req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/v2/"+pkg+"/blobs/uploads/", nil)
		case clientlines.ManifestGet:
			req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"/v2/"+pkg+"/manifests/"+tag, nil)
			if req != nil {
				req.Header.Set("Accept", strings.Join(manifestTypes, ", "))
			}
		case clientlines.ManifestPut:
			return p.finishPush(ctx, op, pkg, tag)
		default:
			return a, false, fmt.Errorf("unknown request %q", r)
		}
		if err != nil {
			return a, false, err
		}
		if r != clientlines.Token && token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return a, false, err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeptBody))
		resp.Body.Close()
		if err != nil {
			return a, false, err
		}
		if resp.StatusCode >= 400 && !(resp.StatusCode == http.StatusNotFound && (r == clientlines.BlobHead || r == clientlines.ManifestHead)) {
			a = clientlines.Answer{Op: op, Request: r, Status: resp.StatusCode}
			if req.Method == http.MethodHead && plan.HeadBody {
				if body, err = p.getBody(ctx, hc, req); err != nil {
					return a, false, err
				}
			}
			a.Code, a.Message = firstError(body)
			return a, true, nil
		}
		if r == clientlines.Token {
			var t struct {
				Token string `json:"token"`
			}
			if err := json.Unmarshal(body, &t); err != nil {
				return a, false, fmt.Errorf("token response: %w", err)
			}
			token = t.Token
		}
	}
	if op == clientlines.Push {
		return p.finishPush(ctx, op, pkg, tag)
	}
	return a, false, nil
}

// finishPush writes a small image (Client.PushStreamed) and reports its refusal, if any, as
// the client would meet it.
func (p ClientPlay) finishPush(ctx context.Context, op clientlines.Op, pkg, tag string) (clientlines.Answer, bool, error) {
	rec := &Recorder{Inner: p.Transport}
	_, err := Client{Host: p.Host, Secret: p.Secret, Transport: rec}.PushStreamed(ctx, pkg, tag)
	if err == nil {
		return clientlines.Answer{}, false, nil
	}
	x, ok := rec.Refusal(err)
	if !ok {
		return clientlines.Answer{}, false, err
	}
	a := clientlines.Answer{Op: op, Status: x.Status}
	a.Code, a.Message = firstError(x.Body)
	switch {
	case strings.Contains(x.URL, "/token"):
		a.Request = clientlines.Token
	case strings.Contains(x.URL, "/blobs/uploads/"):
		a.Request = clientlines.BlobPost
	case strings.Contains(x.URL, "/manifests/"):
		a.Request = clientlines.ManifestPut
	default:
		return a, false, fmt.Errorf("refused %s %s: %w", x.Method, x.URL, err)
	}
	return a, true, nil
}

var manifestTypes = []string{
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.docker.distribution.manifest.v2+json",
}

// firstError returns the first error of a registry error body, if it has one.
func firstError(body []byte) (code, message string) {
	var e struct {
		Errors []ErrorEntry `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.Errors) == 0 {
		return "", ""
	}
	return e.Errors[0].Code, e.Errors[0].Message
}

func randomDigest() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "sha256:" + hex.EncodeToString(b)
}

// playAs plays a push or pull entry in the order of Options.Client. The entry passes when
// the client is refused exactly when the entry expects a refusal and, where the client's
// first refused request carries GHCR's error body (the token request, the upload POST, the
// manifest GET or PUT), with the entry's status, code and message. A HEAD refused earlier
// (403, no body) passes for a 403 entry: that is where HEAD-first clients stop when the
// credential cannot read the package.
func (p *player) playAs(ctx context.Context, e scenarios.Expect, secret string, r Result) Result {
	tag := e.Tag
	if tag == "" {
		tag = scenarios.DefaultTag
	}
	c := p.opts.Client
	a, refused, err := ClientPlay{Host: p.host, Secret: secret, Client: c, Transport: p.opts.Transport}.
		Play(ctx, clientlines.Op(e.Action), e.Package, tag)
	if err != nil {
		r.Err = err
		r.Diff = err.Error()
		return r
	}
	out := &ClientOutcome{Name: c.Name, Refused: refused, Answer: a}
	r.Client = out
	if !refused {
		r.Status = successStatus(e.Action)
	} else {
		r.Status, r.Code, r.Message = a.Status, a.Code, a.Message
		r.Request = string(a.Request)
		if l, ok := c.Line(a); ok {
			out.Line = l.Render(c, a, GHCRVars(e.Package, tag))
		}
	}
	want := answer{Status: e.Status, Code: e.Code, Message: e.Message}
	got := answer{Status: r.Status, Code: r.Code, Message: r.Message}
	headStop := refused && (a.Request == clientlines.BlobHead || a.Request == clientlines.ManifestHead)
	if headStop && e.Status == a.Status {
		got.Code, got.Message = want.Code, want.Message
		r.Note = fmt.Sprintf("%s stops at a %s refused without a body, before the request the entry describes", c.Name, a.Request)
	}
	r.Diff = want.diff(got)
	r.Pass = r.Diff == ""
	if r.Pass && refused && out.Line == "" {
		r.Pass = false
		r.Diff = fmt.Sprintf("the %s table has no line for %s %s %d %s %q", c.Name, a.Op, a.Request, a.Status, a.Code, a.Message)
	}
	return r
}

// GHCRVars are the placeholders of a client line as a user of ghcr.io sees them.
func GHCRVars(pkg, tag string) clientlines.Vars {
	return clientlines.Vars{URL: "https://ghcr.io", Host: "ghcr.io", Repo: pkg, Tag: tag, Digest: "sha256:…", Time: "…"}
}

// getBody GETs the URL of a refused HEAD with the same headers and returns the error body.
func (p ClientPlay) getBody(ctx context.Context, hc *http.Client, head *http.Request) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, head.URL.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header = head.Header.Clone()
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(io.LimitReader(resp.Body, maxKeptBody))
}
