package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"syscall"
	"time"

	ggcr "github.com/google/go-containerregistry/pkg/registry"

	"github.com/fakeghcr/fakeghcr/ghcrtest"
	"github.com/fakeghcr/fakeghcr/registry"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// benchScenario is the world fakeghcr runs in: alice's classic PAT with
// write:packages, pushing to her own namespace.
//
//go:embed testdata/bench.yaml
var benchScenario []byte

// newFakeghcr is fakeghcr as a Go test fixture: the benchmark world parsed
// and served on a fresh loopback listener; call the function returned
// after closing the listener, to stop the registry's background work.
func newFakeghcr() (*httptest.Server, func(), error) {
	sc, err := scenarios.Parse("bench.yaml", benchScenario)
	if err != nil {
		return nil, nil, err
	}
	srv, err := registry.New(registry.Options{Scenario: sc})
	if err != nil {
		return nil, nil, err
	}
	return httptest.NewServer(srv), srv.Close, nil
}

// newBare is go-containerregistry's bare engine as a Go test fixture, its
// per-request log discarded (by default it logs every request to stderr).
func newBare() *httptest.Server {
	return httptest.NewServer(ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))))
}

// fixtureStart times one in-process start of kind k's Go fixture, as a
// test would start it, from nothing to the first answer to GET /v2/ at its
// URL: ghcrtest.New with its default world for fakeghcr, registry.New and
// httptest.NewServer for the bare engine.
func fixtureStart(k kind) (elapsed time.Duration, err error) {
	tb := &fixtureTB{}
	defer tb.close()
	defer func() {
		switch p := recover().(type) {
		case nil:
		case fixtureFailure:
			err = fmt.Errorf("%s fixture: %s", k.label(), p)
		default:
			panic(p)
		}
	}()
	start := time.Now()
	var url string
	var client *http.Client
	switch k {
	case kindFakeghcr:
		srv := ghcrtest.New(tb)
		url, client = srv.URL, srv.Client()
	case kindBare:
		srv := newBare()
		tb.Cleanup(srv.Close)
		url, client = srv.URL, srv.Client()
	default:
		return 0, fmt.Errorf("%s has no Go fixture", k.label())
	}
	resp, err := client.Get(url + "/v2/")
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	elapsed = time.Since(start)
	if resp.StatusCode != k.up() {
		return 0, fmt.Errorf("%s fixture: GET /v2/ answered %s", k.label(), resp.Status)
	}
	return elapsed, nil
}

// fixtureTB is the part of testing.TB that ghcrtest.New needs, outside a
// test: Fatalf panics with a fixtureFailure (recovered by fixtureStart),
// Cleanup functions run at close.
type fixtureTB struct{ cleanups []func() }

type fixtureFailure string

func (*fixtureTB) Helper()    {}
func (*fixtureTB) Log(...any) {}

func (*fixtureTB) Fatalf(format string, args ...any) {
	panic(fixtureFailure(fmt.Sprintf(format, args...)))
}

func (t *fixtureTB) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }

func (t *fixtureTB) close() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// serveUntilSignal serves h on addr until SIGTERM or SIGINT, then shuts
// down gracefully: the child-process mode -serve-limit.
func serveUntilSignal(addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
