package diagnose_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/fakeghcr/fakeghcr/diagnose"
)

// BenchmarkDiagnose10MB reads a 10 MB build log (BuildKit progress lines
// with a GHCR failure every ~500 lines) against the built-in library.
func BenchmarkDiagnose10MB(b *testing.B) {
	var log bytes.Buffer
	for i := 0; log.Len() < 10<<20; i++ {
		fmt.Fprintf(&log, "2024-05-01T10:00:%02d.0000000Z #%d [stage-1 %d/9] RUN go build -o /out/app ./cmd/app 0.%ds\n", i%60, i%40, i%9, i%10)
		if i%500 == 0 {
			fmt.Fprintf(&log, "2024-05-01T10:00:00.0000000Z ERROR: failed to build: failed to solve: failed to push ghcr.io/acme/api:v%d: denied: permission_denied: write_package\n", i)
		}
	}
	d, err := diagnose.New(diagnose.Options{Scenarios: library()})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(log.Len()))
	b.ReportAllocs()
	for b.Loop() {
		res, err := d.Read(bytes.NewReader(log.Bytes()))
		if err != nil || len(res.Failures) == 0 {
			b.Fatalf("%v, %d failures", err, len(res.Failures))
		}
	}
}

// BenchmarkDiagnose10MBWithSetup includes preparing the library, as one
// `fakeghcr diagnose` run does.
func BenchmarkDiagnose10MBWithSetup(b *testing.B) {
	var log bytes.Buffer
	for i := 0; log.Len() < 10<<20; i++ {
		fmt.Fprintf(&log, "#%d exporting layers 0.%ds done\n", i%40, i%10)
	}
	lib := library()
	b.SetBytes(int64(log.Len()))
	for b.Loop() {
		if _, err := diagnose.Read(bytes.NewReader(log.Bytes()), diagnose.Options{Scenarios: lib}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadHostile reads logs of long failure lines and noise at
// three sizes: the throughput (MB/s) should stay flat as the log grows
// (linear time), and B/op within a small multiple of the size.
func BenchmarkReadHostile(b *testing.B) {
	for _, size := range []int{1 << 20, 4 << 20, 16 << 20} {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			var sb strings.Builder
			for i := 0; sb.Len() < size; i++ {
				sb.WriteString("#12 [auth] acme/api:pull,push token for ghcr.io\n")
				fmt.Fprintf(&sb, "Error: writing blob: initiating layer upload to /v2/acme/%s%d/blobs/uploads/ in ghcr.io: denied: permission_denied: write_package\n", strings.Repeat("a", 300), i%5000)
				sb.WriteString(strings.Repeat("noise ", 200) + "\n")
			}
			log := sb.String()
			d, err := diagnose.New(diagnose.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(log)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := d.Read(strings.NewReader(log)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
