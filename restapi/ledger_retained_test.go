package restapi

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestLedgerKeepsCopies: the ledger keeps copies of the package names and
// digests it is told of, not slices of the request they came from (issue
// 19, "retained bytes, not counted bytes"). Each push here names a package
// and digest that are slices of a fresh 1 MB line; kept as they are, 1,000
// would hold a gigabyte. The live heap must grow by less than 2 MiB, twice
// a generous 1 KiB per record.
func TestLedgerKeepsCopies(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 1,000 lines of 1 MB; skipped with -short")
	}
	l := newLedger(time.Unix(0, 0))
	heap := func() int64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	n := 1000
	if raceEnabled {
		n = 100
	}
	const budget = 2 * 1000 << 10
	base := heap()
	for i := range n {
		name := fmt.Sprintf("acme/p%d", i)
		digest := fmt.Sprintf("sha256:%064d", i)
		line := name + " " + digest + strings.Repeat(" ", 1<<20)
		l.observePush(line[:len(name)], line[len(name)+1:len(name)+1+len(digest)], time.Unix(int64(i), 0))
		if (i+1)%100 == 0 {
			if g := heap() - base; g > budget {
				t.Fatalf("after %d pushes the live heap grew by %.1f MiB, over %.1f MiB", i+1, float64(g)/(1<<20), float64(budget)/(1<<20))
			}
		}
	}
	runtime.KeepAlive(l)
	if len(l.packages) != n || len(l.byID) != n {
		t.Errorf("%d packages, %d versions recorded, want %d", len(l.packages), len(l.byID), n)
	}
}
