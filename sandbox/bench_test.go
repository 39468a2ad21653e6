//go:build linux

package sandbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/sandbox"
)

// BenchmarkStart measures how long after Run is called the command has
// been executed inside a new sandbox (ms-to-command), and the whole run of
// /bin/true (ns/op): namespaces, CA, certificate, files, teardown.
func BenchmarkStart(b *testing.B) {
	var total time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		code, err := sandbox.Run(context.Background(), sandbox.Config{
			Command: []string{"/bin/true"},
			Handler: hello,
			Started: func(sandbox.Info) { total += time.Since(start); n++ },
		})
		if err != nil || code != 0 {
			b.Fatalf("Run: exit %d, %v", code, err)
		}
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(n), "ms-to-command")
}
