package check

import (
	"path"
	"strings"

	"github.com/fakeghcr/fakeghcr/clientlines"
)

// This file reads the build and artifact tools that push to a registry
// without a docker CLI: Apptainer/SingularityCE (ORAS), the Flux CLI,
// kaniko, Jib (Maven and Gradle), Spring Boot's bootBuildImage, Cloud
// Native Buildpacks' pack and apko.

// moreTools returns the interactions of a command whose tool (its first
// word, any directory dropped) is one of this file's, and whether it was.
func moreTools(args []string, stdin string, line int) ([]interaction, bool) {
	switch path.Base(args[0]) {
	case "apptainer", "singularity":
		return apptainerCommand(path.Base(args[0]), args[1:], stdin, line), true
	case "flux":
		return fluxCommand(args[1:], line), true
	case "executor":
		if strings.Contains(args[0], "kaniko") {
			return kanikoCommand(args[1:], line), true
		}
	case "mvn", "mvnw", "gradle", "gradlew":
		return jvmBuildCommand(path.Base(args[0]), args[1:], line), true
	case "pack":
		return packCommand(args[1:], line), true
	case "apko":
		return apkoCommand(args[1:], stdin, line), true
	case "earthly":
		return earthlyCommand(args[1:], line), true
	}
	return nil, false
}

// withoutScheme drops oras://, docker:// and https:// from a registry URI.
func withoutScheme(s string) string {
	for _, p := range []string{"oras://", "docker://", "https://", "http://"} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// apptainerCommand: "remote login" / "registry login" URI (with -u, -p or
// --password-stdin), "push FILE oras://REF" and "pull [--name F] oras://REF"
// or docker://REF [https://apptainer.org/docs/user/latest/cli/apptainer_push.html].
func apptainerCommand(tool string, args []string, stdin string, line int) []interaction {
	if len(args) == 0 {
		return nil
	}
	valued := []string{"-u", "--username", "-p", "--password", "--name", "--library", "--docker-username", "--docker-password"}
	switch args[0] {
	case "remote", "registry":
		if len(args) < 2 || args[1] != "login" {
			return nil
		}
		p := parseArgs(args[2:], valued...)
		ins := loginCmd(clientlines.Oras, tool+" "+args[0]+" login", p, stdin, line)
		for i := range ins {
			ins[i].refs = []string{withoutScheme(ins[i].refs[0])}
		}
		return ins
	case "push":
		p := parseArgs(args[1:], valued...)
		if len(p.pos) >= 2 && strings.HasPrefix(p.pos[1], "oras://") {
			return []interaction{{action: ActionPush, client: clientlines.Oras, tool: tool + " push", refs: p.pos[1:2], line: line, headFirst: true}}
		}
	case "pull", "run", "exec", "build":
		p := parseArgs(args[1:], valued...)
		for _, a := range p.pos {
			if strings.HasPrefix(a, "oras://") || strings.HasPrefix(a, "docker://") {
				return []interaction{{action: ActionPull, client: clientlines.Oras, tool: tool + " " + args[0], refs: []string{a}, line: line}}
			}
		}
	}
	return nil
}

// fluxCommand: flux push artifact oci://REF (--creds USER:PASSWORD, else
// Docker's config), flux tag artifact (a manifest PUT) and flux pull
// artifact [https://fluxcd.io/flux/cmd/flux_push_artifact/].
func fluxCommand(args []string, line int) []interaction {
	if len(args) < 2 || args[1] != "artifact" {
		return nil
	}
	p := parseArgs(args[2:], "--path", "--source", "--revision", "--creds", "--tag", "-a", "--annotations", "-o", "--output", "--provider", "--ignore-paths", "--reproducible")
	if len(p.pos) == 0 || !strings.HasPrefix(p.pos[0], "oci://") {
		return nil
	}
	creds, _ := p.first("--creds")
	switch args[0] {
	case "push":
		return []interaction{{action: ActionPush, client: clientlines.Crane, tool: "flux push artifact", refs: p.pos[:1], line: line, headFirst: true, inline: creds}}
	case "tag":
		r, ok := parseRef(p.pos[0])
		if !ok {
			return nil
		}
		var out []interaction
		for _, t := range p.all("--tag") {
			out = append(out, interaction{action: ActionPush, client: clientlines.Crane, tool: "flux tag artifact", refs: []string{r.host + "/" + r.repo + ":" + t}, line: line, manifestOnly: true, inline: creds})
		}
		return out
	case "pull":
		return []interaction{{action: ActionPull, client: clientlines.Crane, tool: "flux pull artifact", refs: p.pos[:1], line: line, inline: creds}}
	}
	return nil
}

// kanikoCommand: /kaniko/executor --destination REF (repeatable) pushes
// unless --no-push; kaniko reads its credential from
// /kaniko/.docker/config.json, which a job fills by hand
// [https://github.com/GoogleContainerTools/kaniko#pushing-to-different-registries].
func kanikoCommand(args []string, line int) []interaction {
	p := parseArgs(args, "-d", "--destination", "-c", "--context", "-f", "--dockerfile", "--cache-repo", "--build-arg", "--target", "--label", "--custom-platform")
	if p.bools["--no-push"] {
		return nil
	}
	dests := p.all("-d", "--destination")
	if len(dests) == 0 {
		return nil
	}
	return []interaction{{action: ActionPush, client: clientlines.Crane, tool: "kaniko executor", refs: dests, line: line, headFirst: true,
		credFile: "kaniko reads its credential from /kaniko/.docker/config.json, which this job writes itself"}}
}

// jvmBuildCommand: Jib (mvn ... jib:build -Djib.to.image=REF, gradle jib
// --image=REF; the credential from -Djib.to.auth.* or Docker's config) and
// Spring Boot's bootBuildImage --imageName=REF --publishImage (the
// credential from the build file's docker.publishRegistry)
// [https://github.com/GoogleContainerTools/jib/tree/master/jib-maven-plugin#configuration,
// https://docs.spring.io/spring-boot/gradle-plugin/packaging-oci-image.html].
func jvmBuildCommand(tool string, args []string, line int) []interaction {
	p := parseArgs(args, "--image", "--imageName", "-P", "-p", "-f", "--file", "-s", "--settings")
	jib, boot := false, false
	for _, a := range p.pos {
		switch {
		case a == "jib" || a == "jib:build" || strings.HasSuffix(a, ":jib") || strings.Contains(a, "jib-maven-plugin") && strings.HasSuffix(a, ":build"):
			jib = true
		case a == "bootBuildImage" || strings.HasSuffix(a, ":bootBuildImage") || a == "spring-boot:build-image":
			boot = true
		}
	}
	tool = strings.TrimSuffix(tool, "w")
	switch {
	case jib:
		img, ok := p.first("-Djib.to.image", "--image", "-Dimage")
		if !ok {
			img = "ghcr.io/" + unresolved("<image from the build file>")
		}
		in := interaction{action: ActionPush, client: clientlines.Crane, tool: tool + " jib", refs: []string{img}, line: line, headFirst: true}
		if pw, ok := p.first("-Djib.to.auth.password"); ok {
			user, _ := p.first("-Djib.to.auth.username")
			in.inline = user + ":" + pw
		}
		return []interaction{in}
	case boot && (p.bools["--publishImage"] || p.vals["-Dspring-boot.build-image.publish"] != nil):
		img, ok := p.first("--imageName", "-Dspring-boot.build-image.imageName")
		if !ok {
			img = "ghcr.io/" + unresolved("<image from the build file>")
		}
		return []interaction{{action: ActionPush, client: clientlines.Crane, tool: tool + " bootBuildImage --publishImage", refs: []string{img}, line: line, headFirst: true,
			credFile: "bootBuildImage takes its credential from the build file's docker.publishRegistry, which check does not read"}}
	}
	return nil
}

// packCommand: pack build REF --publish pushes REF with Docker's
// credential [https://buildpacks.io/docs/for-app-developers/how-to/build-outputs/].
func packCommand(args []string, line int) []interaction {
	if len(args) == 0 || args[0] != "build" {
		return nil
	}
	p := parseArgs(args[1:], "-B", "--builder", "-p", "--path", "-e", "--env", "-t", "--tag", "--cache-image", "--run-image", "-b", "--buildpack", "--network", "--cache", "--pull-policy", "--descriptor")
	if !p.bools["--publish"] || len(p.pos) == 0 {
		return nil
	}
	refs := append([]string{p.pos[0]}, p.all("-t", "--tag")...)
	out := []interaction{{action: ActionPush, client: clientlines.Crane, tool: "pack build --publish", refs: refs, line: line, headFirst: true}}
	if c, ok := p.first("--cache-image"); ok {
		out = append(out, interaction{action: ActionPush, client: clientlines.Crane, tool: "pack build (cache image)", refs: []string{c}, line: line, headFirst: true})
	}
	return out
}

// apkoCommand: apko login REGISTRY, apko publish CONFIG REF... pushes each
// REF [https://github.com/chainguard-dev/apko/blob/main/docs/apko_file.md].
func apkoCommand(args []string, stdin string, line int) []interaction {
	if len(args) == 0 {
		return nil
	}
	p := parseArgs(args[1:], "-u", "--username", "-p", "--password", "--arch", "--keyring-append", "--repository-append", "--sbom-path", "--image-refs", "--vcs-url")
	switch args[0] {
	case "login":
		return loginCmd(clientlines.Crane, "apko login", p, stdin, line)
	case "publish":
		if len(p.pos) >= 2 {
			return []interaction{{action: ActionPush, client: clientlines.Crane, tool: "apko publish", refs: p.pos[1:], line: line, headFirst: true}}
		}
	}
	return nil
}

// earthlyCommand: earthly --push +TARGET pushes the images the Earthfile's
// SAVE IMAGE --push lines name, which check does not read
// [https://docs.earthly.dev/docs/earthfile#save-image].
func earthlyCommand(args []string, line int) []interaction {
	p := parseArgs(args, "--build-arg", "--secret", "-s", "--platform", "--remote-cache", "--org", "--sat")
	if !p.bools["--push"] && !p.bools["-P"] && !p.bools["-PV"] {
		return nil
	}
	return []interaction{{action: ActionPush, client: clientlines.Buildx, tool: "earthly --push", refs: []string{unresolved("<images from the Earthfile>")}, line: line, headFirst: true}}
}

// toolImages maps the images that package a registry tool (run as docker
// run IMAGE ARGS...) to the tool: quay.io/skopeo/stable, crane, oras,
// regctl.
var toolImages = map[string]string{"skopeo/stable": "skopeo", "containers/skopeo": "skopeo", "go-containerregistry/crane": "crane",
	"oras-project/oras": "oras", "regclient/regctl": "regctl", "projectsigstore/cosign": "cosign", "sigstore/cosign": "cosign"}

// toolInContainer reads the arguments after IMAGE in docker run IMAGE
// ARGS... as that tool's command line when IMAGE packages a registry
// tool (the container's entrypoint is the tool).
func toolInContainer(image string, rest []string, stdin string, line int) []interaction {
	r, ok := parseRef(image)
	if !ok {
		return nil
	}
	tool := ""
	for suffix, t := range toolImages {
		if r.repo == suffix || strings.HasSuffix(r.repo, "/"+suffix) {
			tool = t
		}
	}
	if tool == "" {
		return nil
	}
	for i, a := range rest {
		if a == image {
			return fromRun([]command{{args: append([]string{tool}, rest[i+1:]...), stdin: stdin}}, func(int) int { return line })
		}
	}
	return nil
}
