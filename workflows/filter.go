package workflows

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// RefFilters are a push trigger's branch, tag and path filters [GitHub
// docs: "Workflow syntax for GitHub Actions", on.push.<branches|tags|
// branches-ignore|tags-ignore> and on.push.<paths|paths-ignore>]. A nil
// list is a filter the trigger does not set.
type RefFilters struct {
	Branches, BranchesIgnore []string
	Tags, TagsIgnore         []string
	Paths, PathsIgnore       []string
}

// RunsForBranch reports whether a push to branch triggers the workflow
// through these filters, paths aside:
//   - no branch and no tag filter: every branch and tag runs it;
//   - only tag filters: branches never run it ("if you define only
//     tags/tags-ignore or only branches/branches-ignore, the workflow won't
//     run for events affecting the undefined Git ref");
//   - branches: the last pattern that matches decides (a "!" pattern
//     excludes, a later positive pattern includes again);
//   - branches-ignore: any matching pattern excludes.
//
// A pattern that cannot be read counts as matching a positive filter and
// as not matching an ignore filter: check then plays the run rather than
// hide it.
func (f RefFilters) RunsForBranch(branch string) bool {
	switch {
	case f.Branches != nil:
		in := false
		for _, p := range f.Branches {
			neg := strings.HasPrefix(p, "!")
			if ok, known := matchFilter(strings.TrimPrefix(p, "!"), branch); ok || !known && !neg {
				in = !neg
			}
		}
		return in
	case f.BranchesIgnore != nil:
		for _, p := range f.BranchesIgnore {
			if ok, known := matchFilter(p, branch); ok && known {
				return false
			}
		}
		return true
	}
	return f.Tags == nil && f.TagsIgnore == nil
}

// HasPaths reports whether a path filter decides too.
func (f RefFilters) HasPaths() bool { return f.Paths != nil || f.PathsIgnore != nil }

// matchFilter matches a ref against one filter pattern, per GitHub's
// filter pattern cheat sheet: * is any run of characters but /, ** any run
// of characters, ? zero or one and + one or more of the preceding
// character, [...] one listed character, \ escapes. known is false for a
// pattern that does not compile.
func matchFilter(pattern, ref string) (ok, known bool) {
	// The common forms (main, v*, releases/**, **) are matched without
	// compiling a regular expression: check tries each event's filters
	// against several branches in every workflow.
	const special = "*?+[\\"
	literal, star := pattern, ""
	if strings.HasSuffix(pattern, "**") {
		literal, star = pattern[:len(pattern)-2], "**"
	} else if strings.HasSuffix(pattern, "*") {
		literal, star = pattern[:len(pattern)-1], "*"
	}
	if !strings.ContainsAny(literal, special) && utf8.ValidString(literal) {
		switch star {
		case "":
			return ref == literal, true
		case "**":
			return strings.HasPrefix(ref, literal), true
		default:
			rest, found := strings.CutPrefix(ref, literal)
			return found && !strings.Contains(rest, "/"), true
		}
	}
	re, err := filterRegexp(pattern)
	if err != nil {
		return false, false
	}
	return re.MatchString(ref), true
}

func filterRegexp(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '*' && i+1 < len(pattern) && pattern[i+1] == '*':
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?' || c == '+':
			b.WriteByte(c)
		case c == '[':
			end := strings.IndexByte(pattern[i:], ']')
			if end < 0 {
				b.WriteString(`\[`)
				continue
			}
			b.WriteString(pattern[i : i+end+1])
			i += end
		case c == '\\' && i+1 < len(pattern):
			_, size := utf8.DecodeRuneInString(pattern[i+1:])
			b.WriteString(regexp.QuoteMeta(pattern[i+1 : i+1+size]))
			i += size
		default:
			_, size := utf8.DecodeRuneInString(pattern[i:])
			b.WriteString(regexp.QuoteMeta(pattern[i : i+size]))
			i += size - 1
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}
