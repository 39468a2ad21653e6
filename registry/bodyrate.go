package registry

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// Defaults of the minimum body rate: a body must bring at least
// DefaultMinBodyRate bytes per second over every DefaultBodyRateWindow,
// or the request fails. A 10 GB layer at any usual speed passes (the check
// is per window, not over the whole body); a body trickled at a byte every
// few seconds, which would hold a connection and its upload session
// forever, does not.
const (
	DefaultMinBodyRate    = 1 << 10 // bytes per second
	DefaultBodyRateWindow = 30 * time.Second
)

// errBodyTooSlow fails a request whose body arrives slower than the
// minimum rate.
var errBodyTooSlow = errors.New("request body too slow")

// bodyRate enforces the minimum body rate on every request with a body.
func (s *Server) bodyRate(next http.Handler) http.Handler {
	if s.opts.MinBodyRate < 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = newRateReader(r.Body, http.NewResponseController(w), s.opts.MinBodyRate, s.opts.BodyRateWindow)
		}
		next.ServeHTTP(w, r)
	})
}

// rateReader fails once a window passes with fewer than min bytes read in
// it. So that a read blocked on a silent client ends too, it sets the
// connection's read deadline to the end of the window after the current
// one (where the connection supports deadlines).
type rateReader struct {
	body     io.ReadCloser
	rc       *http.ResponseController
	min      int64 // bytes per window
	window   time.Duration
	start    time.Time // of the current window
	inWindow int64
	err      error
}

func newRateReader(body io.ReadCloser, rc *http.ResponseController, perSecond int64, window time.Duration) *rateReader {
	r := &rateReader{body: body, rc: rc, min: int64(float64(perSecond) * window.Seconds()), window: window}
	r.newWindow(time.Now())
	return r
}

func (r *rateReader) newWindow(now time.Time) {
	r.start, r.inWindow = now, 0
	_ = r.rc.SetReadDeadline(now.Add(2 * r.window)) // ErrNotSupported: the rate check alone
}

func (r *rateReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.body.Read(p)
	r.inWindow += int64(n)
	now := time.Now()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The deadline is two windows after the current one began: the
		// window after it brought nothing.
		r.err = fmt.Errorf("%w: nothing received for %v", errBodyTooSlow, now.Sub(r.start).Round(time.Millisecond)-r.window)
		return n, r.err
	}
	if now.Sub(r.start) >= r.window {
		if r.inWindow < r.min {
			r.err = fmt.Errorf("%w: %d bytes in the last %v, the minimum is %d", errBodyTooSlow, r.inWindow, now.Sub(r.start).Round(time.Millisecond), r.min)
			return n, r.err
		}
		r.newWindow(now)
	}
	if errors.Is(err, io.EOF) {
		_ = r.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

func (r *rateReader) Close() error { return r.body.Close() }
