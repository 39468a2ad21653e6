package diagnose

import (
	"net/url"
	"strings"

	"github.com/fakeghcr/fakeghcr/internal/levenshtein"
)

// Real logs rarely name the tool on the failing line: helm, podman, ko or
// goreleaser print a library's error (oras-go, containers/image,
// go-containerregistry, the docker CLI), and the image often appears only
// on an earlier line ("The push refers to repository [...]", "Pulling
// image ..."). context keeps what the lines before a failure said.

// contextLines is how far back a tool or image named before a failure
// still belongs to it.
const contextLines = 60

// context is what the log said before the current line. The last
// contextLines lines are kept and read back only when a failure needs them,
// so the lines between failures cost a few substring tests each.
type context struct {
	ring     [contextLines]string
	ringLine [contextLines]int
	// what each kept line names, read once: done, tool, image
	ringDone  [contextLines]bool
	ringTool  [contextLines]string
	ringImage [contextLines]string
	authImage string // the last image BuildKit fetched a push token for
	authLine  int
	event     string // "dependabot" or "pull_request" when the log says so
	app       bool   // the log logs in with a GitHub App installation token
	scopes    map[string]string
}

// tools are markers naming the program that printed a failure, most
// specific first. A marker on the failing line wins over earlier lines.
var tools = []struct{ marker, tool string }{
	{"kubelet", "kubelet"},
	{"Failed to pull image", "kubelet"},
	{"ErrImagePull", "kubelet"},
	{"ImagePullBackOff", "kubelet"},
	{"nerdctl", "nerdctl"},
	{"goreleaser", "goreleaser"},
	{"release failed after", "goreleaser"},
	{"ko://", "ko"},
	{"ko publish", "ko"},
	{"ko build", "ko"},
	{"publish multi-arch image with ko", "ko"},
	{"cosign", "cosign"},
	{"signing [", "cosign"},
	{"Error: signing ", "cosign"},
	{"signing digest", "cosign"},
	{"• pushing", "goreleaser"},
	{"error during command execution: signing", "cosign"},
	{"helm ", "helm"},
	{"Helm/", "helm"},
	{"helm.go", "helm"},
	{"oci://", "helm"},
	{"failed to perform \"Push\" on destination", "helm"},
	{"INSTALLATION FAILED", "helm"},
	{"buildah", "buildah"},
	{"podman", "podman"},
	{"Emulate Docker CLI using podman", "podman"},
	{"docker compose", "docker compose"},
	{"docker-compose", "docker compose"},
	{"Pulling proxy (", "docker compose"},
	{" Error Head \"", "docker compose"},
	{"✘", "docker compose"},
	{"skopeo", "skopeo"},
	{"crane ", "crane"},
	{"oras ", "oras"},
	{"regctl", "regctl"},
	{"docker/build-push-action", "buildx"},
	{"buildx", "buildx"},
	{"failed to solve", "buildx"},
	{"[auth] ", "buildx"},
	{"docker push", "docker"},
	{"docker pull", "docker"},
	{"docker login", "docker"},
	{"docker run", "docker"},
	{"The push refers to repository", "docker"},
}

// toolOf names the program a line shows, or "".
func toolOf(line string) string {
	for _, t := range tools {
		if strings.Contains(line, t.marker) {
			return t.tool
		}
	}
	if buildkitStep(line) {
		return "buildx"
	}
	if strings.Contains(line, "Error response from daemon") {
		return "docker"
	}
	return ""
}

// buildkitStep: BuildKit's progress lines start with "#N ".
func buildkitStep(line string) bool {
	if len(line) < 3 || line[0] != '#' {
		return false
	}
	i := 1
	for i < len(line) && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	return i > 1 && i < len(line) && line[i] == ' '
}

// imageMarkers precede an image reference on a line.
var imageMarkers = []string{
	"The push refers to repository [", "docker push ", "docker pull ", "docker run ", "podman push ", "podman pull ",
	"buildah push ", "nerdctl pull ", "nerdctl push ", "Pulling image \"", "Failed to pull image \"", "image=", "Pulling ",
	"Trying to pull ", "Image ", "failed to push ", "pushing manifest for ", "oci://", "docker://", "crane push ", "crane pull ",
	"skopeo copy ", "skopeo inspect ", "helm pull ", "helm install ", "cosign sign ", "signing [", "signing ",
	"load metadata for ", "importing cache manifest from ", "Pushed: ", "Unable to find image '",
}

// imageIn returns the last image reference a line names after one of
// imageMarkers, normalised to host/path (docker.io for a name without a
// registry host), or "".
func imageIn(line string) string {
	found := ""
	for _, m := range imageMarkers {
		i := strings.LastIndex(line, m)
		if i < 0 {
			continue
		}
		rest := line[i+len(m):]
		w := strings.FieldsFunc(rest, func(r rune) bool {
			return r == ' ' || r == '"' || r == ']' || r == ')' || r == '(' || r == '\'' || r == ',' || r == '`' || r == '@'
		})
		if len(w) == 0 {
			continue
		}
		ref := w[0]
		if m == "Pulling " && len(w) > 1 && strings.HasPrefix(rest, w[0]+" (") {
			ref = w[1] // docker-compose v1: Pulling SERVICE (IMAGE)...
		}
		if !strings.Contains(ref, "/") && !strings.Contains(ref, ".") {
			continue
		}
		if n := normalizeRef(ref); n != "" {
			found = n
		}
	}
	if found == "" {
		found = ghcrPath(line)
	}
	return found
}

// ghcrPath reads the last ghcr.io repository a line names, in an image
// reference or a /v2/ URL, or "".
func ghcrPath(line string) string {
	i := strings.LastIndex(line, "ghcr.io/")
	for i >= 0 {
		rest := line[i+len("ghcr.io/"):]
		end := strings.IndexFunc(rest, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '/' || r == '-' || r == '_' || r == '.' || r == ':')
		})
		if end >= 0 {
			rest = rest[:end]
		}
		if p, ok := strings.CutPrefix(rest, "v2/"); ok {
			for _, cut := range []string{"/manifests/", "/blobs/", "/tags/"} {
				if j := strings.Index(p, cut); j > 0 {
					return "ghcr.io/" + strings.ToLower(p[:j])
				}
			}
		} else if !strings.HasPrefix(rest, "token") {
			if n := normalizeRef("ghcr.io/" + rest); n != "" && strings.Count(n, "/") >= 2 {
				return n
			}
		}
		i = strings.LastIndex(line[:i], "ghcr.io/")
	}
	return ""
}

// imageGates: a line naming an image contains one of these (a cheap test
// before imageIn's markers).
var imageGates = []string{"ghcr", "push", "Push", "pull", "Pull", "mage", "://", "metadata", "cache", "sign", "login"}

// mayNameImage reports whether a line may name an image reference.
func mayNameImage(line string) bool {
	if strings.IndexByte(line, '/') < 0 {
		return false
	}
	for _, g := range imageGates {
		if strings.Contains(line, g) {
			return true
		}
	}
	return false
}

// normalizeRef turns an image reference into host/path without tag or
// digest; a reference without a registry host is Docker Hub's.
func normalizeRef(ref string) string {
	ref = strings.TrimRight(strings.TrimSuffix(strings.TrimPrefix(ref, "oci://"), "..."), ":.")
	ref = strings.TrimPrefix(ref, "docker://")
	ref = strings.TrimPrefix(ref, "https://")
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref = ref[:i]
	}
	ref = strings.TrimRight(ref, "/.:")
	if ref == "" || strings.ContainsAny(ref, "{}$<>*") {
		return ""
	}
	host, rest, ok := strings.Cut(ref, "/")
	if !ok {
		return ""
	}
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		return "docker.io/" + ref
	}
	if rest == "" {
		return ""
	}
	return strings.ToLower(host) + "/" + rest
}

// see records a line.
func (c *context) see(line string, n int) {
	k := n % contextLines
	c.ring[k], c.ringLine[k], c.ringDone[k] = line, n, false
	if strings.Contains(line, "x-access-token") || strings.Contains(line, "nstallation token") || strings.Contains(line, "INSTALLATION_TOKEN") {
		c.app = true
	}
	switch {
	case strings.Contains(line, "ependabot"):
		c.event = "dependabot"
	case c.event == "" && (strings.Contains(line, "pull_request") || strings.Contains(line, "refs/pull/") || strings.Contains(line, "from a fork")):
		c.event = "pull_request"
	}
	// BuildKit names each token's scopes: "[auth] acme/api:pull,push token for ghcr.io".
	if i := strings.Index(line, "[auth] "); i >= 0 {
		if j := strings.Index(line, " token for "); j >= i+len("[auth] ") {
			host := strings.TrimSpace(line[j+len(" token for "):])
			for _, s := range strings.Fields(line[i+len("[auth] ") : j]) {
				if k := strings.LastIndexByte(s, ':'); k > 0 {
					if c.scopes == nil {
						c.scopes = map[string]string{}
					}
					if len(c.scopes) < 1000 {
						c.scopes[host+"/"+strings.ToLower(s[:k])] = s[k+1:]
					}
					if strings.Contains(s[k+1:], "push") {
						c.authImage, c.authLine = host+"/"+strings.ToLower(s[:k]), n
					}
				}
			}
		}
	}
}

// recent calls f with what the kept lines before line n name, the
// nearest first, until it returns true. Each line is read once.
func (c *context) recent(n int, f func(tool, image string, at int) bool) {
	for at := n - 1; at > 0 && at >= n-contextLines; at-- {
		k := at % contextLines
		if c.ringLine[k] != at {
			continue
		}
		if !c.ringDone[k] {
			line := c.ring[k]
			c.ringTool[k] = toolOf(line)
			c.ringImage[k] = ""
			if mayNameImage(line) {
				c.ringImage[k] = imageIn(line)
			}
			c.ringDone[k], c.ring[k] = true, ""
		}
		if f(c.ringTool[k], c.ringImage[k], at) {
			return
		}
	}
}

// recentTool is the tool named within contextLines before line n: the
// nearest wrapper (goreleaser, compose, helm, ...), else the nearest docker
// or BuildKit line, whose lines also appear inside wrappers.
func (c *context) recentTool(n int) string {
	weak := ""
	strong := ""
	c.recent(n, func(t, _ string, _ int) bool {
		switch {
		case t == "":
		case t == "docker" || t == "buildx":
			if weak == "" {
				weak = t
			}
		default:
			strong = t
			return true
		}
		return false
	})
	if strong != "" {
		return strong
	}
	return weak
}

// recentImage is the image named within contextLines before line n.
func (c *context) recentImage(n int) string {
	img, at := "", 0
	c.recent(n, func(_, i string, l int) bool {
		if i != "" {
			img, at = i, l
			return true
		}
		return false
	})
	if c.authImage != "" && n-c.authLine <= contextLines && c.authLine > at {
		return c.authImage
	}
	return img
}

// scopeOf reads the actions a /token query asked for, for its first
// repository scope: "pull" or "pull,push" (or "push,pull").
func scopeOf(query string) string {
	v, err := url.ParseQuery(query)
	if err != nil {
		return ""
	}
	for _, s := range v["scope"] {
		if rest, ok := strings.CutPrefix(s, "repository:"); ok {
			if i := strings.LastIndexByte(rest, ':'); i > 0 {
				return rest[i+1:]
			}
		}
	}
	return ""
}

// knownRegistries are hosts one edit away from ghcr.io that are real
// registries, not typos.
var knownRegistries = map[string]bool{"gcr.io": true, "ghcr.io": true}

// typoOfGHCR reports whether host looks like a misspelling of ghcr.io
// (ghrc.io, gchr.io, ghcr.com, ...).
func typoOfGHCR(host string) bool {
	host = strings.ToLower(host)
	if knownRegistries[host] {
		return false
	}
	switch host {
	case "ghrc.io", "gchr.io", "hgcr.io", "ghcr.com", "ghcr.oi", "ghcr.i", "ghc.io", "ghcrio", "ghcr.io.", "gh.cr.io", "ghcr.co":
		return true
	}
	return levenshtein.Distance(host, "ghcr.io") == 1 && strings.HasSuffix(host, ".io") && strings.HasPrefix(host, "g")
}
