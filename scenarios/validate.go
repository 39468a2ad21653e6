package scenarios

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/fakeghcr/fakeghcr/authz"
)

// maxErrors caps how many problems one Parse reports.
const maxErrors = 20

var codeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Z]+(_[A-Z]+)*$`) })

// validTag reports whether tag is an OCI tag:
// [A-Za-z0-9_][A-Za-z0-9._-]{0,127}. Checked by hand: the regular
// expression's {0,127} compiles to 127 nested copies, which cost every
// start of the binary a third of a millisecond.
func validTag(tag string) bool {
	if len(tag) == 0 || len(tag) > 128 || tag[0] == '.' || tag[0] == '-' {
		return false
	}
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// builder validates a decoded file and builds the Scenario, collecting
// every problem with its position.
type builder struct {
	file  string
	pos   *positions
	errs  []*FileError
	s     *Scenario
	users map[string]bool // owners of type user
	// index maps a world path ("packages[acme/api]") to the file's
	// ("packages[3]").
	index map[string]string
}

func (b *builder) errorf(field, format string, args ...any) {
	line, col := b.pos.of(field)
	b.errs = append(b.errs, &FileError{File: b.file, Line: line, Column: col, Field: field, Err: fmt.Errorf(format, args...)})
}

func build(file string, d *fileDoc, pos *positions, prior []*FileError, marks []unknownMark) (*Scenario, error) {
	b := &builder{
		file:  file,
		pos:   pos,
		errs:  prior,
		users: map[string]bool{},
		index: map[string]string{},
		s: &Scenario{
			Name:        d.Name,
			Description: d.Description,
			Fix:         d.Fix,
			World: authz.World{
				Owners:       map[string]authz.Owner{},
				Repositories: map[string]authz.Repository{},
				Packages:     map[string]authz.Package{},
			},
			Tags:     map[string][]string{},
			Settings: Settings{AnonymousPrivateTokenStatus: DefaultAnonymousPrivateTokenStatus},
		},
	}
	if reflect.ValueOf(*d).IsZero() {
		b.s.Warnings = append(b.s.Warnings, file+" is empty: its world has no owners, repositories, packages or credentials, so GHCR's answer to every push is a refusal")
	}
	if b.s.Name == "" {
		b.s.Name = defaultName(file)
		if b.s.Name == "" {
			b.errorf("name", "required (there is no file name to take it from)")
		}
	}
	b.owners(d.Owners)
	b.repositories(d.Repositories)
	b.packages(d.Packages)
	b.unknowns(marks)
	b.credentials(d.Credentials)
	if d.Settings != nil {
		b.settings(*d.Settings)
	}
	b.expects(d.Expect)
	b.faults(d.Faults)
	if len(b.errs) == 0 {
		b.validateWorld()
	}
	return b.s, b.err()
}

// validateWorld checks the built world with authz.World.Validate, the one
// check the admin API and the test fixture also run, and reports what it
// finds at the file's field (owners, repositories and packages are lists
// in the file and maps in the world).
func (b *builder) validateWorld() {
	err := b.s.World.Validate()
	if err == nil {
		return
	}
	errs := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	for _, e := range errs {
		var p *authz.Problem
		if !errors.As(e, &p) {
			b.errorf("", "%v", e)
			continue
		}
		field := p.Path
		if head, rest, ok := strings.Cut(p.Path, "]"); ok {
			if i, known := b.index[head+"]"]; known {
				field = i + rest
			}
		}
		b.errorf(field, "%v", p.Err)
	}
}

func (b *builder) err() error { return joinFileErrors(withoutEchoes(b.errs)) }

// joinFileErrors sorts problems by position and joins them, at most
// maxErrors; one problem is returned as itself.
func joinFileErrors(fes []*FileError) error {
	if len(fes) == 0 {
		return nil
	}
	slices.SortStableFunc(fes, func(x, y *FileError) int {
		return cmp.Or(cmp.Compare(x.Line, y.Line), cmp.Compare(x.Column, y.Column))
	})
	if len(fes) == 1 {
		return fes[0]
	}
	var errs []error
	for i, e := range fes {
		if i == maxErrors {
			errs = append(errs, fmt.Errorf("%s: %d more errors", fes[0].File, len(fes)-maxErrors))
			break
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// userRef checks that login names a declared user.
func (b *builder) userRef(field, login string) bool {
	if b.users[login] {
		return true
	}
	if login == "" {
		b.errorf(field, "required")
	} else if o, ok := b.s.World.Owners[login]; ok && o.Type == authz.Organization {
		b.errorf(field, "%q is an organization, not a user", login)
	} else {
		b.errorf(field, "unknown user %q (declare it under owners with type: user)", login)
	}
	return false
}

func (b *builder) visibility(field, v string) (authz.Visibility, bool) {
	vis, err := authz.ParseVisibility(v)
	if err != nil {
		b.errorf(field, "%v", err)
		return "", false
	}
	return vis, true
}

// ownerVisibility checks a repository's or package's visibility; "" is
// private. Internal needs an organization.
func (b *builder) ownerVisibility(field, v, owner string) authz.Visibility {
	if v == "" {
		return authz.Private
	}
	vis, ok := b.visibility(field, v)
	if ok && vis == authz.Internal {
		if o, ok := b.s.World.Owners[owner]; ok && o.Type != authz.Organization {
			b.errorf(field, "internal visibility needs an organization; %s is a user", owner)
		}
	}
	return vis
}

func (b *builder) role(field, r string) (authz.Role, bool) {
	switch role := authz.Role(r); role {
	case authz.RoleRead, authz.RoleWrite, authz.RoleAdmin:
		return role, true
	}
	b.errorf(field, "unknown role %q (want read, write or admin)", r)
	return "", false
}

// repoName checks "owner/name" syntax and that the owner is declared.
func (b *builder) repoName(field, name string) (string, bool) {
	name = strings.ToLower(name)
	owner, _, _ := strings.Cut(name, "/")
	switch {
	case name == "":
		b.errorf(field, "required")
	case !authz.ValidRepositoryName(name):
		b.errorf(field, "invalid repository name %q (want owner/name)", name)
	case b.s.World.Owners[owner].Login == "":
		b.errorf(field, "owner %q of repository %s is not declared under owners", owner, name)
	default:
		return name, true
	}
	return name, false
}

// repoRef checks that name is a declared repository.
func (b *builder) repoRef(field, name string) (string, bool) {
	name, ok := b.repoName(field, name)
	if !ok {
		return name, false
	}
	if _, exists := b.s.World.Repositories[name]; !exists {
		b.errorf(field, "unknown repository %q (declare it under repositories)", name)
		return name, false
	}
	return name, true
}

// packageName checks a package name's syntax (not that it exists).
func (b *builder) packageName(field, name string) bool {
	switch {
	case name == "":
		b.errorf(field, "required")
	case strings.ToLower(name) != name:
		b.errorf(field, "invalid package name %q: must be lower case", name)
	case !authz.ValidPackageName(name):
		b.errorf(field, "invalid package name %q (want owner/name, lower case, segments of letters and digits separated by '.', '_' or '-')", name)
	default:
		return true
	}
	return false
}
