package registry

import (
	"strings"
	"testing"
)

// TestDecisionLogBoundedByBytes: however many records the log may keep,
// it holds at most maxDecisionBytes of them, dropping the oldest first.
func TestDecisionLogBoundedByBytes(t *testing.T) {
	t.Parallel()
	l := newDecisionLog(100_000)
	big := strings.Repeat("p", maxRecordField)
	for i := range 10_000 {
		l.add(Record{Path: big, Explanation: big, Fix: big, Method: string(rune('a' + i%26))})
		if l.bytes > maxDecisionBytes {
			t.Fatalf("after %d records: %d bytes kept, want at most %d", i+1, l.bytes, maxDecisionBytes)
		}
	}
	recs := l.recent()
	if len(recs) == 0 || len(recs) >= 10_000 || recs[0].Method != string(rune('a'+9_999%26)) {
		t.Errorf("%d records kept, newest %q: want the newest ones, fewer than all", len(recs), recs[0].Method)
	}
	sum := 0
	for _, r := range recs {
		sum += recordBytes(r)
	}
	if sum != l.bytes {
		t.Errorf("records add up to %d bytes, the log counts %d", sum, l.bytes)
	}
}
