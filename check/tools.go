package check

import (
	"github.com/fakeghcr/fakeghcr/clientlines"
)

// This file reads the commands of tools that write to a registry on their
// own: cosign, ko and regctl.

// cosignCommand: cosign login, and the commands that write to the
// image's repository (sign, attest, attach): cosign stores signatures,
// attestations and attachments as tags of the signed image's repository
// [https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md].
func cosignCommand(args []string, stdin string, line int) []interaction {
	if len(args) == 0 {
		return nil
	}
	valueFlags := []string{"-u", "--username", "-p", "--password", "--key", "--predicate", "--type", "-a", "--annotations", "--certificate", "--signature", "--sbom", "--attestation", "--output-signature", "--output-certificate", "--identity-token", "--fulcio-url", "--rekor-url", "--oidc-issuer", "--payload",
		"--certificate-identity", "--certificate-identity-regexp", "--certificate-oidc-issuer", "--certificate-oidc-issuer-regexp", "--certificate-github-workflow-repository", "--certificate-chain", "--policy", "-o", "--output", "--platform", "--slot"}
	sub, rest := args[0], args[1:]
	if sub == "attach" && len(rest) > 0 {
		sub, rest = "attach "+rest[0], rest[1:]
	}
	p := parseArgs(rest, valueFlags...)
	switch sub {
	case "login":
		return loginCmd(clientlines.Crane, "cosign login", p, stdin, line)
	case "sign", "attest", "attach sbom", "attach signature", "attach attestation", "sign-blob-to-registry":
		if len(p.pos) == 0 {
			return nil
		}
		return []interaction{{action: ActionPush, client: clientlines.Crane, tool: "cosign " + sub, refs: p.pos[len(p.pos)-1:], line: line, headFirst: true}}
	case "verify", "verify-attestation", "download", "tree", "triangulate":
		if len(p.pos) == 0 {
			return nil
		}
		return []interaction{{action: ActionPull, client: clientlines.Crane, tool: "cosign " + sub, refs: p.pos[len(p.pos)-1:], line: line}}
	}
	return nil
}

// koCommand: ko build/publish/resolve push to $KO_DOCKER_REPO: with
// --bare the image is KO_DOCKER_REPO itself, otherwise a name derived from
// the Go import path below it [https://ko.build/configuration/].
func koCommand(args []string, env map[string]string, line int) []interaction {
	if len(args) == 0 {
		return nil
	}
	switch args[0] {
	case "login":
		p := parseArgs(args[1:], "-u", "--username", "-p", "--password")
		return loginCmd(clientlines.Crane, "ko login", p, "", line)
	case "build", "publish", "resolve", "apply":
	default:
		return nil
	}
	p := parseArgs(args[1:], "--platform", "-t", "--tags", "-f", "--filename", "--image-refs", "--sbom", "--image-label", "--base-import-paths")
	if p.bools["--local"] || p.bools["-L"] {
		return nil
	}
	repo, ok := env["KO_DOCKER_REPO"]
	if !ok || repo == "" {
		repo = unresolved("$KO_DOCKER_REPO")
	}
	ref := repo
	if !p.bools["--bare"] {
		ref = repo + "/" + unresolved("<name from the import path>")
	}
	return []interaction{{action: ActionPush, client: clientlines.Crane, tool: "ko " + args[0], refs: []string{ref}, line: line, headFirst: true}}
}

// regctlCommand: regctl registry login, and image copy/mod (a push to the
// destination), image get/inspect/manifest (a read)
// [https://github.com/regclient/regclient/blob/main/docs/regctl.md].
func regctlCommand(args []string, stdin string, line int) []interaction {
	if len(args) < 2 {
		return nil
	}
	p := parseArgs(args[2:], "-u", "--user", "-p", "--pass", "--platform", "--create", "--format", "--artifact-type", "--file-media-type", "-f", "--file", "--subject", "--annotation", "--config-type", "--config-file", "--media-type")
	switch args[0] + " " + args[1] {
	case "registry login":
		in := loginCmd(clientlines.Regctl, "regctl registry login", p, stdin, line)
		for i := range in {
			if pw, ok := p.first("-p", "--pass"); ok {
				in[i].password, in[i].passwordSet = pw, true
			} else if p.bools["--pass-stdin"] {
				in[i].password, in[i].passwordSet = stdin, true
			}
		}
		return in
	case "image copy", "image cp":
		if len(p.pos) >= 2 {
			return []interaction{
				{action: ActionPull, client: clientlines.Regctl, tool: "regctl image copy (source)", refs: p.pos[:1], line: line},
				{action: ActionPush, client: clientlines.Regctl, tool: "regctl image copy", refs: p.pos[1:2], line: line, headFirst: true},
			}
		}
	case "artifact put":
		// regctl artifact put REF pushes an artifact (with --subject, a
		// referrer in the same repository).
		if len(p.pos) >= 1 {
			return []interaction{{action: ActionPush, client: clientlines.Regctl, tool: "regctl artifact put", refs: p.pos[:1], line: line, headFirst: true}}
		}
	case "artifact get", "artifact list", "artifact ls":
		if len(p.pos) >= 1 {
			return []interaction{{action: ActionPull, client: clientlines.Regctl, tool: "regctl " + args[0] + " " + args[1], refs: p.pos[:1], line: line}}
		}
	case "image get", "image inspect", "image manifest", "image digest", "manifest get", "tag ls":
		if len(p.pos) >= 1 {
			return []interaction{{action: ActionPull, client: clientlines.Regctl, tool: "regctl " + args[0] + " " + args[1], refs: p.pos[:1], line: line}}
		}
	}
	return nil
}
