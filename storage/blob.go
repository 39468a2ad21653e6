package storage

import (
	"cmp"
	"errors"
	"io"
	"slices"
)

// Blob is an immutable blob held in memory as a list of chunks. Many
// repositories may link the same *Blob; its bytes are held once. All methods
// are safe for concurrent use.
type Blob struct {
	digest Digest
	size   int64
	chunks []chunk // non-empty, in order
	class  string  // Options.Classify's result, set before the blob is shared
}

// chunk is a piece of a Blob and its offset in it.
type chunk struct {
	data  []byte
	start int64
}

// newBlob takes ownership of chunks, which must not be modified afterwards.
func newBlob(d Digest, chunks [][]byte) *Blob {
	b := &Blob{digest: d, chunks: make([]chunk, len(chunks))}
	for i, c := range chunks {
		b.chunks[i] = chunk{data: c, start: b.size}
		b.size += int64(len(c))
	}
	return b
}

// Digest returns the digest the blob was stored under.
func (b *Blob) Digest() Digest { return b.digest }

// Size returns the blob's length in bytes.
func (b *Blob) Size() int64 { return b.size }

// Class returns what the store's Options.Classify said of the blob's first
// bytes when it was committed, or "" without a Classify.
func (b *Blob) Class() string { return b.class }

// classify sets b's class with f (nil: none). b must not be shared yet.
func (b *Blob) classify(f func(head []byte) string) {
	if f == nil {
		return
	}
	head := make([]byte, min(b.size, ClassifyLen))
	_, _ = b.ReadAt(head, 0) // the whole head: it is within the blob
	b.class = f(head)
}

var (
	errNegativeOffset = errors.New("negative offset")
	errInvalidWhence  = errors.New("invalid whence")
)

// ReadAt implements io.ReaderAt.
func (b *Blob) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errNegativeOffset
	}
	if off >= b.size {
		return 0, io.EOF
	}
	n := 0
	for _, c := range b.chunks[b.chunkAt(off):] {
		if n == len(p) {
			break
		}
		n += copy(p[n:], c.data[off+int64(n)-c.start:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// chunkAt returns the index of the chunk holding offset off < b.size.
func (b *Blob) chunkAt(off int64) int {
	if off < int64(len(b.chunks[0].data)) {
		return 0 // every read of a whole blob
	}
	i, found := slices.BinarySearchFunc(b.chunks, off, func(c chunk, off int64) int { return cmp.Compare(c.start, off) })
	if !found {
		i--
	}
	return i
}

// writeRange writes bytes [from, to) to w chunk by chunk, without copying.
func (b *Blob) writeRange(w io.Writer, from, to int64) (int64, error) {
	if from >= to {
		return 0, nil
	}
	var written int64
	for _, c := range b.chunks[b.chunkAt(from):] {
		if from >= to {
			break
		}
		part := c.data[from-c.start : min(to-c.start, int64(len(c.data)))]
		n, err := w.Write(part)
		written += int64(n)
		from += int64(n)
		if err != nil {
			return written, err
		}
		if n != len(part) {
			return written, io.ErrShortWrite
		}
	}
	return written, nil
}

// NewReader returns a reader over the whole blob.
func (b *Blob) NewReader() *BlobReader {
	return &BlobReader{blob: b, base: 0, off: 0, limit: b.size}
}

// NewSectionReader returns a reader over the n bytes at offset off, clamped
// to the blob: its Size is what the blob really has in that range. Unlike an
// io.SectionReader it implements io.WriterTo, so io.Copy of a range also
// writes chunk by chunk.
func (b *Blob) NewSectionReader(off, n int64) *BlobReader {
	base := min(max(off, 0), b.size)
	limit := b.size
	if n >= 0 && n < b.size-base {
		limit = base + n
	}
	if n < 0 {
		limit = base
	}
	return &BlobReader{blob: b, base: base, off: base, limit: limit}
}

// BlobReader reads a Blob or a section of it. It implements io.Reader,
// io.Seeker, io.ReaderAt and io.WriterTo; WriteTo hands the blob's chunks to
// the writer directly, so io.Copy to a ResponseWriter copies nothing. A
// BlobReader is not safe for concurrent use (except ReadAt); make one per
// request.
type BlobReader struct {
	blob  *Blob
	base  int64 // absolute offset of the section start
	off   int64 // absolute offset of the next Read
	limit int64 // absolute offset of the section end
}

// Size returns the length of the section.
func (r *BlobReader) Size() int64 { return r.limit - r.base }

// Read implements io.Reader.
func (r *BlobReader) Read(p []byte) (int, error) {
	if r.off >= r.limit {
		return 0, io.EOF
	}
	if rest := r.limit - r.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, _ := r.blob.ReadAt(p, r.off) // limit <= blob size, so n == len(p)
	r.off += int64(n)
	return n, nil
}

// ReadAt implements io.ReaderAt; off is relative to the section start.
func (r *BlobReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errNegativeOffset
	}
	if off >= r.Size() {
		return 0, io.EOF
	}
	want := len(p)
	if rest := r.Size() - off; int64(want) > rest {
		p = p[:rest]
	}
	n, _ := r.blob.ReadAt(p, r.base+off)
	if n < want {
		return n, io.EOF
	}
	return n, nil
}

// Seek implements io.Seeker; offsets are relative to the section start.
// Seeking past the end is allowed; Read then returns io.EOF.
func (r *BlobReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		offset += r.base
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.limit
	default:
		return 0, errInvalidWhence
	}
	if offset < r.base {
		return 0, errNegativeOffset
	}
	r.off = offset
	return offset - r.base, nil
}

// WriteTo implements io.WriterTo: it writes the rest of the section to w
// chunk by chunk, without copying.
func (r *BlobReader) WriteTo(w io.Writer) (int64, error) {
	if r.off >= r.limit {
		return 0, nil
	}
	n, err := r.blob.writeRange(w, r.off, r.limit)
	r.off += n
	return n, err
}
