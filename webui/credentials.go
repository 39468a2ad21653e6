package webui

import (
	"net/http"
	"slices"
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
)

// credView is one credential, its secret hidden unless shown on purpose.
type credView struct {
	authz.Credential
	Shown  bool
	Detail string
	May    []packageAccess
}

// packageAccess is what a credential may do to one package, as authz
// decides it.
type packageAccess struct {
	Package      string
	Read, Write  bool
	ReadReason   authz.Reason
	WriteReason  authz.Reason
	WriteWhyNot  string
	WriteFixHint string
}

// maxAccessRows bounds the packages listed per credential.
const maxAccessRows = 20

// credentialsPage lists credentials by kind. A POST (with the session's
// CSRF token) naming one in "show" shows that one's secret.
func (u *UI) credentialsPage(r *http.Request, d *pageData) (string, int) {
	d.Title = "Credentials"
	show := ""
	if r.Method == http.MethodPost {
		show = r.PostForm.Get("show")
		d.Back = r.URL.Path
	}
	w := u.backend.World()
	pkgs := sortedKeys(w.Packages)
	if len(pkgs) > maxAccessRows {
		pkgs = pkgs[:maxAccessRows]
	}
	for _, c := range w.Credentials {
		v := credView{Credential: c, Shown: show != "" && show == c.Name, Detail: detail(c)}
		if !v.Shown {
			v.Secret = ""
		}
		p := authz.Principal{Credential: &c}
		for _, pkg := range pkgs {
			rd := authz.Decide(w, p, authz.Access{Package: pkg, Action: authz.ActionRead})
			wr := authz.Decide(w, p, authz.Access{Package: pkg, Action: authz.ActionWrite})
			v.May = append(v.May, packageAccess{Package: pkg, Read: rd.Allow, Write: wr.Allow,
				ReadReason: rd.Reason, WriteReason: wr.Reason, WriteWhyNot: wr.Explanation, WriteFixHint: wr.Fix})
		}
		d.Creds = append(d.Creds, v)
	}
	slices.SortStableFunc(d.Creds, func(a, b credView) int { return strings.Compare(string(a.Kind), string(b.Kind)) })
	return "credentials", http.StatusOK
}

// detail says whose a credential is and what it carries, never its secret.
func detail(c authz.Credential) string {
	var parts []string
	if c.User != "" {
		parts = append(parts, "user "+c.User)
	}
	if len(c.Scopes) > 0 {
		parts = append(parts, "scopes "+strings.Join(c.Scopes, ", "))
	}
	if c.Repository != "" {
		parts = append(parts, "workflow in "+c.Repository)
		switch c.Packages {
		case "":
			parts = append(parts, "no permissions block (the repository's default)")
		default:
			parts = append(parts, "permissions: packages: "+string(c.Packages))
		}
	}
	if c.Event != "" {
		parts = append(parts, "event "+c.Event)
	}
	if c.Fork {
		parts = append(parts, "from a fork")
	}
	if c.Dependabot {
		parts = append(parts, "Dependabot")
	}
	if c.App != "" {
		parts = append(parts, "app "+c.App)
	}
	if c.Secret == authz.Wildcard {
		parts = append(parts, "matches any unknown secret")
	}
	return strings.Join(parts, "; ")
}
