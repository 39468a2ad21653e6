package diagnose

import (
	"strings"

	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/clientlines"
)

// Causes of their own: failures no permission rule explains (a client's
// bug, a broken credential helper, rate limiting, a misspelled registry
// host). Each names the public report it comes from.
const (
	specialTypo          = "registry_typo"
	specialRateLimit     = "rate_limited"
	specialCredHelper    = "credential_helper"
	specialHelmScope     = "helm_extra_scope"
	specialNerdctlLogin  = "nerdctl_login_404"
	specialOwnerNotFound = "owner_not_found"
	specialManifest      = "manifest_unknown"
)

// specialLine recognizes lines no client pattern knows.
func specialLine(text string) (Failure, bool) {
	f := Failure{Text: strings.TrimSpace(text), Library: string(clientlines.Docker), Stage: string(clientlines.StageLogin)}
	switch {
	case strings.Contains(text, "error getting credentials") || strings.Contains(text, "error storing credentials") ||
		strings.Contains(text, "Credentials store docker-credential-") || strings.Contains(text, "No stored credential for") ||
		(strings.Contains(text, "docker-credential-") && strings.Contains(text, "not found")):
		f.special = specialCredHelper
		if i := strings.Index(text, "No stored credential for "); i >= 0 {
			if w := strings.Fields(strings.Trim(text[i+len("No stored credential for "):], "`'\"")); len(w) > 0 {
				f.Image = strings.ToLower(strings.Trim(w[0], "`'\".")) + "/"
			}
		}
	case strings.Contains(text, "tryLoginWithRegHost") && strings.Contains(text, "404"):
		f.special, f.Library, f.Client, f.Status = specialNerdctlLogin, string(clientlines.Containerd), "nerdctl", 404
	default:
		return Failure{}, false
	}
	return f, true
}

// specialOf names the cause of its own a recognized failure has, or "".
func specialOf(f *Failure, text string) string {
	switch {
	case f.Status == 429 || f.Code == "TOOMANYREQUESTS":
		return specialRateLimit
	case strings.Contains(text, "repository%3Auser%2Fimage%3Apull") || strings.Contains(text, "scope=repository:user/image:pull"):
		return specialHelmScope
	case strings.Contains(f.Message, "owner not found"):
		return specialOwnerNotFound
	case f.Status == 404 && (strings.Contains(text, "manifest unknown") || strings.Contains(text, "not found")) && !strings.Contains(text, "name unknown"):
		return specialManifest
	}
	return ""
}

// specialCauses are the causes of a failure with a cause of its own.
func specialCauses(f *Failure, n names) []Cause {
	owner := n.owner
	if owner == "" {
		owner = "OWNER"
	}
	switch f.special {
	case specialTypo:
		host, _, _ := strings.Cut(f.Image, "/")
		return []Cause{{Reason: authz.Reason(specialTypo),
			Explanation: host + " is not GitHub Container Registry but a misspelling of ghcr.io; GHCR never saw this request. A lookalike domain such as ghrc.io is not GitHub's, and a docker login there hands it your token (https://github.com/parca-dev/docs/pull/487).",
			Fix:         "Write ghcr.io (g-h-c-r) in the image name and the login's registry; if you logged in to " + host + ", revoke that token and remove its entry from ~/.docker/config.json"}}
	case specialRateLimit:
		return []Cause{{Reason: authz.Reason(specialRateLimit), Reproduce: "fakeghcr fault add --status 429 --times 2",
			Explanation: "GHCR is rate-limiting these requests (429 toomanyrequests; its message names the wait, e.g. \"retry-after: 1.16676ms, allowed: 44000/minute\"). It is not a permission problem (https://github.com/falcosecurity/plugins/issues/1069, https://github.com/dependabot/cli/issues/380).",
			Fix:         "Retry with backoff after the wait the message names, and pull or push fewer images in parallel (e.g. limit a matrix's max-parallel)"}}
	case specialCredHelper:
		return []Cause{{Reason: authz.Reason(specialCredHelper), Scenario: "private-package-anonymous-pull",
			Explanation: "The credential helper named in ~/.docker/config.json (\"credsStore\" or \"credHelpers\") failed or is not installed, so the client stopped or went on without a credential; GHCR then answers as to an anonymous request (https://github.com/lux4rd0/grafana-loki-syslog-aio/issues/16, https://github.com/linuxserver/docker-openssh-server/issues/38).",
			Fix:         "Install the helper the config names (docker-credential-desktop, -osxkeychain, -pass with an initialized pass store), or remove \"credsStore\" from ~/.docker/config.json; then docker login ghcr.io again"}}
	case specialHelmScope:
		return []Cause{{Reason: authz.Reason(specialHelmScope),
			Explanation: "Helm 3.13.0 asks GHCR's token service for an extra scope, repository:user/image:pull, besides the chart's; GHCR refuses the whole anonymous token with 403. The chart's own permissions are not the problem (https://github.com/helm/helm/issues/12449).",
			Fix:         "Upgrade helm to 3.13.1 or later (or stay on 3.12.x)"}}
	case specialNerdctlLogin:
		return []Cause{{Reason: authz.Reason(specialNerdctlLogin),
			Explanation: "nerdctl 0.16.0 logs in to ghcr.io at the wrong URL and gets 404; the password is not the problem (https://github.com/containerd/nerdctl/pull/735, https://github.com/rancher-sandbox/rancher-desktop/issues/1673).",
			Fix:         "Upgrade nerdctl to 0.16.1 or later"}}
	case specialManifest:
		pkg := n.pkg
		if pkg == "" {
			pkg = "OWNER/NAME"
		}
		return []Cause{{Reason: authz.Reason(specialManifest),
			Explanation: "Package " + pkg + " exists, but not the tag or digest asked for: never pushed (no latest tag), deleted, or a platform image a clean-up of untagged versions removed from a multi-arch index (https://github.com/alex3025/ilo-fans-controller/issues/16, https://github.com/shizunge/endlessh-go/issues/83).",
			Fix:         "List the package's tags on its page (https://github.com/" + n.owner + "?tab=packages) and pull one that exists, or push the tag again; keep untagged versions a multi-arch index still points at"}}
	case specialOwnerNotFound:
		return []Cause{{Reason: authz.Reason(specialOwnerNotFound),
			Explanation: "GHCR knows no user or organization named " + owner + ": the image's owner is misspelled (it must be the GitHub login, lower case, e.g. helium-diy for HeliumDIY) (https://github.com/goreleaser/goreleaser/issues/2815).",
			Fix:         "Use ghcr.io/<your GitHub login or organization, lower case>/NAME as the image name"}}
	}
	return nil
}
