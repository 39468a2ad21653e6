package webui

import (
	"context"
	"crypto/subtle"
	"net/http"
)

// cookieName holds the session id; the cookie is HttpOnly, SameSite=Strict
// and scoped to Prefix.
const cookieName = "fakeghcr_ui"

// maxSessions bounds the sessions kept; the oldest goes first.
const maxSessions = 32

// session is one logged-in browser.
type session struct {
	id    string
	csrf  string // the token every change carries
	flash string // a message for the next page
	bad   bool   // flash is an error
}

type sessionKey struct{}

func sessionOf(r *http.Request) *session {
	s, _ := r.Context().Value(sessionKey{}).(*session)
	return s
}

// newSession starts a session and sets its cookie.
func (u *UI) newSession(w http.ResponseWriter) error {
	id, err := randomHex(32)
	if err != nil {
		return err
	}
	csrf, err := randomHex(32)
	if err != nil {
		return err
	}
	u.mu.Lock()
	u.sessions[id] = &session{id: id, csrf: csrf}
	u.order = append(u.order, id)
	for len(u.order) > maxSessions {
		delete(u.sessions, u.order[0])
		u.order = u.order[1:]
	}
	u.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: Prefix + "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode})
	return nil
}

func (u *UI) lookup(r *http.Request) *session {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.sessions[c.Value]
}

// requireSession sends a browser without a session to the login page and
// refuses a POST whose CSRF token is not the session's.
func (u *UI) requireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := u.lookup(r)
		if s == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
				return
			}
			u.fail(w, r, http.StatusUnauthorized, "Refused: not logged in. Open the login link fakeghcr printed at start, or log in with the admin token.")
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				u.fail(w, r, http.StatusBadRequest, "Refused: the form could not be read: "+err.Error())
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(s.csrf)) != 1 {
				u.fail(w, r, http.StatusForbidden, "Refused: the form's CSRF token is missing or not this session's. Reload the page and try again.")
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	})
}

// maxFormBytes bounds a form.
const maxFormBytes = 64 << 10

// setFlash leaves a message for the session's next page.
func (u *UI) setFlash(s *session, msg string, bad bool) {
	u.mu.Lock()
	s.flash, s.bad = msg, bad
	u.mu.Unlock()
}

// takeFlash returns and clears the session's message.
func (u *UI) takeFlash(s *session) (string, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	msg, bad := s.flash, s.bad
	s.flash, s.bad = "", false
	return msg, bad
}

func (u *UI) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	if code := r.URL.Query().Get("code"); code != "" {
		u.mu.Lock()
		ok := !u.codeUsed && subtle.ConstantTimeCompare([]byte(code), []byte(u.loginCode)) == 1
		if ok {
			u.codeUsed = true
		}
		u.mu.Unlock()
		if !ok {
			u.render(w, r, http.StatusForbidden, "login", pageData{Title: "Log in", Error: "This login link was used already or is wrong: log in with the admin token."})
			return
		}
		if err := u.newSession(w); err != nil {
			u.fail(w, r, http.StatusInternalServerError, "Could not start a session: "+err.Error())
			return
		}
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
		return
	}
	u.render(w, r, http.StatusOK, "login", pageData{Title: "Log in"})
}

func (u *UI) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil || !u.checkAdminToken(r.PostForm.Get("token")) {
		u.render(w, r, http.StatusForbidden, "login", pageData{Title: "Log in", Error: "That is not the admin token."})
		return
	}
	if err := u.newSession(w); err != nil {
		u.fail(w, r, http.StatusInternalServerError, "Could not start a session: "+err.Error())
		return
	}
	http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
}

func (u *UI) handleLogout(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	u.mu.Lock()
	delete(u.sessions, s.id)
	u.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: Prefix + "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}
