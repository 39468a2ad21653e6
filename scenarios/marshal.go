package scenarios

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/fakeghcr/fakeghcr/authz"
)

// Marshal writes a scenario in the file format Parse reads: owners,
// repositories and packages sorted by name (organizations first), and
// every repository id written out so that links by id stay valid when the
// file is edited. The result is checked by parsing it back.
func Marshal(s *Scenario) ([]byte, error) {
	if s == nil {
		return nil, fmt.Errorf("marshal scenario: nil scenario")
	}
	for name := range s.Tags {
		if _, ok := s.World.Packages[name]; !ok && len(s.Tags[name]) > 0 {
			return nil, fmt.Errorf("marshal scenario %q: tags for package %q, which is not in the world", s.Name, name)
		}
	}
	w := writer{s: s}
	w.field(0, "name", s.Name)
	w.text("description", s.Description)
	w.text("fix", s.Fix)
	w.owners(s.World.Owners)
	w.repositories(s.World.Repositories)
	w.packages(s.World.Packages, s.Tags, s.Indexes, s.Artifacts)
	w.credentials(s.World.Credentials)
	if st := s.Settings.AnonymousPrivateTokenStatus; st != 0 && st != DefaultAnonymousPrivateTokenStatus {
		w.line(0, "settings:")
		w.line(2, "anonymous_private_token_status: "+strconv.Itoa(st))
	}
	w.expects(s.Expect)
	out := w.buf.Bytes()
	if _, err := Parse(cmp.Or(s.Name, "scenario")+".yaml", out); err != nil {
		return nil, fmt.Errorf("marshal scenario %q: the world does not validate: %w", s.Name, err)
	}
	return out, nil
}

type writer struct {
	buf bytes.Buffer
	s   *Scenario
}

// unknown writes "key: unknown" when the scenario marks section[name].key
// unknown, and says so.
func (w *writer) unknown(indent int, section, name, key string) bool {
	if !w.s.Unknown(section, name, key) {
		return false
	}
	w.line(indent, key+": "+UnknownValue)
	return true
}

func (w *writer) line(indent int, s string) {
	w.buf.WriteString(strings.Repeat(" ", indent))
	w.buf.WriteString(s)
	w.buf.WriteByte('\n')
}

// field writes "key: value" unless value is empty.
func (w *writer) field(indent int, key, value string) {
	if value != "" {
		w.line(indent, key+": "+blockScalar(value))
	}
}

// item writes the first field of a list item ("- key: value").
func (w *writer) item(indent int, key, value string) {
	w.line(indent, "- "+key+": "+blockScalar(value))
}

func (w *writer) flag(indent int, key string, v bool) {
	if v {
		w.line(indent, key+": true")
	}
}

func (w *writer) list(indent int, key string, values []string) {
	if values != nil {
		w.line(indent, key+": "+flowList(values))
	}
}

// text writes a top-level multi-line string as a literal block when that
// reads back exactly, and as a quoted scalar otherwise.
func (w *writer) text(key, s string) {
	if s == "" {
		return
	}
	if !literalSafe(s) {
		w.line(0, key+": "+scalar(s))
		return
	}
	header := "|"
	if !strings.HasSuffix(s, "\n") {
		header = "|-"
	}
	w.line(0, key+": "+header)
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if l == "" {
			w.buf.WriteByte('\n')
		} else {
			w.line(2, l)
		}
	}
}

func literalSafe(s string) bool {
	if !strings.Contains(s, "\n") || strings.HasSuffix(s, "\n\n") {
		return false
	}
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if lines[0] == "" || lines[0][0] == ' ' {
		return false
	}
	for _, l := range lines {
		if strings.TrimRight(l, " ") != l {
			return false
		}
		for _, r := range l {
			if !unicode.IsPrint(r) || r == '\uFEFF' {
				return false
			}
		}
	}
	return true
}

func (w *writer) owners(owners map[string]authz.Owner) {
	if len(owners) == 0 {
		return
	}
	keys := slices.SortedFunc(maps.Keys(owners), func(a, b string) int {
		return cmp.Or(cmp.Compare(typeRank(owners[a].Type), typeRank(owners[b].Type)), cmp.Compare(a, b))
	})
	w.line(0, "owners:")
	for _, k := range keys {
		o := owners[k]
		w.item(2, "login", cmp.Or(o.Login, k))
		w.field(4, "type", string(o.Type))
		var members, orgOwners []string
		for _, m := range o.Members {
			members = append(members, m.Login)
			if m.Owner {
				orgOwners = append(orgOwners, m.Login)
			}
		}
		if !w.unknown(4, "owners", k, "members") {
			w.list(4, "members", members)
		}
		if !w.unknown(4, "owners", k, "owners") {
			w.list(4, "owners", orgOwners)
		}
		switch {
		case w.unknown(4, "owners", k, "teams"):
		case len(o.Teams) > 0:
			w.line(4, "teams:")
			for _, slug := range slices.Sorted(maps.Keys(o.Teams)) {
				w.line(6, scalar(slug)+": "+flowList(o.Teams[slug]))
			}
		}
		switch {
		case w.unknown(4, "owners", k, "package_creation"):
		case o.PackageCreation != nil:
			vis := make([]string, 0, len(o.PackageCreation))
			for _, v := range o.PackageCreation {
				vis = append(vis, string(v))
			}
			w.list(4, "package_creation", vis)
		}
		if !w.unknown(4, "owners", k, "forbid_classic_pat") {
			w.flag(4, "forbid_classic_pat", o.ForbidClassicPAT)
		}
		if !w.unknown(4, "owners", k, "forbid_workflow_write") {
			w.flag(4, "forbid_workflow_write", o.ForbidWorkflowWrite)
		}
		switch {
		case w.unknown(4, "owners", k, "inherit_access_default"):
		case o.InheritAccessDefault != nil:
			w.line(4, "inherit_access_default: "+strconv.FormatBool(*o.InheritAccessDefault))
		}
		w.field(4, "enterprise", o.Enterprise)
	}
}

func typeRank(t authz.OwnerType) int {
	if t == authz.Organization {
		return 0
	}
	return 1
}

func (w *writer) repositories(repos map[string]authz.Repository) {
	if len(repos) == 0 {
		return
	}
	w.line(0, "repositories:")
	for _, k := range slices.Sorted(maps.Keys(repos)) {
		r := repos[k]
		w.item(2, "name", cmp.Or(r.Name, k))
		if r.ID != 0 {
			w.line(4, "id: "+strconv.FormatInt(r.ID, 10))
		}
		if !w.unknown(4, "repositories", k, "visibility") {
			w.field(4, "visibility", string(r.Visibility))
		}
		if !w.unknown(4, "repositories", k, "workflow_permission") {
			w.field(4, "workflow_permission", string(r.WorkflowPermission))
		}
		if !w.unknown(4, "repositories", k, "collaborators") {
			w.roles(4, "collaborators", r.Collaborators)
		}
	}
}

func (w *writer) roles(indent int, key string, roles map[string]authz.Role) {
	if len(roles) == 0 {
		return
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(roles)) {
		parts = append(parts, scalar(k)+": "+scalar(string(roles[k])))
	}
	w.line(indent, key+": {"+strings.Join(parts, ", ")+"}")
}

func (w *writer) packages(pkgs map[string]authz.Package, tags map[string][]string, indexes map[string][]Index, artifacts map[string][]Artifact) {
	if len(pkgs) == 0 {
		return
	}
	w.line(0, "packages:")
	for _, k := range slices.Sorted(maps.Keys(pkgs)) {
		p := pkgs[k]
		name := cmp.Or(p.Name, k)
		w.item(2, "name", name)
		w.field(4, "visibility", string(p.Visibility))
		w.field(4, "repository", p.Repository)
		if p.RepositoryID != 0 {
			w.line(4, "repository_id: "+strconv.FormatInt(p.RepositoryID, 10))
		}
		if !w.unknown(4, "packages", k, "inherit_access") {
			w.flag(4, "inherit_access", p.InheritAccess)
		}
		switch {
		case w.unknown(4, "packages", k, "actions_access"):
		case len(p.ActionsAccess) > 0:
			w.line(4, "actions_access:")
			for _, g := range p.ActionsAccess {
				id := ""
				if g.RepositoryID != 0 {
					id = ", repository_id: " + strconv.FormatInt(g.RepositoryID, 10)
				}
				w.line(6, "- {repository: "+scalar(g.Repository)+", role: "+scalar(string(g.Role))+id+"}")
			}
		}
		if !w.unknown(4, "packages", k, "users") {
			w.roles(4, "users", p.Users)
		}
		if !w.unknown(4, "packages", k, "teams") {
			w.roles(4, "teams", p.Teams)
		}
		if t := tags[name]; len(t) > 0 {
			w.list(4, "tags", t)
		}
		if ix := indexes[name]; len(ix) > 0 {
			w.line(4, "indexes:")
			for _, i := range ix {
				w.line(6, "- {tag: "+scalar(i.Tag)+", platforms: "+flowList(i.Platforms)+"}")
			}
		}
		if as := artifacts[name]; len(as) > 0 {
			w.line(4, "artifacts:")
			for _, a := range as {
				w.line(6, "- {subject: "+scalar(a.Subject)+", artifact_type: "+scalar(a.ArtifactType)+"}")
			}
		}
	}
}

func (w *writer) credentials(creds []authz.Credential) {
	if len(creds) == 0 {
		return
	}
	w.line(0, "credentials:")
	for _, c := range creds {
		w.item(2, "name", c.Name)
		w.field(4, "secret", c.Secret)
		w.field(4, "type", string(c.Kind))
		w.field(4, "repository", c.Repository)
		w.field(4, "packages", string(c.Packages))
		w.field(4, "event", c.Event)
		w.flag(4, "fork", c.Fork)
		w.flag(4, "dependabot", c.Dependabot)
		w.field(4, "reusable_workflow", c.ReusableWorkflow)
		w.field(4, "user", c.User)
		w.list(4, "scopes", c.Scopes)
		w.field(4, "app", c.App)
		w.flag(4, "revoked", c.Revoked)
	}
}

func (w *writer) expects(expects []Expect) {
	if len(expects) == 0 {
		return
	}
	w.line(0, "expect:")
	for _, e := range expects {
		w.item(2, "name", e.Name)
		w.field(4, "credential", e.Credential)
		w.field(4, "action", e.Action)
		w.field(4, "package", e.Package)
		w.field(4, "tag", e.Tag)
		if e.Status != 0 {
			w.line(4, "status: "+strconv.Itoa(e.Status))
		}
		w.field(4, "code", e.Code)
		w.field(4, "message", e.Message)
		w.field(4, "reason", string(e.Reason))
	}
}

func flowList(values []string) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = scalar(v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// plainRE matches strings safe to write unquoted, in block and flow
// context alike: they start with a letter or '_' and hold no character
// YAML gives a meaning to (a ':' only between word characters).
var plainRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_./@+-]*(:[A-Za-z0-9_./@+-]+)*$`)
})

// blockPlainRE matches strings safe to write unquoted as a block mapping's
// value: words of plain characters separated by single spaces.
var blockPlainRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_./@+'(),-]*( [A-Za-z0-9_./@+'(),-]+)*$`)
})

// blockScalar writes s as the value of a block mapping: like scalar, but
// sentences of plain words need no quotes.
func blockScalar(s string) string {
	if blockPlainRE().MatchString(s) && !strings.ContainsAny(s, ":") {
		switch strings.ToLower(s) {
		case "y", "yes", "n", "no", "true", "false", "on", "off", "null":
		default:
			return s
		}
	}
	return scalar(s)
}

// scalar writes s as a YAML scalar: plain when unambiguous, otherwise
// double-quoted with YAML escapes.
func scalar(s string) string {
	if plainRE().MatchString(s) {
		switch strings.ToLower(s) {
		case "y", "yes", "n", "no", "true", "false", "on", "off", "null":
		default:
			return s
		}
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			switch {
			case r < 0x20 || r == 0x7f:
				fmt.Fprintf(&b, `\x%02x`, r)
			case r == '\uFEFF' || (r > 0x7f && !unicode.IsPrint(r)):
				if r > 0xffff {
					fmt.Fprintf(&b, `\U%08x`, r)
				} else {
					fmt.Fprintf(&b, `\u%04x`, r)
				}
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
