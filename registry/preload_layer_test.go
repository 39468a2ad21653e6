package registry

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"io"
	"testing"
)

// TestPreloadLayerGzip: the gzip written out in preload.go unzips to the
// preloaded layer's tar, so its diff_id and its digest describe one layer.
func TestPreloadLayerGzip(t *testing.T) {
	layer, err := preloadLayer()
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(layer.gz))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, layer.diff) {
		t.Fatalf("the layer's gzip unzips to %d bytes that are not its %d-byte tar", len(got), len(layer.diff))
	}
	// The digests users see (docs, answers) were those of compress/gzip's
	// output; this one is still the one it writes today.
	var want bytes.Buffer
	zw := gzip.NewWriter(&want)
	if _, err := zw.Write(layer.diff); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want.Bytes(), layer.gz) {
		t.Logf("compress/gzip now writes %s; the preloaded layer keeps its bytes and digest", hex.EncodeToString(want.Bytes()))
	}
}
