package webui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/restapi"
)

// Deleting and restoring packages and versions goes through the packages
// REST API, in process, as one of the world's credentials: the REST API
// decides (and records the decision), as GitHub's does for a token. The
// page never sends the secret to the browser; the form names the
// credential.

// versionsView is a package's versions as the REST API lists them for one
// credential.
type versionsView struct {
	As    string   // the credential acting
	Creds []string // credentials to act as
	// Listed: the user asked to list the versions as As. A page view
	// alone does not call the REST API, so it adds no decision to the
	// timeline.
	Listed  bool
	Active  []version
	Deleted []version
	// ActiveErr and DeletedErr are the REST API's refusal of the listing.
	ActiveErr, DeletedErr string
}

// version is one package version of the REST API.
type version struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
	DeletedAt string `json:"deleted_at"`
	Metadata  struct {
		Container struct {
			Tags []string `json:"tags"`
		} `json:"container"`
	} `json:"metadata"`
}

// restoreView offers to restore a package that no longer exists.
type restoreView struct {
	Package string
	As      string
	Creds   []string
}

// actingCredential is the credential named as, or the first classic PAT
// with delete:packages, or the first PAT or OAuth token, or the first.
func actingCredential(w authz.World, as string) (authz.Credential, []string, bool) {
	var names []string
	var best *authz.Credential
	rank := func(c authz.Credential) int {
		switch {
		case (c.Kind == authz.ClassicPAT || c.Kind == authz.OAuth) && c.HasScope("delete:packages"):
			return 3
		case c.Kind == authz.ClassicPAT || c.Kind == authz.OAuth:
			return 2
		}
		return 1
	}
	for i, c := range w.Credentials {
		if c.Secret == authz.Wildcard {
			continue
		}
		names = append(names, c.Name)
		if as != "" && c.Name == as {
			return c, names, true
		}
		if best == nil || rank(c) > rank(*best) {
			best = &w.Credentials[i]
		}
	}
	if as != "" || best == nil {
		return authz.Credential{}, names, false
	}
	return *best, names, true
}

// restPath is the REST API's path of a package (and suffix).
func restPath(w authz.World, pkg, suffix string) string {
	owner, name, _ := strings.Cut(pkg, "/")
	scope := "users"
	if o, ok := w.Owner(owner); ok && o.Type == authz.Organization {
		scope = "orgs"
	}
	return restapi.APIPrefix + "/" + scope + "/" + url.PathEscape(owner) + "/packages/container/" + url.PathEscape(name) + suffix
}

// rest makes one REST API request as cred through the backend and returns
// the status, and the message of an error.
func (u *UI) rest(method, path string, cred authz.Credential, out any) (int, string) {
	req := httptest.NewRequest(method, path, nil)
	req.Host = "127.0.0.1"
	req.Header.Set("Authorization", "Bearer "+cred.Secret)
	req.Header.Set("Accept", "application/vnd.github+json")
	rec := httptest.NewRecorder()
	u.backend.ServeHTTP(rec, req)
	if rec.Code >= 300 {
		var e struct{ Message string }
		_ = json.Unmarshal(rec.Body.Bytes(), &e)
		return rec.Code, fmt.Sprintf("%d %s", rec.Code, e.Message)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			return http.StatusBadGateway, "the packages REST API's answer could not be read: " + err.Error()
		}
	}
	return rec.Code, ""
}

// versionsOf lists pkg's active and deleted versions as the credential as;
// with as empty it only picks the credential to offer.
func (u *UI) versionsOf(w authz.World, pkg, as string) *versionsView {
	cred, names, ok := actingCredential(w, as)
	v := &versionsView{As: cred.Name, Creds: names, Listed: as != ""}
	if as == "" {
		return v
	}
	if !ok {
		v.ActiveErr = "no credential named " + as
		return v
	}
	_, v.ActiveErr = u.rest("GET", restPath(w, pkg, "/versions?state=active&per_page=100"), cred, &v.Active)
	_, v.DeletedErr = u.rest("GET", restPath(w, pkg, "/versions?state=deleted&per_page=100"), cred, &v.Deleted)
	return v
}

// handleREST deletes or restores a package or a version through the REST
// API as the form's credential.
func (u *UI) handleREST(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	back := safeBack(f.Get("back"))
	world := u.backend.World()
	pkg := f.Get("package")
	cred, _, ok := actingCredential(world, f.Get("as"))
	if !ok || pkg == "" || !strings.Contains(pkg, "/") {
		u.failBack(w, r, http.StatusBadRequest, "Refused: name a package and a credential to act as.", back)
		return
	}
	id := f.Get("id")
	if _, err := strconv.ParseInt(id, 10, 64); err != nil && strings.HasSuffix(f.Get("action"), "-version") {
		u.failBack(w, r, http.StatusBadRequest, "Refused: a version id is a number, not "+strconv.Quote(id)+".", back)
		return
	}
	var method, path, done string
	switch f.Get("action") {
	case "delete-version":
		method, path, done = "DELETE", restPath(world, pkg, "/versions/"+id), "deleted version "+id+" of "+pkg
	case "restore-version":
		method, path, done = "POST", restPath(world, pkg, "/versions/"+id+"/restore"), "restored version "+id+" of "+pkg
	case "delete-package":
		method, path, done = "DELETE", restPath(world, pkg, ""), "deleted package "+pkg
	case "restore-package":
		method, path, done = "POST", restPath(world, pkg, "/restore"), "restored package "+pkg
	default:
		u.failBack(w, r, http.StatusBadRequest, "Refused: "+strconv.Quote(f.Get("action"))+" is not a packages REST API action this page makes.", back)
		return
	}
	if status, msg := u.rest(method, path, cred, nil); msg != "" {
		u.failBack(w, r, status, "The packages REST API refused, as "+cred.Name+": "+msg, back)
		return
	}
	u.opts.Logger.Info("packages REST API", "action", f.Get("action"), "package", pkg, "credential", cred.Name, "by", "webui")
	u.setFlash(sessionOf(r), "Packages REST API, as "+cred.Name+": "+done+".", false)
	if f.Get("action") == "delete-package" {
		back = Prefix + "/package?name=" + url.QueryEscape(pkg) + "&as=" + url.QueryEscape(cred.Name)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
