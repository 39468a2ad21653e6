package storage

import (
	"errors"
	"hash"
	"io"
	"slices"
	"sync"
	"sync/atomic"
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
	chunks   [][]byte
	size     int64
	pool     *chunkPool // may be nil
	budget   *budget    // may be nil: no accounting
	reserved int64      // capacity of chunks, taken from budget
}

// budget counts bytes against a limit; safe for concurrent use.
type budget struct {
	n     atomic.Int64
	limit int64
}

// take reserves n bytes and reports whether they fit under the limit (if
// not, nothing is reserved). A nil budget takes anything.
func (b *budget) take(n int64) bool {
	if b == nil {
		return true
	}
	if b.n.Add(n) > b.limit {
		b.n.Add(-n)
		return false
	}
	return true
}

// give returns n bytes.
func (b *budget) give(n int64) {
	if b != nil && n != 0 {
		b.n.Add(-n)
	}
}

// errNoBudget reports that the next chunk did not fit in the budget.
var errNoBudget = errors.New("upload budget exhausted")

// chunkPool recycles minChunkSize chunks: most blobs are small, and each
// one's first chunk is copied into an exact-size one when it is committed,
// leaving the 64 KiB chunk free for the next upload instead of garbage to
// clear again. A recycled chunk's stale bytes lie beyond its length and are
// never read.
type chunkPool struct{ pool sync.Pool }

func (p *chunkPool) get() []byte {
	if p != nil {
		if a, ok := p.pool.Get().(*[minChunkSize]byte); ok {
			return a[:0]
		}
	}
	return make([]byte, 0, minChunkSize)
}

// put recycles b if it is a whole minChunkSize chunk no Blob refers to.
func (p *chunkPool) put(b []byte) {
	if p != nil && cap(b) == minChunkSize {
		p.pool.Put((*[minChunkSize]byte)(b[:minChunkSize]))
	}
}

// nextChunkSize is the capacity of the chunk after the current ones, never
// more than limit (> 0) bytes, which is all that may still be read.
func (c *chunkBuffer) nextChunkSize(limit int64) int {
	n := min(max(c.size, minChunkSize), maxChunkSize)
	return int(min(n, limit))
}

// errOverLimit reports a reader with more bytes than readFrom may take.
var errOverLimit = errors.New("more data than allowed")

// newChunk allocates the next chunk, from the pool when it has the size,
// after reserving its capacity from the budget.
func (c *chunkBuffer) newChunk(limit int64) ([]byte, error) {
	n := c.nextChunkSize(limit)
	if !c.budget.take(int64(n)) {
		return nil, errNoBudget
	}
	c.reserved += int64(n)
	if n != minChunkSize {
		return make([]byte, 0, n), nil
	}
	return c.pool.get(), nil
}

// drop recycles chunk b, which no Blob refers to, and gives its capacity
// back to the budget.
func (c *chunkBuffer) drop(b []byte) {
	c.budget.give(int64(cap(b)))
	c.reserved -= int64(cap(b))
	c.pool.put(b)
}

// readFrom reads r until io.EOF or an error, appending at most limit bytes.
// Bytes are read straight into the chunks and written to h as they land, so
// h always covers exactly the bytes counted in c.size, even when r fails
// part way. It returns how many bytes it appended, and errOverLimit if r had
// more than limit (the extra byte it read to find out is not kept), or
// errNoBudget if the budget had no room for the next chunk.
func (c *chunkBuffer) readFrom(r io.Reader, h hash.Hash, limit int64) (int64, error) {
	var total int64
	for total < limit {
		last := len(c.chunks) - 1
		if last < 0 || len(c.chunks[last]) == cap(c.chunks[last]) {
			chunk, err := c.newChunk(limit - total)
			if err != nil {
				return total, err
			}
			c.chunks = append(c.chunks, chunk)
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
	// At the limit: probe for more without allocating a chunk for it.
	var probe [1]byte
	for {
		n, err := r.Read(probe[:])
		switch {
		case n < 0 || n > 1:
			return total, errBadRead
		case n == 1:
			return total, errOverLimit
		case err == io.EOF:
			return total, nil
		case err != nil:
			return total, err
		}
	}
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
			for _, b := range c.chunks[i+1:] {
				c.drop(b)
			}
			clear(c.chunks[i+1:])
			c.chunks = c.chunks[:i+1]
			break
		}
		off += int64(len(chunk))
	}
	c.size = size
}

// finish hands over the chunks for an immutable Blob and empties c, giving
// their capacity back to the budget (stored blobs are not uploads). It drops
// empty chunks and copies the last one into an exact-size chunk when more
// than a sixteenth of it (and at least 1 KiB) would be wasted, so a blob
// holds at most about 6% more memory than its size.
func (c *chunkBuffer) finish() [][]byte {
	chunks := slices.DeleteFunc(c.chunks, func(b []byte) bool {
		if len(b) == 0 {
			c.drop(b)
			return true
		}
		return false
	})
	if n := len(chunks); n > 0 {
		last := chunks[n-1]
		if waste := cap(last) - len(last); waste >= 1<<10 && waste > len(last)/16 {
			chunks[n-1] = slices.Clone(last)
			c.drop(last)
		}
	}
	c.budget.give(c.reserved)
	*c = chunkBuffer{pool: c.pool, budget: c.budget}
	return slices.Clip(chunks)
}

// release recycles what it can and empties c.
func (c *chunkBuffer) release() {
	for _, b := range c.chunks {
		c.drop(b)
	}
	c.budget.give(c.reserved) // zero unless a chunk was lost track of
	*c = chunkBuffer{pool: c.pool, budget: c.budget}
}
