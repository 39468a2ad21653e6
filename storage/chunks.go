package storage

import (
	"errors"
	"hash"
	"io"
	"slices"
)

// Chunk sizes of an upload's buffer. The first chunk is small so that a
// small blob wastes little before it is trimmed; each next chunk is as large
// as everything before it (so the sizes double) up to maxChunkSize, which
// bounds the unused tail of a large upload.
const (
	minChunkSize = 64 << 10
	maxChunkSize = 4 << 20
)

// errBadRead reports a reader that broke the io.Reader contract.
var errBadRead = errors.New("reader returned an invalid count")

// chunkBuffer holds an upload's bytes as a list of chunks that are never
// copied or reallocated as the upload grows. Only the last chunk may have
// spare capacity.
type chunkBuffer struct {
	chunks [][]byte
	size   int64
}

// nextChunkSize is the capacity of the chunk after the current ones, never
// more than limit (> 0) bytes, which is all that may still be read.
func (c *chunkBuffer) nextChunkSize(limit int64) int {
	n := min(max(c.size, minChunkSize), maxChunkSize)
	return int(min(n, limit))
}

// readFrom reads r until io.EOF, an error, or limit bytes, whichever comes
// first. Bytes are read straight into the chunks and written to h as they
// land, so h always covers exactly the bytes counted in c.size, even when r
// fails part way. It returns how many bytes it appended.
func (c *chunkBuffer) readFrom(r io.Reader, h hash.Hash, limit int64) (int64, error) {
	var total int64
	for total < limit {
		last := len(c.chunks) - 1
		if last < 0 || len(c.chunks[last]) == cap(c.chunks[last]) {
			c.chunks = append(c.chunks, make([]byte, 0, c.nextChunkSize(limit-total)))
			last++
		}
		chunk := c.chunks[last]
		free := chunk[len(chunk):cap(chunk)]
		if rest := limit - total; int64(len(free)) > rest {
			free = free[:rest]
		}
		n, err := r.Read(free)
		if n < 0 || n > len(free) {
			return total, errBadRead
		}
		if n > 0 {
			h.Write(free[:n]) // hash.Hash.Write never fails.
			c.chunks[last] = chunk[:len(chunk)+n]
			c.size += int64(n)
			total += int64(n)
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// truncate drops everything after the first size bytes, releasing whole
// chunks past that point.
func (c *chunkBuffer) truncate(size int64) {
	if size >= c.size {
		return
	}
	var off int64
	for i, chunk := range c.chunks {
		if end := off + int64(len(chunk)); end >= size {
			c.chunks[i] = chunk[:size-off]
			clear(c.chunks[i+1:])
			c.chunks = c.chunks[:i+1]
			break
		}
		off += int64(len(chunk))
	}
	c.size = size
}

// finish hands over the chunks for an immutable Blob and empties c. It drops
// empty chunks and copies the last one into an exact-size chunk when more
// than a sixteenth of it (and at least 1 KiB) would be wasted, so a blob
// holds at most about 6% more memory than its size.
func (c *chunkBuffer) finish() [][]byte {
	chunks := slices.DeleteFunc(c.chunks, func(b []byte) bool { return len(b) == 0 })
	if n := len(chunks); n > 0 {
		last := chunks[n-1]
		if waste := cap(last) - len(last); waste >= 1<<10 && waste > len(last)/16 {
			chunks[n-1] = slices.Clone(last)
		}
	}
	*c = chunkBuffer{}
	return slices.Clip(chunks)
}
