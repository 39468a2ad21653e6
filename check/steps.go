package check

import (
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fakeghcr/fakeghcr/clientlines"
	"github.com/fakeghcr/fakeghcr/workflows"
)

// This file finds the registry interactions of one step: the actions
// check has a model of, local composite actions, and run: scripts (read
// by shell.go, their commands by detect.go and tools.go).

func stepName(st *workflows.Step) string {
	switch {
	case st.Name != "":
		return st.Name
	case st.ID != "":
		return st.ID
	case st.Uses.Text != "":
		return st.Uses.Text
	}
	first, _, _ := strings.Cut(strings.TrimSpace(st.Run.Text), "\n")
	if len(first) > 60 {
		first = first[:60] + "…"
	}
	return first
}

func with(st *workflows.Step, sc *scope, name string) (string, bool) {
	v, ok := workflows.Lookup(st.With, name)
	if !ok {
		return "", false
	}
	return sc.interpolate(v.Text), true
}

// stepInteractions finds what one step does with registries.
func (a *analyzer) stepInteractions(st *workflows.Step, sc *scope, depth int) []interaction {
	line := st.Line
	action := strings.ToLower(st.Uses.Text)
	action, _, _ = strings.Cut(action, "@")
	switch action {
	case "docker/login-action":
		registry, _ := with(st, sc, "registry")
		if registry == "" {
			registry = "docker.io"
		}
		in := interaction{action: ActionLogin, client: clientlines.Docker, tool: "docker/login-action", refs: []string{registry}, line: line, prefix: "Error: "}
		in.password, in.passwordSet = with(st, sc, "password")
		return []interaction{in}
	case "docker/metadata-action":
		imgs, _ := with(st, sc, "images")
		var tags []string
		for _, img := range metadataImages(imgs) {
			tags = append(tags, lowerResolved(img)+":"+unresolved("<tag from docker/metadata-action>"))
		}
		if st.ID != "" {
			sc.ctx["steps."+strings.ToLower(st.ID)+".outputs.tags"] = strings.Join(tags, "\n")
		}
		return nil
	case "docker/build-push-action":
		var out []interaction
		push, _ := with(st, sc, "push")
		outputs, _ := with(st, sc, "outputs")
		tagText, _ := with(st, sc, "tags")
		refs := splitList(tagText)
		if len(refs) == 0 {
			// outputs: type=image,name=IMAGE,push=true names the image.
			for _, attr := range strings.Split(outputs, ",") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(attr), "name="); ok {
					refs = append(refs, strings.Trim(v, "\"'"))
				}
			}
		}
		in := interaction{action: ActionPush, client: clientlines.Buildx, tool: "docker/build-push-action", refs: refs, line: line, headFirst: true}
		switch {
		case strings.EqualFold(push, "true") || strings.Contains(outputs, "push=true"):
			out = append(out, in)
		case !resolved(push):
			in.pushUnknown = display(push)
			out = append(out, in)
		}
		cacheTo, _ := with(st, sc, "cache-to")
		cacheFrom, _ := with(st, sc, "cache-from")
		return append(out, cacheRefs(lines(cacheTo), lines(cacheFrom), "docker/build-push-action", line)...)
	case "ko-build/setup-ko", "imjasonh/setup-ko", "step-security/setup-ko":
		// setup-ko sets KO_DOCKER_REPO=ghcr.io/OWNER/REPO (lower-cased,
		// INFERRED from its README) for later steps and logs in to ghcr.io
		// with github.token, unless KO_DOCKER_REPO is already set
		// [https://github.com/ko-build/setup-ko].
		if _, set := sc.ctx["env.ko_docker_repo"]; set || a.repo == "" {
			return nil
		}
		sc.ctx["env.ko_docker_repo"] = "ghcr.io/" + strings.ToLower(a.repo)
		return []interaction{{action: ActionLogin, client: clientlines.Crane, tool: st.Uses.Text + " (ko login with github.token)", refs: []string{"ghcr.io"}, line: line,
			password: secretValue("GITHUB_TOKEN"), passwordSet: true}}
	case "docker/bake-action":
		push, _ := with(st, sc, "push")
		if !strings.EqualFold(push, "true") && resolved(push) {
			return nil
		}
		set, _ := with(st, sc, "set")
		var refs []string
		for _, l := range lines(set) {
			if k, v, ok := strings.Cut(l, "="); ok && strings.HasSuffix(k, ".tags") {
				refs = append(refs, splitList(v)...)
			}
		}
		if len(refs) == 0 {
			refs = []string{unresolved("<tags from the bake file>")}
		}
		in := interaction{action: ActionPush, client: clientlines.Buildx, tool: "docker/bake-action", refs: refs, line: line, headFirst: true}
		if !resolved(push) {
			in.pushUnknown = display(push)
		}
		return []interaction{in}
	case "redhat-actions/podman-login":
		registry, _ := with(st, sc, "registry")
		in := interaction{action: ActionLogin, client: clientlines.Podman, tool: "redhat-actions/podman-login", refs: []string{registry}, line: line, prefix: "Error: "}
		in.password, in.passwordSet = with(st, sc, "password")
		return []interaction{in}
	case "redhat-actions/push-to-registry":
		// image, tags (space-separated) and registry; username and password
		// are passed to podman push --creds
		// [https://github.com/redhat-actions/push-to-registry].
		image, _ := with(st, sc, "image")
		tags, _ := with(st, sc, "tags")
		registry, _ := with(st, sc, "registry")
		base := image
		if registry != "" {
			base = strings.TrimSuffix(registry, "/") + "/" + image
		}
		var refs []string
		for _, t := range strings.Fields(tags) {
			refs = append(refs, base+":"+t)
		}
		if len(refs) == 0 {
			refs = []string{base + ":latest"}
		}
		in := interaction{action: ActionPush, client: clientlines.Podman, tool: "redhat-actions/push-to-registry", refs: refs, line: line, headFirst: true, prefix: "Error: "}
		if pw, ok := with(st, sc, "password"); ok {
			in.inline = "x:" + pw
		}
		return []interaction{in}
	case "devcontainers/ci":
		// push: always pushes; filter (the default) pushes on the events
		// and refs of eventFilterForPush (default push) and refFilterForPush
		// [https://github.com/devcontainers/ci/blob/main/docs/github-action.md].
		image, _ := with(st, sc, "imageName")
		if image == "" {
			return nil
		}
		push, _ := with(st, sc, "push")
		events, _ := with(st, sc, "eventFilterForPush")
		if events == "" {
			events = "push"
		}
		switch {
		case strings.EqualFold(push, "never"):
			return nil
		case push == "" || strings.EqualFold(push, "filter"):
			if ev := sc.ctx["github.event_name"]; !slices.Contains(splitList(events), ev) {
				return nil
			}
		}
		tags, _ := with(st, sc, "imageTag")
		if tags == "" {
			tags = "latest"
		}
		var refs []string
		for _, t := range splitList(tags) {
			refs = append(refs, image+":"+t)
		}
		return []interaction{{action: ActionPush, client: clientlines.Docker, tool: "devcontainers/ci", refs: refs, line: line}}
	case "regclient/actions/regctl-login":
		registry, _ := with(st, sc, "registry")
		in := interaction{action: ActionLogin, client: clientlines.Regctl, tool: "regclient/actions/regctl-login", refs: []string{registry}, line: line}
		in.password, in.passwordSet = with(st, sc, "password")
		return []interaction{in}
	case "aszc/change-string-case-action":
		// outputs lowercase, uppercase and capitalized of its string input
		// [https://github.com/ASzc/change-string-case-action].
		str, _ := with(st, sc, "string")
		if st.ID != "" {
			sc.ctx["steps."+strings.ToLower(st.ID)+".outputs.lowercase"] = lowerResolved(str)
		}
		return nil
	case "imjasonh/setup-crane":
		// setup-crane logs in to ghcr.io with github.token
		// [https://github.com/imjasonh/setup-crane].
		return []interaction{{action: ActionLogin, client: clientlines.Crane, tool: "imjasonh/setup-crane (crane auth login with github.token)", refs: []string{"ghcr.io"}, line: line,
			password: secretValue("GITHUB_TOKEN"), passwordSet: true}}
	case "goreleaser/goreleaser-action":
		// goreleaser pushes the images its .goreleaser.yaml lists (dockers:
		// image_templates), which check does not read; a snapshot or a
		// release with --skip=publish pushes nothing.
		args, _ := with(st, sc, "args")
		if !strings.Contains(args, "release") || strings.Contains(args, "--snapshot") || strings.Contains(args, "--skip-publish") || strings.Contains(args, "--skip=publish") {
			return nil
		}
		return []interaction{{action: ActionPush, client: clientlines.Docker, tool: "goreleaser release", refs: []string{unresolved("<images from .goreleaser.yaml>")}, line: line}}
	case "elgohr/publish-docker-github-action", "mr-smithers-excellent/docker-build-push", "appany/helm-oci-chart-releaser":
		return thirdPartyPush(action, st, sc, line)
	case "actions/attest-build-provenance", "actions/attest", "actions/attest-sbom":
		// push-to-registry: true pushes the attestation to subject-name's
		// repository with Docker's credential
		// [https://github.com/actions/attest-build-provenance#inputs].
		push, _ := with(st, sc, "push-to-registry")
		name, _ := with(st, sc, "subject-name")
		if !strings.EqualFold(push, "true") || name == "" {
			return nil
		}
		return []interaction{{action: ActionPush, client: clientlines.Crane, tool: st.Uses.Text + " (push-to-registry)", refs: []string{name}, line: line, headFirst: true}}
	case "int128/kaniko-action":
		// kaniko in a container with ~/.docker/config.json mounted: push:
		// true pushes tags, cache: true the cache-repository
		// [https://github.com/int128/kaniko-action#inputs].
		var out []interaction
		if push, _ := with(st, sc, "push"); strings.EqualFold(push, "true") {
			tags, _ := with(st, sc, "tags")
			out = append(out, interaction{action: ActionPush, client: clientlines.Crane, tool: "int128/kaniko-action", refs: splitList(tags), line: line, headFirst: true})
		}
		if c, _ := with(st, sc, "cache"); strings.EqualFold(c, "true") {
			if repo, ok := with(st, sc, "cache-repository"); ok && repo != "" {
				out = append(out, interaction{action: ActionPush, client: clientlines.Crane, tool: "int128/kaniko-action (cache)", refs: []string{repo}, line: line, headFirst: true})
			}
		}
		return out
	}
	if img, ok := strings.CutPrefix(st.Uses.Text, "docker://"); ok {
		// The runner pulls the step's image with the job's Docker
		// credential [GitHub docs: jobs.<job_id>.steps[*].uses, "Example:
		// Using a Docker public registry action"]. INFERRED: that an
		// earlier docker/login-action's login applies (the runner's docker
		// pull shares the host's Docker config); the docs do not say.
		return []interaction{{action: ActionPull, client: clientlines.Docker, tool: "uses: docker://", refs: []string{sc.interpolate(img)}, line: line}}
	}
	if strings.HasPrefix(st.Uses.Text, "./") {
		return a.localAction(st, sc, depth)
	}
	if st.Uses.Text != "" && !strings.HasPrefix(action, "actions/") && !strings.HasPrefix(action, "docker/") {
		// An action check has no model of, given ghcr.io in its inputs:
		// what it does there is unknown, never assumed harmless.
		for _, w := range st.With {
			if strings.Contains(strings.ToLower(sc.interpolate(w.Value.Text)), "ghcr.io") {
				return []interaction{{action: ActionCall, tool: st.Uses.Text, line: line}}
			}
		}
	}
	if st.Run.Text == "" {
		return nil
	}
	sh := &shell{vars: map[string]string{}}
	for k, v := range sc.ctx {
		if name, ok := strings.CutPrefix(k, "env."); ok {
			sh.vars[strings.ToUpper(name)] = v
			sh.vars[name] = v
		}
	}
	for _, v := range st.Env {
		sh.vars[v.Name] = sc.ctx["env."+strings.ToLower(v.Name)]
	}
	for k, v := range map[string]string{"GITHUB_REPOSITORY": "github.repository", "GITHUB_REPOSITORY_OWNER": "github.repository_owner", "GITHUB_EVENT_NAME": "github.event_name", "GITHUB_ACTOR": "github.actor", "GITHUB_SERVER_URL": "github.server_url"} {
		if val, ok := sc.ctx[v]; ok {
			sh.vars[k] = val
		}
	}
	script := sc.interpolate(st.Run.Text)
	cmds := sh.commands(script)
	followWrites(cmds, st, sc)
	return fromRun(cmds, st.Run.LineOf)
}

// metadataImages reads docker/metadata-action's images input: one image
// per line or comma, or name=IMAGE attributes.
func metadataImages(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.Contains(line, "name=") {
			enabled := true
			var name string
			for _, attr := range strings.Split(line, ",") {
				k, v, _ := strings.Cut(strings.TrimSpace(attr), "=")
				switch k {
				case "name":
					name = v
				case "enable":
					enabled = v != "false"
				}
			}
			if name != "" && enabled {
				out = append(out, name)
			}
			continue
		}
		out = append(out, splitList(line)...)
	}
	return slices.Compact(out)
}

// lines splits a multi-line input into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// maxActionDepth bounds local actions calling local actions.
const maxActionDepth = 4

// localAction reads a local composite action (uses: ./path) from the
// repository's checkout and finds its steps' interactions, with its
// inputs set from the step's with: (else their defaults). An action that
// is not there, or not composite, is a call whose effect is unknown.
func (a *analyzer) localAction(st *workflows.Step, sc *scope, depth int) []interaction {
	unknown := []interaction{{action: ActionCall, tool: st.Uses.Text, line: st.Line}}
	if a.opts.RepoRoot == "" || depth >= maxActionDepth {
		return unknown
	}
	rel := path.Clean(strings.TrimPrefix(st.Uses.Text, "./"))
	if strings.HasPrefix(rel, "..") {
		return unknown
	}
	act, err := workflows.ReadAction(filepath.Join(a.opts.RepoRoot, filepath.FromSlash(rel)))
	if err != nil || !act.Composite {
		return unknown
	}
	inner := &scope{ctx: maps.Clone(sc.ctx), typed: sc.typed}
	for _, n := range sc.null {
		if n != "inputs" {
			inner.null = append(inner.null, n)
		}
	}
	for k := range inner.ctx {
		if strings.HasPrefix(k, "inputs.") {
			delete(inner.ctx, k)
		}
	}
	for _, in := range act.Inputs {
		if v, ok := workflows.Lookup(st.With, in.Name); ok {
			inner.ctx["inputs."+strings.ToLower(in.Name)] = sc.interpolate(v.Text)
		} else if in.Value.Text != "" {
			inner.ctx["inputs."+strings.ToLower(in.Name)] = sc.interpolate(in.Value.Text)
		}
	}
	var out []interaction
	for _, s := range act.Steps {
		if ok, known := inner.condition(s.If.Text); known && !ok {
			continue
		}
		for _, in := range a.stepInteractions(s, inner, depth+1) {
			in.line = st.Line
			in.tool = st.Uses.Text + ": " + in.tool
			out = append(out, in)
		}
	}
	// What the action writes to GITHUB_ENV is not followed; its env
	// changes stay inside.
	return out
}

// thirdPartyPush models actions that log in and push in one step, each
// from its README: the image, its registry and tags, and the password
// used for their own login.
func thirdPartyPush(action string, st *workflows.Step, sc *scope, line int) []interaction {
	get := func(name string) string { v, _ := with(st, sc, name); return v }
	var refs []string
	var password string
	switch action {
	case "elgohr/publish-docker-github-action":
		// name (OWNER/IMAGE, with the registry or under registry:), tags
		// (comma-separated, default latest), username, password
		// [https://github.com/elgohr/Publish-Docker-Github-Action].
		name, registry := get("name"), get("registry")
		if registry != "" && !strings.HasPrefix(name, registry) {
			name = strings.TrimSuffix(registry, "/") + "/" + name
		}
		tags := splitList(get("tags"))
		if len(tags) == 0 {
			tags = []string{"latest"}
		}
		for _, t := range tags {
			refs = append(refs, name+":"+t)
		}
		password = get("password")
	case "mr-smithers-excellent/docker-build-push":
		// image, registry, tags (comma-separated), username, password
		// [https://github.com/mr-smithers-excellent/docker-build-push].
		image := strings.TrimSuffix(get("registry"), "/") + "/" + get("image")
		for _, t := range splitList(get("tags")) {
			refs = append(refs, image+":"+t)
		}
		if len(refs) == 0 {
			refs = []string{image}
		}
		password = get("password")
	case "appany/helm-oci-chart-releaser":
		// {registry}/{repository}/{name}:{tag}
		// [https://github.com/appany/helm-oci-chart-releaser].
		name := get("name")
		if name == "" {
			name = get("image")
		}
		refs = []string{get("registry") + "/" + get("repository") + "/" + name + ":" + get("tag")}
		password = get("registry_password")
	}
	client := clientlines.Docker
	if action == "appany/helm-oci-chart-releaser" {
		client = clientlines.Helm
	}
	return []interaction{{action: ActionPush, client: client, tool: action, refs: refs, line: line, inline: "x:" + password, headFirst: client == clientlines.Helm}}
}

// followWrites follows what a run step writes to $GITHUB_ENV (env for
// later steps) and $GITHUB_OUTPUT (steps.ID.outputs) with echo or printf:
// echo "NAME=VALUE" >> "$GITHUB_ENV".
func followWrites(cmds []command, st *workflows.Step, sc *scope) {
	for _, c := range cmds {
		if len(c.args) < 2 || (c.args[0] != "echo" && c.args[0] != "printf") {
			continue
		}
		target, text := "", []string{}
		for i := 1; i < len(c.args); i++ {
			a := c.args[i]
			switch {
			case a == ">>" || a == ">":
				if i+1 < len(c.args) {
					target = display(c.args[i+1])
				}
				i++
			case strings.HasPrefix(a, ">>"):
				target = display(strings.TrimPrefix(a, ">>"))
			case strings.HasPrefix(a, "-") && len(text) == 0:
			default:
				text = append(text, a)
			}
		}
		target = strings.Trim(target, "{}$\"")
		if rest, ok := strings.CutPrefix(strings.Join(text, " "), "::set-output name="); ok && target == "" {
			// The deprecated workflow command echo "::set-output
			// name=NAME::VALUE" [GitHub changelog 2022-10-11].
			if name, value, ok := strings.Cut(rest, "::"); ok && st.ID != "" && isShellName(name) {
				sc.ctx["steps."+strings.ToLower(st.ID)+".outputs."+strings.ToLower(name)] = value
			}
			continue
		}
		name, value, ok := strings.Cut(strings.Join(text, " "), "=")
		if !ok || !isShellName(name) {
			continue
		}
		switch target {
		case "GITHUB_ENV":
			sc.ctx["env."+strings.ToLower(name)] = value
		case "GITHUB_OUTPUT":
			if st.ID != "" {
				sc.ctx["steps."+strings.ToLower(st.ID)+".outputs."+strings.ToLower(name)] = value
			}
		}
	}
}
