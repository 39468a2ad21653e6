package storage

import (
	"sync"
	"time"
)

// Sweeper discards expired upload sessions in the background, so that an
// abandoned session's memory is freed after Options.UploadTTL even when no
// other request arrives. Start it with Store.StartSweeper and stop it with
// Stop; it runs one goroutine and holds nothing else.
type Sweeper struct {
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// DefaultSweepInterval is how often a Sweeper started with a zero interval
// sweeps, at most: a tenth of the upload TTL is used when that is shorter,
// but never less than a second.
const DefaultSweepInterval = time.Minute

// StartSweeper starts a goroutine that calls Sweep every interval (zero:
// a tenth of Options.UploadTTL, between one second and
// DefaultSweepInterval) until Stop. Expiry is judged by Options.Now, so a
// test can move its clock and let the sweeper notice.
func (s *Store) StartSweeper(interval time.Duration) *Sweeper {
	if interval <= 0 {
		interval = min(max(s.opts.UploadTTL/10, time.Second), DefaultSweepInterval)
	}
	sw := &Sweeper{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(sw.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-sw.stop:
				return
			case <-t.C:
				s.Sweep()
			}
		}
	}()
	return sw
}

// Stop ends the sweeper's goroutine and waits for it to return. It may be
// called more than once.
func (sw *Sweeper) Stop() {
	sw.once.Do(func() { close(sw.stop) })
	<-sw.done
}
