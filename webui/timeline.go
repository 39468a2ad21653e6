package webui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/registry"
)

// timelineView is the timeline page: decisions newest first, filtered.
type timelineView struct {
	Filter     filter
	Rows       []rowData
	Since      int64 // the newest row's time (Unix ns): the stream starts after it
	Packages   []string
	Principals []string
	Query      string // the filter as a query string, for the stream
}

// filter keeps the decisions of one package, principal and outcome
// ("allowed", "refused"); empty fields keep all.
type filter struct {
	Package, Principal, Outcome string
}

func filterOf(r *http.Request) filter {
	q := r.URL.Query()
	return filter{Package: q.Get("package"), Principal: q.Get("principal"), Outcome: q.Get("outcome")}
}

func (f filter) keeps(rec registry.Record) bool {
	switch {
	case f.Package != "" && !strings.EqualFold(f.Package, rec.Repo):
		return false
	case f.Principal != "" && f.Principal != rec.Principal:
		return false
	case f.Outcome == "allowed" && !rec.Allowed, f.Outcome == "refused" && rec.Allowed:
		return false
	}
	return true
}

func (f filter) query() string {
	var parts []string
	for _, kv := range [][2]string{{"package", f.Package}, {"principal", f.Principal}, {"outcome", f.Outcome}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+url.QueryEscape(kv[1]))
		}
	}
	return strings.Join(parts, "&")
}

// rowData is one decision as the timeline draws it.
type rowData struct {
	registry.Record
	ID     string        // Unix ns of the decision, the row's id
	Change *authz.Change // the fix as a change of the world, if one fixes it
	FixIn  string        // the change in words
	Steps  []step
	CSRF   string
	Back   string
}

// step is one link of the decision path: "ok", "fail" or "unreached".
type step struct {
	Name, State string
}

func (u *UI) row(w authz.World, rec registry.Record, csrf string) rowData {
	d := rowData{Record: rec, ID: strconv.FormatInt(rec.Time.UnixNano(), 10), CSRF: csrf, Back: Prefix + "/timeline"}
	if c, ok := fixFor(w, rec); ok {
		d.Change, d.FixIn = &c, c.Describe()
	}
	fail := failingStep(rec.Reason)
	if rec.Allowed {
		fail = len(pathSteps)
	}
	if fail < 0 {
		return d
	}
	for i, name := range pathSteps {
		state := "ok"
		switch {
		case i == fail:
			state = "fail"
		case i > fail:
			state = "unreached"
		}
		d.Steps = append(d.Steps, step{name, state})
	}
	return d
}

func (u *UI) timelinePage(r *http.Request, d *pageData) (string, int) {
	d.Title = "Timeline"
	f := filterOf(r)
	v := &timelineView{Filter: f, Query: f.query()}
	w := u.backend.World()
	recs := u.backend.Decisions()
	pkgs, principals := map[string]bool{}, map[string]bool{}
	for _, rec := range recs {
		if rec.Repo != "" {
			pkgs[rec.Repo] = true
		}
		principals[rec.Principal] = true
	}
	for name := range w.Packages {
		pkgs[name] = true
	}
	v.Packages, v.Principals = sortedKeys(pkgs), sortedKeys(principals)
	if len(recs) > 0 {
		v.Since = recs[0].Time.UnixNano()
	}
	for _, rec := range recs {
		if f.keeps(rec) {
			v.Rows = append(v.Rows, u.row(w, rec, d.CSRF))
		}
	}
	d.Timeline = v
	return "timeline", http.StatusOK
}

// handleEvents streams new decisions as server-sent events, each the
// row's HTML as the page draws it: {"id":..., "html":...}.
func (u *UI) handleEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		u.fail(w, r, http.StatusInternalServerError, "This server cannot stream.")
		return
	}
	s := sessionOf(r)
	f := filterOf(r)
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprint(w, "retry: 1000\n\n")
	flusher.Flush()

	var last *registry.Record
	tick := time.NewTicker(u.opts.Poll)
	defer tick.Stop()
	idle := 0
	for {
		recs := u.backend.Decisions()
		fresh := newSince(recs, last, after)
		if len(recs) > 0 {
			last = &recs[0]
		}
		if len(fresh) > 0 {
			world := u.backend.World()
			for _, rec := range slices.Backward(fresh) {
				if !f.keeps(rec) {
					continue
				}
				if err := u.sendRow(w, world, rec, s.csrf); err != nil {
					return
				}
			}
			flusher.Flush()
			idle = 0
		} else if idle++; idle*int(u.opts.Poll/time.Millisecond) >= 15000 {
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			flusher.Flush()
			idle = 0
		}
		select {
		case <-r.Context().Done():
			return
		case <-u.done:
			return
		case <-tick.C:
		}
	}
}

// newSince returns the records (newest first) newer than last, or, before
// the first poll, newer than after (Unix ns).
func newSince(recs []registry.Record, last *registry.Record, after int64) []registry.Record {
	if last == nil {
		i := 0
		for i < len(recs) && recs[i].Time.UnixNano() > after {
			i++
		}
		return recs[:i]
	}
	for i, rec := range recs {
		if rec == *last {
			return recs[:i]
		}
	}
	// last has left the log: everything newer than its time is new.
	i := 0
	for i < len(recs) && !recs[i].Time.Before(last.Time) {
		i++
	}
	return recs[:i]
}

func (u *UI) sendRow(w http.ResponseWriter, world authz.World, rec registry.Record, csrf string) error {
	var b bytes.Buffer
	d := u.row(world, rec, csrf)
	pages, err := u.pages()
	if err != nil {
		return err
	}
	if err := pages.ExecuteTemplate(&b, "row", d); err != nil {
		return err
	}
	data, err := json.Marshal(struct {
		ID   string `json:"id"`
		HTML string `json:"html"`
	}{d.ID, b.String()})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "id: %s\ndata: %s\n\n", d.ID, data)
	return err
}
