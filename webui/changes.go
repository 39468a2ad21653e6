package webui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// changeFields are the form fields a change reads, named as the admin
// API's JSON fields.
func changeFromForm(f map[string][]string) authz.Change {
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	c := authz.Change{
		Op:                 authz.Op(get("op")),
		Package:            get("package"),
		Repository:         get("repository"),
		User:               get("user"),
		Role:               get("role"),
		Visibility:         get("visibility"),
		WorkflowPermission: get("workflow_permission"),
		Name:               get("name"),
	}
	if c.Op == authz.OpSetInheritAccess {
		on := get("inherit_access") == "on"
		c.Inherit = &on
	}
	return c
}

// uiOps are the operations the page offers: every Op but adding a
// credential (a secret is not typed into a page).
func uiOp(op authz.Op) bool {
	if op == authz.OpAddCredential {
		return false
	}
	for _, o := range authz.Ops() {
		if o.Op == op {
			return true
		}
	}
	return false
}

// handleChange applies one change through the backend, the admin API's
// path, and returns to the page the form was on.
func (u *UI) handleChange(w http.ResponseWriter, r *http.Request) {
	c := changeFromForm(r.PostForm)
	back := safeBack(r.PostForm.Get("back"))
	if !uiOp(c.Op) {
		u.failBack(w, r, http.StatusBadRequest, "Refused: "+string(c.Op)+" is not a change this page makes.", back)
		return
	}
	if err := u.backend.Apply(c); err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, authz.ErrWorkflowWriteDisabled) {
			// GitHub's REST API answers 409 with this message.
			status = http.StatusConflict
		} else if !errors.Is(err, authz.ErrInvalidChange) {
			status = http.StatusInternalServerError
		}
		u.failBack(w, r, status, "Not changed: "+err.Error(), back)
		return
	}
	u.opts.Logger.Info("world changed", append(c.LogAttrs(), "by", "webui")...)
	u.setFlash(sessionOf(r), "Changed: "+c.Describe()+".", false)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (u *UI) failBack(w http.ResponseWriter, r *http.Request, status int, msg, back string) {
	u.render(w, r, status, "error", pageData{Title: http.StatusText(status), Error: msg, Back: back})
}

// safeBack keeps a return address on this page.
func safeBack(back string) string {
	if !strings.HasPrefix(back, Prefix+"/") || strings.ContainsAny(back, "\\\r\n") || strings.Contains(back, "//") {
		return Prefix + "/"
	}
	return back
}
