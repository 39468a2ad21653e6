package registry

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// AdminPrefix is where fakeghcr's own API lives: a prefix no GHCR API uses.
const AdminPrefix = "/_fakeghcr"

// adminRoutes: healthz is open; everything else needs the admin token.
//
//	GET  /_fakeghcr/healthz    200 "ok"
//	GET  /_fakeghcr/decisions  recent authorization decisions, newest first (JSON)
//	GET  /_fakeghcr/world      the current world as a scenario file (YAML);
//	                           ?redact=secrets replaces every credential's secret
//	POST /_fakeghcr/changes    apply one Change (JSON)
//	POST /_fakeghcr/reset      restore the loaded scenario's world
//	     /_fakeghcr/faults     injected failures (faults.go)
//	     /_fakeghcr/ui/        the web page (Options.AdminUI), its own login
func (s *Server) adminRoutes(r chi.Router) {
	if s.opts.AdminUI != nil {
		r.Mount("/ui", s.opts.AdminUI(s))
	}
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	r.Group(func(r chi.Router) {
		r.Use(s.requireAdmin)
		r.Get("/decisions", s.handleDecisions)
		r.Get("/world", s.handle(s.handleWorld))
		r.Post("/changes", s.handle(s.handleChange))
		r.Post("/reset", s.handleReset)
		r.Route("/faults", s.faultRoutes)
	})
}

func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.AdminToken == "" {
			s.writeError(w, r, errAdminDisabled)
			return
		}
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		switch {
		case !ok || token == "":
			s.writeError(w, r, errAdminTokenMissing)
			return
		case subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.AdminToken)) != 1:
			s.writeError(w, r, errAdminTokenWrong)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// DecisionList is the body of GET /_fakeghcr/decisions.
type DecisionList struct {
	Decisions []Record `json:"decisions"`
}

func (s *Server) handleDecisions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, DecisionList{s.Decisions()})
}

func (s *Server) handleWorld(w http.ResponseWriter, r *http.Request) *regError {
	sc := s.Export()
	if r.URL.Query().Get("redact") == "secrets" {
		redactSecrets(sc)
	}
	out, err := scenarios.Marshal(sc)
	if err != nil {
		return internalError("exporting world: "+err.Error(), err)
	}
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(out)
	return nil
}

// maxChangeSize bounds an admin request body.
const maxChangeSize = 1 << 20

func (s *Server) handleChange(w http.ResponseWriter, r *http.Request) *regError {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxChangeSize))
	dec.DisallowUnknownFields()
	var c Change
	if err := dec.Decode(&c); err != nil {
		return errBadRequest.withMessage("malformed change: " + err.Error())
	}
	if err := s.Apply(c); err != nil {
		if errors.Is(err, authz.ErrWorkflowWriteDisabled) {
			// GitHub's REST API answers 409 with this message.
			return &regError{Status: http.StatusConflict, Code: "CONFLICT", Message: authz.ErrWorkflowWriteDisabled.Error()}
		}
		if !errors.Is(err, ErrInvalidChange) {
			return &regError{Status: http.StatusInternalServerError, Code: "INVALID_CHANGE", Message: err.Error(), cause: err}
		}
		return &regError{Status: http.StatusBadRequest, Code: "INVALID_CHANGE", Message: err.Error()}
	}
	s.log.Info("world changed", c.LogAttrs()...)
	writeJSON(w, http.StatusOK, struct {
		Applied Change `json:"applied"`
	}{redacted(c)})
	return nil
}

func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	s.Reset()
	s.log.Info("world reset")
	writeJSON(w, http.StatusOK, struct {
		Reset bool `json:"reset"`
	}{true})
}

// redacted drops a change's secret before it is echoed or logged.
func redacted(c Change) Change {
	if c.Credential != nil {
		cred := *c.Credential
		cred.Secret = "[redacted]"
		c.Credential = &cred
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
