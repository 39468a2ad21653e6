package webui

import (
	"net/http"
	"testing"

	"github.com/fakeghcr/fakeghcr/scenarios"
)

// BenchmarkPages draws each page over the default world with one refusal
// in the timeline and reports its weight (the HTML; the style sheet and
// the script are static files: see BenchmarkStatic).
//
//	go test -run X -bench Pages ./webui
func BenchmarkPages(b *testing.B) {
	h := newHarness(b, scenarios.Default())
	h.login()
	h.push("ghs_demo_workflow", "acme/api")
	for _, page := range []string{"/", "/package?name=acme/api", "/repository?name=acme/api", "/owner?login=acme", "/credentials", "/timeline"} {
		b.Run(page, func(b *testing.B) {
			var size int
			for b.Loop() {
				status, body, _ := h.get(Prefix + page)
				if status != http.StatusOK {
					b.Fatalf("%s: %d", page, status)
				}
				size = len(body)
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
}

// BenchmarkStatic reports the size of the style sheet and the script every
// page loads.
func BenchmarkStatic(b *testing.B) {
	for _, name := range []string{"style.css", "timeline.js", "favicon.svg"} {
		b.Run(name, func(b *testing.B) {
			var size int
			for b.Loop() {
				data, err := assets.ReadFile("assets/static/" + name)
				if err != nil {
					b.Fatal(err)
				}
				size = len(data)
			}
			b.ReportMetric(float64(size), "bytes")
		})
	}
}
