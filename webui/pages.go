package webui

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// pageData is what every template gets; each page fills its part.
type pageData struct {
	Title    string
	CSRF     string
	Flash    string
	FlashBad bool
	Error    string
	Back     string // this page's address, for forms to return to

	Owners   []ownerView
	Package  *packageView
	Repo     *repoView
	Owner    *ownerView
	Creds    []credView
	Timeline *timelineView
	Versions *versionsView
	Restore  *restoreView

	Repositories []string // every repository, for pickers
	Roles        []authz.Role
}

// pageFunc fills d for one page and names its template; a status other
// than 200 answers with it.
type pageFunc func(r *http.Request, d *pageData) (tmpl string, status int)

func (u *UI) page(fn pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := sessionOf(r)
		d := pageData{CSRF: s.csrf, Back: r.URL.RequestURI(), Roles: []authz.Role{authz.RoleRead, authz.RoleWrite, authz.RoleAdmin}}
		d.Flash, d.FlashBad = u.takeFlash(s)
		tmpl, status := fn(r, &d)
		u.render(w, r, status, tmpl, d)
	}
}

var funcs = template.FuncMap{
	"q":     url.QueryEscape,
	"list":  func(s ...string) []string { return s },
	"lower": strings.ToLower,
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
}

// render writes a whole page; a template error is a 500 with a plain page.
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, d pageData) {
	var b bytes.Buffer
	pages, err := u.pages()
	if err == nil {
		err = pages.ExecuteTemplate(&b, name, d)
	}
	if err != nil {
		http.Error(w, "fakeghcr: the page could not be drawn: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// fail answers with a page that says what was refused and why.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	u.render(w, r, status, "error", pageData{Title: http.StatusText(status), Error: msg})
}

// ownerView is an owner with its packages and repositories.
type ownerView struct {
	authz.Owner
	Packages     []packageView
	Repositories []authz.Repository
	// Creation lists the visibilities members may create packages with.
	Creation []string
	// InheritDefault is the organization's default for new packages.
	InheritDefault bool
}

func (u *UI) overview(r *http.Request, d *pageData) (string, int) {
	d.Title = "Packages"
	w := u.backend.World()
	tags := u.backend.Export().Tags
	byOwner := map[string]*ownerView{}
	get := func(login string) *ownerView {
		if o, ok := byOwner[login]; ok {
			return o
		}
		o, _ := w.Owner(login)
		if o.Login == "" {
			o.Login = login
		}
		v := &ownerView{Owner: o}
		byOwner[login] = v
		return v
	}
	for _, name := range sortedKeys(w.Owners) {
		get(name)
	}
	for _, name := range sortedKeys(w.Packages) {
		p := w.Packages[name]
		o := get(p.Owner())
		o.Packages = append(o.Packages, packageView{Package: p, Tags: tags[name]})
	}
	for _, name := range sortedKeys(w.Repositories) {
		repo := w.Repositories[name]
		o := get(repo.Owner())
		o.Repositories = append(o.Repositories, repo)
	}
	for _, login := range sortedKeys(byOwner) {
		d.Owners = append(d.Owners, *byOwner[login])
	}
	return "overview", http.StatusOK
}

// packageView is one package's settings page.
type packageView struct {
	authz.Package
	Tags    []string
	Users   []grant
	Teams   []grant
	Linked  *authz.Repository // the linked repository, if it exists
	OrgPage string            // github.com's settings address
}

// grant is one user or team with its role.
type grant struct {
	Name string
	Role authz.Role
}

func (u *UI) packagePage(r *http.Request, d *pageData) (string, int) {
	name := r.URL.Query().Get("name")
	w := u.backend.World()
	p, ok := w.Package(name)
	if !ok {
		d.Title, d.Error = "No such package", "There is no package named "+name+"."
		if strings.Contains(name, "/") {
			_, creds, _ := actingCredential(w, "")
			cred, _, _ := actingCredential(w, r.URL.Query().Get("as"))
			d.Restore = &restoreView{Package: name, As: cred.Name, Creds: creds}
		}
		return "error", http.StatusNotFound
	}
	d.Versions = u.versionsOf(w, p.Name, r.URL.Query().Get("as"))
	v := &packageView{Package: p, Tags: u.backend.Export().Tags[p.Name]}
	for _, n := range sortedKeys(p.Users) {
		v.Users = append(v.Users, grant{n, p.Users[n]})
	}
	for _, n := range sortedKeys(p.Teams) {
		v.Teams = append(v.Teams, grant{n, p.Teams[n]})
	}
	if repo, ok := w.Repository(p.Repository); ok {
		v.Linked = &repo
	}
	owner, rest, _ := strings.Cut(p.Name, "/")
	kind := "users"
	if o, ok := w.Owner(owner); ok && o.Type == authz.Organization {
		kind = "orgs"
	}
	v.OrgPage = "https://github.com/" + kind + "/" + owner + "/packages/container/" + url.PathEscape(rest) + "/settings"
	d.Title, d.Package = p.Name+" · Package settings", v
	d.Repositories = sortedKeys(w.Repositories)
	return "package", http.StatusOK
}

// repoView is a repository's Actions settings page.
type repoView struct {
	authz.Repository
	// Locked: the organization forbids read and write workflow permissions
	// (GitHub answers 409 to setting them).
	Locked    bool
	OwnerName string
	Packages  []string // packages linked to it
}

func (u *UI) repositoryPage(r *http.Request, d *pageData) (string, int) {
	name := r.URL.Query().Get("name")
	w := u.backend.World()
	repo, ok := w.Repository(name)
	if !ok {
		d.Title, d.Error = "No such repository", "There is no repository named "+name+"."
		return "error", http.StatusNotFound
	}
	v := &repoView{Repository: repo, OwnerName: repo.Owner()}
	if o, ok := w.Owner(repo.Owner()); ok {
		v.Locked = o.ForbidWorkflowWrite
	}
	for _, n := range sortedKeys(w.Packages) {
		if strings.EqualFold(w.Packages[n].Repository, repo.Name) {
			v.Packages = append(v.Packages, n)
		}
	}
	d.Title, d.Repo = repo.Name+" · Actions settings", v
	return "repository", http.StatusOK
}

func (u *UI) ownerPage(r *http.Request, d *pageData) (string, int) {
	login := r.URL.Query().Get("login")
	w := u.backend.World()
	o, ok := w.Owner(login)
	if !ok {
		d.Title, d.Error = "No such owner", "There is no user or organization named "+login+"."
		return "error", http.StatusNotFound
	}
	v := &ownerView{Owner: o, InheritDefault: o.InheritAccessDefault == nil || *o.InheritAccessDefault}
	for _, vis := range o.PackageCreation {
		v.Creation = append(v.Creation, string(vis))
	}
	if o.PackageCreation == nil {
		v.Creation = []string{"public", "private", "internal"}
	}
	d.Title, d.Owner = o.Login+" · Packages settings", v
	return "owner", http.StatusOK
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
