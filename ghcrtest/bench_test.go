package ghcrtest_test

import (
	"net/http"
	"testing"

	"github.com/fakeghcr/fakeghcr/ghcrtest"
)

// BenchmarkNew measures how long a test waits for a usable server: New
// returns with the listener bound and the default world loaded (its tags
// preloaded). Close runs outside the timer.
func BenchmarkNew(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts []ghcrtest.Option
	}{
		{"default", nil},
		{"tls", []ghcrtest.Option{ghcrtest.WithTLS()}},
		{"builtin", []ghcrtest.Option{ghcrtest.WithBuiltin("actions-access-missing")}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				srv := ghcrtest.New(b, bc.opts...)
				b.StopTimer()
				srv.Close()
				b.StartTimer()
			}
		})
	}
}

// BenchmarkNewFirstRequest adds the first answered request (a new
// connection, and a TLS handshake with WithTLS) to BenchmarkNew.
func BenchmarkNewFirstRequest(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts []ghcrtest.Option
	}{
		{"default", nil},
		{"tls", []ghcrtest.Option{ghcrtest.WithTLS()}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				srv := ghcrtest.New(b, bc.opts...)
				resp, err := srv.Client().Get(srv.URL + "/_fakeghcr/healthz")
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatal(resp.Status)
				}
				b.StopTimer()
				srv.Close()
				b.StartTimer()
			}
		})
	}
}
