package storage

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// pattern returns n deterministic, non-repeating-looking bytes.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestChunkBufferGrowsAndHashesAsItReads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		size       int
		wantChunks []int // capacities before finish
	}{
		{"empty", 0, []int{minChunkSize}},
		{"small", 4 << 10, []int{minChunkSize}},
		{"exactly one chunk", minChunkSize, []int{minChunkSize, minChunkSize}},
		{"doubling", 5 * minChunkSize, []int{minChunkSize, minChunkSize, 2 * minChunkSize, 4 * minChunkSize}},
		{"capped", 20 << 20, []int{64 << 10, 64 << 10, 128 << 10, 256 << 10, 512 << 10, 1 << 20, 2 << 20, 4 << 20, 4 << 20, 4 << 20, 4 << 20, 4 << 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := pattern(tt.size)
			var c chunkBuffer
			h := sha256.New()
			// OneByteReader and HalfReader make reads end mid-chunk.
			n, err := c.readFrom(iotest.HalfReader(bytes.NewReader(data)), h, 1<<40)
			if err != nil || n != int64(tt.size) || c.size != int64(tt.size) {
				t.Fatalf("readFrom = %d, %v; size %d; want %d", n, err, c.size, tt.size)
			}
			var caps []int
			for _, ch := range c.chunks {
				caps = append(caps, cap(ch))
			}
			if !equalInts(caps, tt.wantChunks) {
				t.Errorf("chunk capacities = %v, want %v", caps, tt.wantChunks)
			}
			if got, want := h.Sum(nil), sha256.Sum256(data); !bytes.Equal(got, want[:]) {
				t.Errorf("hash differs from sha256 of the data")
			}
			chunks := c.finish()
			var total, capacity int
			for _, ch := range chunks {
				if len(ch) == 0 {
					t.Errorf("finish kept an empty chunk")
				}
				total += len(ch)
				capacity += cap(ch)
			}
			if total != tt.size {
				t.Errorf("finished chunks hold %d bytes, want %d", total, tt.size)
			}
			if limit := tt.size + tt.size/16 + 1<<10; capacity > limit {
				t.Errorf("finished chunks have capacity %d for %d bytes (limit %d)", capacity, tt.size, limit)
			}
			b := newBlob(Digest{}, chunks)
			got, err := io.ReadAll(b.NewReader())
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("blob reads back %d bytes, %v; want the %d written", len(got), err, len(data))
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestChunkBufferLimitAndTruncate(t *testing.T) {
	t.Parallel()
	data := pattern(300 << 10)
	var c chunkBuffer
	h := sha256.New()
	if n, err := c.readFrom(bytes.NewReader(data[:100<<10]), h, 1<<40); n != 100<<10 || err != nil {
		t.Fatalf("first readFrom = %d, %v", n, err)
	}
	// The limit stops reading exactly and reports that there was more.
	n, err := c.readFrom(bytes.NewReader(data[100<<10:]), h, 10)
	if n != 10 || !errors.Is(err, errOverLimit) || c.size != 100<<10+10 {
		t.Fatalf("limited readFrom = %d, %v, size %d", n, err, c.size)
	}
	if got, want := h.Sum(nil), sha256.Sum256(data[:100<<10+10]); !bytes.Equal(got, want[:]) {
		t.Fatal("hash covers the probed byte")
	}
	for _, size := range []int64{100<<10 + 10, 100 << 10, minChunkSize, minChunkSize - 1, 1, 0} {
		c.truncate(size)
		if c.size != size {
			t.Fatalf("truncate(%d): size %d", size, c.size)
		}
		var total int64
		for i, ch := range c.chunks {
			total += int64(len(ch))
			if i < len(c.chunks)-1 && len(ch) != cap(ch) {
				t.Fatalf("truncate(%d): chunk %d of %d is not full", size, i, len(c.chunks))
			}
		}
		if total != size {
			t.Fatalf("truncate(%d): chunks hold %d bytes", size, total)
		}
	}
	// Appending after a truncate reuses the spare capacity correctly.
	if _, err := c.readFrom(bytes.NewReader(data), sha256.New(), 1<<40); err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(newBlob(Digest{}, c.finish()).NewReader())
	if !bytes.Equal(got, data) {
		t.Fatal("bytes after truncate and append differ")
	}
}

// TestChunkBufferExactChunks checks that 4 MiB PATCHes capped at 4 MiB,
// as GHCR clients send them, fill whole 4 MiB chunks and leave no tiny
// chunk behind from probing for more data.
func TestChunkBufferExactChunks(t *testing.T) {
	t.Parallel()
	data := pattern(maxChunkSize)
	var c chunkBuffer
	h := sha256.New()
	for i := range 4 {
		n, err := c.readFrom(bytes.NewReader(data), h, maxChunkSize)
		if n != maxChunkSize || err != nil {
			t.Fatalf("PATCH %d: readFrom = %d, %v", i, n, err)
		}
	}
	for i, ch := range c.chunks[len(c.chunks)-3:] {
		if len(ch) != maxChunkSize || cap(ch) != maxChunkSize {
			t.Errorf("chunk %d: len %d cap %d, want whole 4 MiB chunks", i, len(ch), cap(ch))
		}
	}
}

func TestChunkBufferReadErrorKeepsHashConsistent(t *testing.T) {
	t.Parallel()
	data := pattern(200 << 10)
	boom := errors.New("client went away")
	var c chunkBuffer
	h := sha256.New()
	r := io.MultiReader(bytes.NewReader(data[:150<<10]), iotest.ErrReader(boom))
	n, err := c.readFrom(r, h, 1<<40)
	if !errors.Is(err, boom) || n != 150<<10 {
		t.Fatalf("readFrom = %d, %v; want %d, %v", n, err, 150<<10, boom)
	}
	if got, want := h.Sum(nil), sha256.Sum256(data[:150<<10]); !bytes.Equal(got, want[:]) {
		t.Fatal("hash does not cover exactly the bytes kept")
	}
}

// badReader claims to have read more than it was given.
type badReader struct{}

func (badReader) Read(p []byte) (int, error) { return len(p) + 1, nil }

func TestChunkBufferRejectsBadReader(t *testing.T) {
	t.Parallel()
	var c chunkBuffer
	if _, err := c.readFrom(badReader{}, sha256.New(), 1<<20); !errors.Is(err, errBadRead) {
		t.Fatalf("err = %v, want errBadRead", err)
	}
	if c.size != 0 {
		t.Fatalf("size = %d after a bad read", c.size)
	}
}

// chunkedBlob builds a blob from the given chunk lengths over data.
func chunkedBlob(data []byte, lengths ...int) *Blob {
	var chunks [][]byte
	off := 0
	for _, n := range lengths {
		chunks = append(chunks, data[off:off+n:off+n])
		off += n
	}
	return newBlob(Digest{}, chunks)
}

func TestBlobReadAt(t *testing.T) {
	t.Parallel()
	data := pattern(100)
	b := chunkedBlob(data, 1, 9, 40, 50)
	tests := []struct {
		off, n  int
		wantN   int
		wantEOF bool
	}{
		{0, 100, 100, false},
		{0, 101, 100, true},
		{5, 10, 10, false},
		{9, 2, 2, false},
		{10, 40, 40, false},
		{49, 51, 51, false},
		{99, 5, 1, true},
		{100, 1, 0, true},
		{0, 0, 0, false},
	}
	for _, tt := range tests {
		p := make([]byte, tt.n)
		n, err := b.ReadAt(p, int64(tt.off))
		if n != tt.wantN || (err == io.EOF) != tt.wantEOF || (err != nil && err != io.EOF) {
			t.Errorf("ReadAt(%d bytes, off %d) = %d, %v; want %d, EOF %v", tt.n, tt.off, n, err, tt.wantN, tt.wantEOF)
		}
		if !bytes.Equal(p[:n], data[tt.off:tt.off+n]) {
			t.Errorf("ReadAt(%d bytes, off %d) read wrong bytes", tt.n, tt.off)
		}
	}
	if _, err := b.ReadAt(make([]byte, 1), -1); err == nil {
		t.Error("ReadAt at a negative offset succeeded")
	}
	if err := iotest.TestReader(b.NewReader(), data); err != nil {
		t.Errorf("TestReader: %v", err)
	}
}

// countingWriter records the writes it gets.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

func TestBlobReaderSectionsAndWriteTo(t *testing.T) {
	t.Parallel()
	data := pattern(100)
	b := chunkedBlob(data, 10, 20, 30, 40)
	tests := []struct {
		name       string
		off, n     int64
		from, to   int
		wantWrites int
	}{
		{"whole", 0, 100, 0, 100, 4},
		{"inside one chunk", 12, 5, 12, 17, 1},
		{"across chunks", 5, 60, 5, 65, 4},
		{"chunk boundary", 10, 20, 10, 30, 1},
		{"clamped", 90, 50, 90, 100, 1},
		{"past the end", 150, 10, 100, 100, 0},
		{"negative length", 5, -1, 5, 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := data[tt.from:tt.to]
			r := b.NewSectionReader(tt.off, tt.n)
			if r.Size() != int64(len(want)) {
				t.Errorf("Size = %d, want %d", r.Size(), len(want))
			}
			var w countingWriter
			n, err := io.Copy(&w, r)
			if err != nil || n != int64(len(want)) || !bytes.Equal(w.Bytes(), want) {
				t.Errorf("io.Copy = %d, %v; got %q want %q", n, err, w.Bytes(), want)
			}
			if w.writes != tt.wantWrites {
				t.Errorf("WriteTo made %d writes, want one per chunk: %d", w.writes, tt.wantWrites)
			}
			if err := iotest.TestReader(b.NewSectionReader(tt.off, tt.n), want); err != nil {
				t.Errorf("TestReader: %v", err)
			}
		})
	}
}

func TestBlobReaderSeek(t *testing.T) {
	t.Parallel()
	data := pattern(100)
	r := chunkedBlob(data, 30, 70).NewSectionReader(10, 50)
	if pos, err := r.Seek(-5, io.SeekEnd); pos != 45 || err != nil {
		t.Fatalf("Seek(-5, End) = %d, %v", pos, err)
	}
	rest, _ := io.ReadAll(r)
	if !bytes.Equal(rest, data[55:60]) {
		t.Errorf("after Seek read %v, want %v", rest, data[55:60])
	}
	if _, err := r.Seek(-1, io.SeekStart); err == nil {
		t.Error("Seek before the start succeeded")
	}
	if _, err := r.Seek(0, 42); err == nil {
		t.Error("Seek with a bad whence succeeded")
	}
	if pos, _ := r.Seek(100, io.SeekStart); pos != 100 {
		t.Errorf("Seek past the end = %d", pos)
	}
	if n, err := r.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("Read past the end = %d, %v", n, err)
	}
	if n, err := r.WriteTo(io.Discard); n != 0 || err != nil {
		t.Errorf("WriteTo past the end = %d, %v", n, err)
	}
}

// shortWriter accepts at most max bytes per write and reports no error.
type shortWriter struct{ max int }

func (w shortWriter) Write(p []byte) (int, error) { return min(len(p), w.max), nil }

func TestBlobReaderWriteToShortWrite(t *testing.T) {
	t.Parallel()
	r := chunkedBlob(pattern(100), 50, 50).NewReader()
	n, err := r.WriteTo(shortWriter{max: 10})
	if n != 10 || !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("WriteTo = %d, %v; want 10, ErrShortWrite", n, err)
	}
	// The reader resumes after what was written.
	var buf bytes.Buffer
	if _, err := r.WriteTo(&buf); err != nil || buf.Len() != 90 {
		t.Fatalf("resumed WriteTo wrote %d, %v", buf.Len(), err)
	}
}
