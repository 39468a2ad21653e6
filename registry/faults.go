package registry

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/fakeghcr/fakeghcr/faults"
	"github.com/fakeghcr/fakeghcr/registry/internal/middleware"
)

// initFaults installs the starting fault rules.
func (s *Server) initFaults(rules []faults.Rule) error {
	s.faults = &faults.Set{}
	for _, r := range rules {
		if _, err := s.faults.Add(r); err != nil {
			return err
		}
	}
	s.faultMW = &faults.Middleware{Rules: s.faults, Now: s.opts.Now, OnFire: s.recordFault}
	return nil
}

// Faults is the server's fault rules; add and clear them at any time.
func (s *Server) Faults() *faults.Set { return s.faults }

// injectFaults applies the fault rules in front of every route but the
// admin API.
func (s *Server) injectFaults(next http.Handler) http.Handler { return s.faultMW.Wrap(next) }

// recordFault keeps and logs an injected fault as a decision with reason
// fault_injected, so explain shows it beside the refusals.
func (s *Server) recordFault(r *http.Request, f faults.Fired) {
	rec := Record{
		Time: s.opts.Now(), RequestID: middleware.GetReqID(r.Context()), Method: f.Method, Path: f.Path,
		Repo: f.Repository, Action: "fault", Principal: "fault rule " + f.Rule.ID, Reason: faults.Reason, Status: f.Status, Message: f.Message,
		Explanation: faultExplanation(f),
		Fix:         "fakeghcr fault list shows the rules; fakeghcr fault clear removes them",
	}
	if f.Status == http.StatusTooManyRequests {
		rec.Code = "TOOMANYREQUESTS"
	}
	rec = s.decisions.add(rec) // logged below as kept: clipped
	s.log.Info("fault injected", "rule", f.Rule.ID, "effect", f.Effect, "method", rec.Method, "path", rec.Path,
		"status", f.Status, "request_id", rec.RequestID)
}

func faultExplanation(f faults.Fired) string {
	switch f.Effect {
	case "lag":
		return "Fault rule " + f.Rule.ID + " hides a manifest pushed less than " + f.Rule.Lag.String() + " ago (read-after-write lag); GHCR's answer is 404 MANIFEST_UNKNOWN."
	case "reset":
		return "Fault rule " + f.Rule.ID + " cut the connection after the first bytes of the request body; nothing was stored."
	case "delay":
		return "Fault rule " + f.Rule.ID + " delayed the request by " + f.Rule.Delay.String() + "."
	}
	return "Fault rule " + f.Rule.ID + " answered " + http.StatusText(f.Status) + " instead of the registry; nothing was stored."
}

// faultRoutes serves the fault rules under /_fakeghcr/faults (admin token
// required):
//
//	GET    /_fakeghcr/faults       the rules with their counters (JSON)
//	POST   /_fakeghcr/faults       add one rule (JSON, faults.Rule)
//	DELETE /_fakeghcr/faults       remove every rule
//	DELETE /_fakeghcr/faults/{id}  remove one rule
func (s *Server) faultRoutes(r chi.Router) {
	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, struct {
			Faults []faults.Status `json:"faults"`
		}{s.faults.List()})
	})
	r.Post("/", s.handle(s.handleAddFault))
	r.Delete("/", func(w http.ResponseWriter, r *http.Request) {
		s.faults.Clear()
		s.log.Info("faults cleared")
		writeJSON(w, http.StatusOK, struct {
			Cleared bool `json:"cleared"`
		}{true})
	})
	r.Delete("/{id}", s.handle(func(w http.ResponseWriter, r *http.Request) *regError {
		id := chi.URLParam(r, "id")
		if !s.faults.Remove(id) {
			return &regError{Status: http.StatusNotFound, Code: "NOT_FOUND", Message: "no fault rule " + id}
		}
		writeJSON(w, http.StatusOK, struct {
			Removed string `json:"removed"`
		}{id})
		return nil
	}))
}

func (s *Server) handleAddFault(w http.ResponseWriter, r *http.Request) *regError {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxChangeSize))
	dec.DisallowUnknownFields()
	var rule faults.Rule
	if err := dec.Decode(&rule); err != nil {
		return errBadRequest.withMessage("malformed fault rule: " + err.Error())
	}
	added, err := s.faults.Add(rule)
	if err != nil {
		if errors.Is(err, faults.ErrInvalid) {
			return &regError{Status: http.StatusBadRequest, Code: "INVALID_FAULT", Message: err.Error()}
		}
		return internalError("adding a fault rule", err)
	}
	s.log.Info("fault added", slog.String("rule", added.ID))
	writeJSON(w, http.StatusOK, struct {
		Added faults.Rule `json:"added"`
	}{added})
	return nil
}
