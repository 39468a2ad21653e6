package check

import (
	"slices"
	"strings"

	"github.com/fakeghcr/fakeghcr/clientlines"
)

// Actions a finding reports.
const (
	ActionPush  = "push"
	ActionPull  = "pull"
	ActionLogin = "login"
	// ActionCall is a call of a reusable workflow check could not read.
	ActionCall = "call"
)

// interaction is one thing a step does with a registry.
type interaction struct {
	action string
	client clientlines.Name
	// tool is how the step reaches the registry, e.g. "docker/build-push-action"
	// or "crane copy".
	tool string
	// ref is the image as written after expansion (host/path:tag), for
	// pushes and pulls; host alone for logins.
	refs []string
	// password of a login (markers kept); passwordSet says one was given.
	password    string
	passwordSet bool
	// inline is a credential given on the command itself (skopeo --dest-creds).
	inline    string
	line      int
	headFirst bool
	// manifestOnly: the push only PUTs a manifest (crane tag).
	manifestOnly bool
	// pushUnknown: whether the step pushes could not be evaluated.
	pushUnknown string
	// credFile: the tool takes its credential from a file check does not
	// read (kaniko's config.json, a build file); why, if so.
	credFile string
	prefix   string // console prefix of the client (podman's "Error: ")
}

// ref is a parsed image reference.
type ref struct {
	host, repo, tag string
}

func (r ref) image() string { return r.host + "/" + r.repo }

// parseRef splits host/path[:tag][@digest]. A reference without a host
// part (no dot, colon or "localhost" in its first segment) is Docker Hub's.
func parseRef(s string) (ref, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(s, "docker://"), "oci://"), "oras://")
	if s == "" {
		return ref{}, false
	}
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s = s[:i]
	}
	host, rest, ok := strings.Cut(s, "/")
	if strings.ContainsRune(host, secretOpen) {
		// The registry is a secret's value: unknown, maybe ghcr.io.
		host = unresolved(display(host))
	}
	if !resolved(host) && strings.HasPrefix(host, string(unresolvedOpen)) {
		// The registry itself is unknown: the caller reports it.
		return ref{host: host, repo: rest}, true
	}
	if !ok || !(strings.ContainsAny(host, ".:") || host == "localhost") {
		return ref{host: "docker.io", repo: s}, true
	}
	r := ref{host: host, repo: rest}
	if i := strings.LastIndexByte(rest, ':'); i > strings.LastIndexByte(rest, '/') {
		r.repo, r.tag = rest[:i], rest[i+1:]
	}
	return r, r.repo != ""
}

// isGHCR reports whether host is ghcr.io (hosts are case-insensitive).
func isGHCR(host string) bool { return strings.EqualFold(host, "ghcr.io") }

// fromRun finds the registry commands of one run: script, already
// interpolated; lineOf maps a script line to the file line.
func fromRun(cmds []command, lineOf func(int) int) []interaction {
	var out []interaction
	for _, c := range cmds {
		args := c.args
		// A command after a shell keyword (if docker push ...; then, do
		// docker push ...; done) or a wrapper (sudo, time, exec, command).
		for len(args) > 0 && (shellLead[args[0]] || args[0] == "timeout") {
			if args[0] == "timeout" {
				// timeout [-s SIG] [-k D] [--foreground] DURATION COMMAND
				args = args[1:]
				for len(args) > 0 && strings.HasPrefix(args[0], "-") {
					if (args[0] == "-s" || args[0] == "-k") && len(args) > 1 {
						args = args[1:]
					}
					args = args[1:]
				}
			}
			if len(args) > 0 {
				args = args[1:]
			}
		}
		if len(args) == 0 {
			continue
		}
		line := lineOf(c.line)
		tool := args[0]
		switch tool {
		case "docker", "podman", "buildah", "nerdctl":
			out = append(out, dockerCommand(tool, args[1:], c.stdin, line)...)
		case "docker-compose", "podman-compose":
			out = append(out, dockerCommand("docker", append([]string{"compose"}, args[1:]...), c.stdin, line)...)
		case "crane":
			out = append(out, craneCommand(args[1:], c.stdin, line)...)
		case "oras":
			out = append(out, orasCommand(args[1:], c.stdin, line)...)
		case "skopeo":
			out = append(out, skopeoCommand(args[1:], c.stdin, line)...)
		case "helm":
			out = append(out, helmCommand(args[1:], c.stdin, line)...)
		case "regctl":
			out = append(out, regctlCommand(args[1:], c.stdin, line)...)
		case "cosign":
			out = append(out, cosignCommand(args[1:], c.stdin, line)...)
		case "ko":
			out = append(out, koCommand(args[1:], c.env, line)...)
		default:
			ins, _ := moreTools(args, c.stdin, line)
			out = append(out, ins...)
		}
	}
	return out
}

// shellLead are words that may come before a command on its line.
var shellLead = map[string]bool{"sudo": true, "time": true, "exec": true, "command": true, "if": true, "then": true, "else": true,
	"elif": true, "do": true, "while": true, "until": true, "!": true, "{": true, "(": true, "nohup": true, "retry": true}

// flags collects the positional arguments and the values of the options
// named in withValue (long or short), e.g. -t, --tag.
type parsedArgs struct {
	pos   []string
	vals  map[string][]string
	bools map[string]bool
}

func parseArgs(args []string, withValue ...string) parsedArgs {
	p := parsedArgs{vals: map[string][]string{}, bools: map[string]bool{}}
	takes := map[string]bool{}
	for _, w := range withValue {
		takes[w] = true
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			p.pos = append(p.pos, a)
			continue
		}
		name, v, hasEq := strings.Cut(a, "=")
		if hasEq {
			p.vals[name] = append(p.vals[name], v)
			continue
		}
		if takes[name] && i+1 < len(args) {
			p.vals[name] = append(p.vals[name], args[i+1])
			i++
			continue
		}
		p.bools[name] = true
	}
	return p
}

func (p parsedArgs) first(names ...string) (string, bool) {
	for _, n := range names {
		if v := p.vals[n]; len(v) > 0 {
			return v[0], true
		}
	}
	return "", false
}

func (p parsedArgs) all(names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, p.vals[n]...)
	}
	return out
}

func loginCmd(client clientlines.Name, tool string, p parsedArgs, stdin string, line int) []interaction {
	if len(p.pos) == 0 {
		return nil
	}
	in := interaction{action: ActionLogin, client: client, tool: tool, refs: []string{p.pos[0]}, line: line}
	if pw, ok := p.first("-p", "--password"); ok {
		in.password, in.passwordSet = pw, true
	} else if p.bools["--password-stdin"] {
		in.password, in.passwordSet = stdin, true
	}
	return []interaction{in}
}

// dockerRunValueFlags are docker run's options that take a value.
var dockerRunValueFlags = []string{"-e", "--env", "-v", "--volume", "-w", "--workdir", "-p", "--publish", "--name", "--network", "--entrypoint",
	"-u", "--user", "--platform", "--env-file", "--mount", "-l", "--label", "--add-host", "--pull", "-m", "--memory", "--cpus", "--hostname", "-h", "--shm-size", "--ulimit", "--cap-add", "--security-opt", "--device", "--gpus", "--restart", "--log-driver", "--tmpfs", "--ipc", "--pid", "--cidfile", "--stop-signal"}

var dockerValueFlags = []string{"-u", "--username", "-p", "--password", "-t", "--tag", "-o", "--output", "-f", "--file", "--platform", "--build-arg", "--cache-from", "--cache-to", "--target", "--label", "--builder", "--secret", "--progress", "--iidfile", "--metadata-file", "--network", "--annotation", "--attest", "--provenance", "--sbom", "--creds", "--authfile"}

func dockerCommand(tool string, args []string, stdin string, line int) []interaction {
	client, prefix := clientlines.Docker, ""
	headFirst := false
	switch tool {
	case "podman", "buildah":
		client, headFirst = clientlines.Podman, true
	case "nerdctl":
		client = clientlines.Containerd
	}
	if len(args) == 0 {
		return nil
	}
	sub := args[0]
	rest := args[1:]
	if sub == "image" && len(rest) > 0 {
		sub, rest = rest[0], rest[1:]
	}
	if sub == "buildx" && len(rest) > 0 {
		sub, rest = "buildx "+rest[0], rest[1:]
		if sub == "buildx imagetools" && len(rest) > 0 {
			sub, rest = "buildx imagetools "+rest[0], rest[1:]
		}
	}
	p := parseArgs(rest, dockerValueFlags...)
	switch sub {
	case "login":
		ins := loginCmd(client, tool+" login", p, stdin, line)
		for i := range ins {
			ins[i].prefix = prefix
		}
		return ins
	case "push":
		if len(p.pos) == 0 {
			return nil
		}
		dest := p.pos[:1]
		if (tool == "podman" || tool == "buildah") && len(p.pos) > 1 {
			dest = p.pos[1:2] // podman push SOURCE [DESTINATION]
		}
		// podman and buildah push --creds USER:PASSWORD bring their own
		// credential [podman-push(1)].
		creds, _ := p.first("--creds")
		return []interaction{{action: ActionPush, client: client, tool: tool + " push", refs: dest, line: line, headFirst: headFirst, prefix: prefix, inline: creds}}
	case "pull", "from":
		// buildah from IMAGE pulls IMAGE to start a working container.
		if len(p.pos) == 0 || sub == "from" && tool != "buildah" {
			return nil
		}
		return []interaction{{action: ActionPull, client: client, tool: tool + " " + sub, refs: p.pos[:1], line: line, prefix: prefix}}
	case "run", "create":
		// docker run [OPTIONS] IMAGE [COMMAND]: the first positional
		// argument is the image, pulled when it is not present (buildah
		// run takes a working container instead).
		p := parseArgs(rest, dockerRunValueFlags...)
		if len(p.pos) == 0 || tool == "buildah" {
			return nil
		}
		out := []interaction{{action: ActionPull, client: client, tool: tool + " " + sub, refs: p.pos[:1], line: line, prefix: prefix}}
		return append(out, toolInContainer(p.pos[0], rest, stdin, line)...)
	case "manifest":
		// docker manifest push LIST pushes the manifest list (and the
		// manifests it names, within the same repository); inspect reads.
		if len(p.pos) >= 2 && p.pos[0] == "push" {
			return []interaction{{action: ActionPush, client: client, tool: tool + " manifest push", refs: p.pos[1:2], line: line, manifestOnly: true}}
		}
		if len(p.pos) >= 2 && p.pos[0] == "inspect" {
			return []interaction{{action: ActionPull, client: client, tool: tool + " manifest inspect", refs: p.pos[len(p.pos)-1:], line: line}}
		}
		return nil
	case "compose":
		// docker compose push pushes the images docker-compose.yml names,
		// which check does not read.
		// docker compose build --push too [docker compose build
		// reference].
		if slices.Contains(p.pos, "push") || slices.Contains(p.pos, "build") && p.bools["--push"] {
			return []interaction{{action: ActionPush, client: client, tool: tool + " compose push", refs: []string{unresolved("<images from the compose file>")}, line: line}}
		}
		return nil
	case "build", "buildx build":
		push := p.bools["--push"]
		for _, o := range p.all("-o", "--output") {
			// type=registry is type=image,push=true [Docker docs: "Image
			// and registry exporters"].
			if strings.Contains(o, "push=true") || strings.Contains(o, "type=registry") {
				push = true
			}
		}
		var out []interaction
		if push {
			c := clientlines.Buildx
			if tool == "podman" {
				c = clientlines.Podman
			}
			out = append(out, interaction{action: ActionPush, client: c, tool: tool + " " + sub + " --push", refs: p.all("-t", "--tag"), line: line, headFirst: true, prefix: prefix})
		}
		return append(out, cacheRefs(p.all("--cache-to"), p.all("--cache-from"), tool+" "+sub, line)...)
	case "buildx imagetools create":
		return []interaction{{action: ActionPush, client: clientlines.Buildx, tool: "docker buildx imagetools create", refs: p.all("-t", "--tag"), line: line, headFirst: true}}
	}
	return nil
}

// cacheRefs: a registry cache exported with type=registry pushes, and one
// imported reads.
func cacheRefs(to, from []string, tool string, line int) []interaction {
	var out []interaction
	for i, list := range [][]string{to, from} {
		for _, spec := range list {
			if !strings.Contains(spec, "type=registry") {
				continue
			}
			for _, kv := range strings.Split(spec, ",") {
				if r, ok := strings.CutPrefix(strings.TrimSpace(kv), "ref="); ok {
					in := interaction{action: ActionPush, client: clientlines.Buildx, tool: tool + " (cache-to)", refs: []string{r}, line: line, headFirst: true}
					if i == 1 {
						in.action, in.tool = ActionPull, tool+" (cache-from)"
					}
					out = append(out, in)
				}
			}
		}
	}
	return out
}

func craneCommand(args []string, stdin string, line int) []interaction {
	if len(args) == 0 {
		return nil
	}
	p := parseArgs(args[1:], "-u", "--username", "-p", "--password", "-t", "--tag", "--new_tag", "--platform", "-f", "--filesystem", "--new_layer", "--base", "-b", "--append")
	switch args[0] {
	case "auth":
		if len(args) > 1 && args[1] == "login" {
			return loginCmd(clientlines.Crane, "crane auth login", parseArgs(args[2:], "-u", "--username", "-p", "--password"), stdin, line)
		}
	case "push":
		if len(p.pos) >= 2 {
			return []interaction{{action: ActionPush, client: clientlines.Crane, tool: "crane push", refs: p.pos[1:2], line: line, headFirst: true}}
		}
	case "copy", "cp":
		if len(p.pos) >= 2 {
			return []interaction{
				{action: ActionPull, client: clientlines.Crane, tool: "crane " + args[0] + " (source)", refs: p.pos[:1], line: line},
				{action: ActionPush, client: clientlines.Crane, tool: "crane " + args[0], refs: p.pos[1:2], line: line, headFirst: true},
			}
		}
	case "append", "mutate":
		if t, ok := p.first("-t", "--tag", "--new_tag"); ok {
			return []interaction{{action: ActionPush, client: clientlines.Crane, tool: "crane " + args[0], refs: []string{t}, line: line, headFirst: true}}
		}
	case "tag":
		// crane tag IMAGE TAG writes IMAGE's manifest under a new tag.
		if len(p.pos) >= 2 {
			if r, ok := parseRef(p.pos[0]); ok {
				return []interaction{{action: ActionPush, client: clientlines.Crane, tool: "crane tag", refs: []string{r.host + "/" + r.repo + ":" + p.pos[1]}, line: line, manifestOnly: true}}
			}
		}
	case "pull", "digest", "manifest", "export":
		if len(p.pos) >= 1 {
			return []interaction{{action: ActionPull, client: clientlines.Crane, tool: "crane " + args[0], refs: p.pos[:1], line: line}}
		}
	}
	return nil
}

func orasCommand(args []string, stdin string, line int) []interaction {
	if len(args) == 0 {
		return nil
	}
	p := parseArgs(args[1:], "-u", "--username", "-p", "--password", "--artifact-type", "-a", "--annotation", "--config", "--registry-config", "-o", "--output")
	switch args[0] {
	case "login":
		return loginCmd(clientlines.Oras, "oras login", p, stdin, line)
	case "push", "attach":
		if len(p.pos) >= 1 {
			return []interaction{{action: ActionPush, client: clientlines.Oras, tool: "oras " + args[0], refs: p.pos[:1], line: line, headFirst: true}}
		}
	case "pull":
		if len(p.pos) >= 1 {
			return []interaction{{action: ActionPull, client: clientlines.Oras, tool: "oras pull", refs: p.pos[:1], line: line}}
		}
	case "cp", "copy":
		if len(p.pos) >= 2 {
			return []interaction{
				{action: ActionPull, client: clientlines.Oras, tool: "oras cp (source)", refs: p.pos[:1], line: line},
				{action: ActionPush, client: clientlines.Oras, tool: "oras cp", refs: p.pos[1:2], line: line, headFirst: true},
			}
		}
	}
	return nil
}

func skopeoCommand(args []string, stdin string, line int) []interaction {
	if len(args) == 0 {
		return nil
	}
	p := parseArgs(args[1:], "-u", "--username", "-p", "--password", "--dest-creds", "--src-creds", "--creds", "--authfile", "--format", "-f", "--src", "--dest")
	switch args[0] {
	case "login":
		return loginCmd(clientlines.Skopeo, "skopeo login", p, stdin, line)
	case "sync":
		// skopeo sync --dest docker SOURCE DEST-PREFIX pushes every image
		// the source lists under the prefix: which ones is not in the
		// workflow.
		if len(p.pos) < 2 {
			return nil
		}
		in := interaction{action: ActionPush, client: clientlines.Skopeo, tool: "skopeo sync", refs: []string{strings.TrimSuffix(p.pos[1], "/") + "/" + unresolved("<images from the sync source>")}, line: line, headFirst: true}
		in.inline, _ = p.first("--dest-creds", "--creds")
		return []interaction{in}
	case "copy":
		if len(p.pos) < 2 {
			return nil
		}
		var out []interaction
		if strings.HasPrefix(p.pos[0], "docker://") {
			in := interaction{action: ActionPull, client: clientlines.Skopeo, tool: "skopeo copy (source)", refs: p.pos[:1], line: line}
			in.inline, _ = p.first("--src-creds", "--creds")
			out = append(out, in)
		}
		if strings.HasPrefix(p.pos[1], "docker://") {
			in := interaction{action: ActionPush, client: clientlines.Skopeo, tool: "skopeo copy", refs: p.pos[1:2], line: line, headFirst: true}
			in.inline, _ = p.first("--dest-creds", "--creds")
			out = append(out, in)
		}
		return out
	}
	return nil
}

func helmCommand(args []string, stdin string, line int) []interaction {
	if len(args) == 0 {
		return nil
	}
	switch args[0] {
	case "registry":
		if len(args) > 1 && args[1] == "login" {
			return loginCmd(clientlines.Helm, "helm registry login", parseArgs(args[2:], "-u", "--username", "-p", "--password"), stdin, line)
		}
	case "push":
		p := parseArgs(args[1:])
		if len(p.pos) < 2 || !strings.HasPrefix(p.pos[1], "oci://") {
			return nil
		}
		name, version := chartOf(p.pos[0])
		r := strings.TrimSuffix(p.pos[1], "/") + "/" + name
		if version != "" {
			r += ":" + version
		}
		return []interaction{{action: ActionPush, client: clientlines.Helm, tool: "helm push", refs: []string{r}, line: line, headFirst: true}}
	case "pull", "install", "upgrade", "template":
		p := parseArgs(args[1:], "--version", "-n", "--namespace", "-f", "--values", "--set")
		for _, a := range p.pos {
			if strings.HasPrefix(a, "oci://") {
				return []interaction{{action: ActionPull, client: clientlines.Helm, tool: "helm " + args[0], refs: []string{a}, line: line}}
			}
		}
	}
	return nil
}

// chartOf splits a packaged chart file name, NAME-VERSION.tgz. A version
// written as an expression (NAME-${{ ... }}.tgz) is the tag: the chart
// name is still the package.
func chartOf(file string) (name, version string) {
	base := file[strings.LastIndexByte(file, '/')+1:]
	base = strings.TrimSuffix(base, ".tgz")
	if i := strings.Index(base, "-"+string(unresolvedOpen)); i > 0 && resolved(base[:i]) {
		return base[:i], base[i+1:]
	}
	if name, ok := strings.CutSuffix(base, "-*"); ok && name != "" {
		// NAME-*.tgz: the shell's glob picks the version helm package wrote.
		return name, unresolved("*")
	}
	for i := len(base) - 1; i > 0; i-- {
		if base[i] == '-' && i+1 < len(base) && base[i+1] >= '0' && base[i+1] <= '9' {
			// the first '-' followed by a digit that starts a semver
			j := i
			for j > 0 {
				k := strings.LastIndexByte(base[:j], '-')
				if k <= 0 || k+1 >= len(base) || base[k+1] < '0' || base[k+1] > '9' {
					break
				}
				j = k
			}
			return base[:j], base[j+1:]
		}
	}
	return base, ""
}

// splitList splits an action input that lists values one per line or
// separated by commas.
func splitList(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		for _, part := range strings.Split(line, ",") {
			if p := strings.TrimSpace(part); p != "" && !strings.HasPrefix(p, "#") {
				out = append(out, p)
			}
		}
	}
	return out
}
