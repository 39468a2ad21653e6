package ghcrtest_test

import (
	"bytes"
	"compress/gzip"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fakeghcr/fakeghcr/ghcrtest"
)

func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func measure(n int, f func()) time.Duration {
	c0 := cpu()
	for i := 0; i < n; i++ {
		f()
	}
	return (cpu() - c0) / time.Duration(n)
}

var pool = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

func TestScratchTiming(t *testing.T) {
	const n = 300
	content := bytes.Repeat([]byte("x"), 2048)
	t.Logf("2x gzip fresh   %v", measure(n, func() {
		for range 2 {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write(content)
			zw.Close()
		}
	}))
	t.Logf("2x gzip pooled  %v", measure(n, func() {
		for range 2 {
			var b bytes.Buffer
			zw := pool.Get().(*gzip.Writer)
			zw.Reset(&b)
			zw.Write(content)
			zw.Close()
			pool.Put(zw)
		}
	}))
	t.Logf("ghcrtest.New+Close %v", measure(n, func() { ghcrtest.New(t).Close() }))
	t.Logf("ghcrtest.New+Close (builtin no tags) %v", measure(n, func() { ghcrtest.New(t, ghcrtest.WithBuiltin("workflow-first-publish")).Close() }))
	t.Logf("ghcrtest.New tls+Close %v", measure(n, func() { ghcrtest.New(t, ghcrtest.WithTLS()).Close() }))
}
