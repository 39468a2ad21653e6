package soak_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
)

// client is one soak client: alice's classic PAT, its own package, a
// registry token for it, and raw OCI requests, so that every byte and
// status is checked.
type client struct {
	base  string // http://127.0.0.1:port
	http  *http.Client
	pkg   string // alice/soak-NN
	basic string
	token string
}

func newClient(base string, hc *http.Client, pkg string) *client {
	return &client{base: base, http: hc, pkg: pkg,
		basic: "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+aliceSecret))}
}

// login gets a registry token for push and pull on the client's package.
func (c *client) login() error {
	req, _ := http.NewRequest(http.MethodGet, c.base+"/token?service=ghcr.io&scope=repository:"+c.pkg+":pull,push", nil)
	req.Header.Set("Authorization", c.basic)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || body.Token == "" {
		return fmt.Errorf("GET /token: %s (%v)", resp.Status, err)
	}
	c.token = body.Token
	return nil
}

// do sends one request and checks its status; it returns the response
// with its body read.
func (c *client) do(method, path string, body []byte, header http.Header, want int) (*http.Response, []byte, error) {
	u := path
	if !strings.HasPrefix(u, "http") {
		u = c.base + path
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return nil, nil, fmt.Errorf("%s %s: %s, want %d: %.300s", method, path, resp.Status, want, data)
	}
	return resp, data, nil
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// pushMonolithic uploads b in one POST.
func (c *client) pushMonolithic(b []byte) (string, error) {
	d := digestOf(b)
	_, _, err := c.do(http.MethodPost, "/v2/"+c.pkg+"/blobs/uploads/?digest="+url.QueryEscape(d), b,
		http.Header{"Content-Type": {"application/octet-stream"}}, http.StatusCreated)
	return d, err
}

// pushChunked uploads b as POST, ranged PATCHes of at most chunk bytes
// and a PUT with no body.
func (c *client) pushChunked(b []byte, chunk int) (string, error) {
	d := digestOf(b)
	resp, _, err := c.do(http.MethodPost, "/v2/"+c.pkg+"/blobs/uploads/", nil, nil, http.StatusAccepted)
	if err != nil {
		return "", err
	}
	loc := resp.Header.Get("Location")
	for off := 0; off < len(b); off += chunk {
		end := min(off+chunk, len(b))
		h := http.Header{"Content-Type": {"application/octet-stream"}, "Content-Range": {fmt.Sprintf("%d-%d", off, end-1)}}
		if resp, _, err = c.do(http.MethodPatch, loc, b[off:end], h, http.StatusAccepted); err != nil {
			return "", err
		}
		loc = resp.Header.Get("Location")
	}
	sep := "?"
	if strings.Contains(loc, "?") {
		sep = "&"
	}
	_, _, err = c.do(http.MethodPut, loc+sep+"digest="+url.QueryEscape(d), nil, nil, http.StatusCreated)
	return d, err
}

// pushManifest puts an image manifest naming config and layers under tag.
func (c *client) pushManifest(tag string, config string, configSize int, layers []string, sizes []int) (string, error) {
	type desc struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int    `json:"size"`
	}
	m := struct {
		SchemaVersion int    `json:"schemaVersion"`
		MediaType     string `json:"mediaType"`
		Config        desc   `json:"config"`
		Layers        []desc `json:"layers"`
	}{2, ociManifest, desc{"application/vnd.oci.image.config.v1+json", config, configSize}, nil}
	for i, l := range layers {
		m.Layers = append(m.Layers, desc{"application/vnd.oci.image.layer.v1.tar", l, sizes[i]})
	}
	body, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	_, _, err = c.do(http.MethodPut, "/v2/"+c.pkg+"/manifests/"+tag, body, http.Header{"Content-Type": {ociManifest}}, http.StatusCreated)
	return digestOf(body), err
}

// pullBlob fetches blob d and checks its digest and size.
func (c *client) pullBlob(d string, size int) error {
	_, data, err := c.do(http.MethodGet, "/v2/"+c.pkg+"/blobs/"+d, nil, nil, http.StatusOK)
	if err != nil {
		return err
	}
	if got := digestOf(data); got != d || len(data) != size {
		return fmt.Errorf("blob %s: got %d bytes hashing to %s, want %d bytes", d, len(data), got, size)
	}
	return nil
}

// pullTag fetches the manifest tagged tag and checks its digest.
func (c *client) pullTag(tag, want string) error {
	_, data, err := c.do(http.MethodGet, "/v2/"+c.pkg+"/manifests/"+tag, nil, http.Header{"Accept": {ociManifest}}, http.StatusOK)
	if err != nil {
		return err
	}
	if got := digestOf(data); got != want {
		return fmt.Errorf("manifest %s:%s is %s, want %s", c.pkg, tag, got, want)
	}
	return nil
}

const ociManifest = "application/vnd.oci.image.manifest.v1+json"

// content returns size bytes determined by seed.
func content(seed uint64, size int) []byte {
	b := make([]byte, size)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24), byte(seed >> 32)})
	_, _ = r.Read(b)
	return b
}
