package registry

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"

	ggcr "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/fakeghcr/fakeghcr/storage"
)

// newEngine returns go-containerregistry's registry handler serving blob
// reads from the repository-scoped store. fakeghcr routes to it only the
// requests it handles well (whole-blob GET and HEAD); uploads, ranges,
// manifests and tags are fakeghcr's own (see README: the engine holds
// global locks while reading bodies, keeps ~4x a blob in memory, and
// shares blobs across repositories).
func newEngine(store *storage.Store) http.Handler {
	return ggcr.New(
		ggcr.WithBlobHandler(blobHandler{store}),
		ggcr.Logger(log.New(io.Discard, "", 0)),
	)
}

// blobHandler adapts storage.Store to ggcr.BlobHandler and BlobStatHandler.
type blobHandler struct{ store *storage.Store }

var (
	_ ggcr.BlobHandler     = blobHandler{}
	_ ggcr.BlobStatHandler = blobHandler{}
)

func (b blobHandler) Stat(_ context.Context, repo string, h v1.Hash) (int64, error) {
	size, ok := b.store.Stat(repo, h)
	if !ok {
		return 0, ggcr.ErrNotFound
	}
	return size, nil
}

func (b blobHandler) Get(_ context.Context, repo string, h v1.Hash) (io.ReadCloser, error) {
	blob, err := b.store.Open(repo, h)
	if errors.Is(err, storage.ErrBlobUnknown) {
		return nil, ggcr.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return readCloser{blob.NewReader()}, nil
}

// readCloser keeps the reader's WriterTo visible to io.Copy.
type readCloser struct{ io.ReadSeeker }

func (readCloser) Close() error { return nil }

func (r readCloser) WriteTo(w io.Writer) (int64, error) {
	if wt, ok := r.ReadSeeker.(io.WriterTo); ok {
		return wt.WriteTo(w)
	}
	return io.Copy(w, r.ReadSeeker)
}
