package diagnose

import (
	"regexp"
	"slices"
	"strings"
	"sync"
)

// A cause's explanation and fix come from the built-in scenario that
// reproduces it, whose world has its own owners (acme, alice, ...). The
// log names its own image; localize rewrites the scenario's names into the
// log's, so that no fix points at a package that is not the user's.

// names is what a log says about the refused package.
type names struct {
	owner, pkg string // lower case; pkg is OWNER/NAME
	// account is "orgs" or "users" when the log or the workflow's world
	// says which, else "".
	account string
	// repo is the workflow's repository when --workflow gave it.
	repo string
}

// worldNames are a scenario world's names localize replaces.
type worldNames struct {
	owners, users []string
}

func namesOf(sc Scenario) worldNames {
	var w worldNames
	for login, o := range sc.World.Owners {
		if o.Type == "user" {
			w.users = append(w.users, strings.ToLower(login))
		}
		w.owners = append(w.owners, strings.ToLower(login))
	}
	for _, c := range sc.World.Credentials {
		if c.User != "" && !slices.Contains(w.users, strings.ToLower(c.User)) {
			w.users = append(w.users, strings.ToLower(c.User))
		}
	}
	for name := range sc.World.Repositories {
		o, _, _ := strings.Cut(strings.ToLower(name), "/")
		if !slices.Contains(w.owners, o) {
			w.owners = append(w.owners, o)
		}
	}
	slices.Sort(w.owners)
	slices.Sort(w.users)
	return w
}

// settingsURL is the package's settings page as GitHub links it: /orgs/
// or /users/, the name's slashes encoded as %2F.
func (n names) settingsURL() string {
	_, name, _ := strings.Cut(n.pkg, "/")
	enc := strings.ReplaceAll(name, "/", "%2F")
	switch n.account {
	case "orgs", "users":
		return "https://github.com/" + n.account + "/" + n.owner + "/packages/container/" + enc + "/settings"
	}
	return "https://github.com/orgs/" + n.owner + "/packages/container/" + enc + "/settings, or https://github.com/users/" +
		n.owner + "/packages/container/" + enc + "/settings if " + n.owner + " is a user account"
}

// repoName is the workflow's repository as the text can name it.
func (n names) repoName() string {
	if n.repo != "" {
		return n.repo
	}
	return n.owner + "/<your repository>"
}

// Compiled on first use: a run that never needs them does not pay for
// them at start-up.
var (
	settingsRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`https://github\.com/(?:orgs|users)/[^/\s]+/packages/container/[^/\s)]+/settings`)
	})
	slashNameRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9._-]*[A-Za-z0-9])+`)
	})
	credNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(` "[^"]*" of `) })
	appNameRE  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(` \(app [^)]*\)`) })
)

// repoContexts precede a repository (not a package) in explanations.
var repoContexts = []string{"repository ", "workflow in ", "repository, ", "Add repository ", "linked to "}

// localize rewrites a scenario's explanation or fix (written for package
// scenarioPkg of world w) into the log's names.
func localize(text, scenarioPkg string, w worldNames, n names) string {
	if text == "" {
		return text
	}
	if n.pkg == "" {
		// The log does not name the image: name the parts to fill in.
		n.owner, n.pkg = "OWNER", "OWNER/NAME"
	}
	sp := strings.ToLower(scenarioPkg)
	so, _, _ := strings.Cut(sp, "/")
	const mark = "\x00URL\x00"
	text = strings.ReplaceAll(text, "ghcr.io/OWNER/NAME", "ghcr.io/"+n.pkg)
	text = settingsRE().ReplaceAllString(text, mark)
	text = credNameRE().ReplaceAllString(text, " of ")
	text = appNameRE().ReplaceAllString(text, "")
	var b strings.Builder
	last := 0
	for _, m := range slashNameRE().FindAllStringIndex(text, -1) {
		tok := text[m[0]:m[1]]
		b.WriteString(text[last:m[0]])
		last = m[1]
		before := text[:m[0]]
		low := strings.ToLower(tok)
		switch {
		case strings.HasPrefix(low, "ghcr.io/"):
			o, rest, _ := strings.Cut(tok[len("ghcr.io/"):], "/")
			b.WriteString("ghcr.io/" + replaceOwner(strings.ToLower(o), so, w, n))
			if rest != "" {
				b.WriteString("/" + rest)
			}
		case hasAnySuffix(before, repoContexts):
			b.WriteString(n.repoName())
		case low == sp:
			b.WriteString(n.pkg)
		case strings.Contains(low, "/"):
			o, _, _ := strings.Cut(low, "/")
			if slices.Contains(w.owners, o) || slices.Contains(w.users, o) || o == so {
				b.WriteString(n.pkg)
			} else {
				b.WriteString(tok)
			}
		default:
			b.WriteString(tok)
		}
	}
	b.WriteString(text[last:])
	text = replaceWords(b.String(), so, w, n)
	return strings.ReplaceAll(text, mark, n.settingsURL())
}

func hasAnySuffix(s string, suffixes []string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// replaceOwner maps one of the scenario's owners to the log's.
func replaceOwner(o, so string, w worldNames, n names) string {
	switch {
	case o == so:
		return n.owner
	case o == "owner":
		return "OWNER"
	case slices.Contains(w.users, o):
		return "<the token's user>"
	case slices.Contains(w.owners, o):
		return "<another owner>"
	}
	return o
}

// replaceWords replaces the scenario's owner and user names standing as
// words (letters, digits and '-' are word characters).
func replaceWords(text, so string, w worldNames, n names) string {
	var b strings.Builder
	i := 0
	for i < len(text) {
		if !isWordByte(text[i]) {
			b.WriteByte(text[i])
			i++
			continue
		}
		j := i
		for j < len(text) && isWordByte(text[j]) {
			j++
		}
		word := text[i:j]
		low := strings.ToLower(word)
		switch {
		case low == so:
			b.WriteString(n.owner)
		case slices.Contains(w.users, low):
			b.WriteString("<the token's user>")
		case slices.Contains(w.owners, low):
			b.WriteString("<another owner>")
		default:
			b.WriteString(word)
		}
		i = j
	}
	return strings.ReplaceAll(b.String(), "user <the token's user>", "the token's user")
}

func isWordByte(c byte) bool {
	return c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
