#!/usr/bin/env bash
# Installs the real registry clients that the e2e tests (e2e/) drive against fakeghcr.
#
# Go tools go to $FAKEGHCR_TOOLS_BIN (default: $(go env GOPATH)/bin); Debian packages come from
# apt. Idempotent: a tool already installed at the pinned version is skipped (checked with
# `go version -m`, which reads the module versions embedded in a Go binary), so a warm machine
# takes seconds. Build scratch space (the buildkit wrapper module) lives outside the repo in
# $FAKEGHCR_TOOLS_CACHE (default: ${XDG_CACHE_HOME:-$HOME/.cache}/fakeghcr-tools).
#
# Usage: .ci/install-clients.sh            # everything
#        .ci/install-clients.sh crane oras # only these (names as in the table below)
set -euo pipefail

CRANE_VERSION=v0.22.1
ORAS_VERSION=v1.3.6
REGCTL_VERSION=v0.11.7
ACT_VERSION=v0.2.89
BUILDX_VERSION=v0.38.2
BUILDKIT_VERSION=v0.34.2
REGISTRY_VERSION=v3.1.2
CONFORMANCE_VERSION=v0.0.0-20260831232431-97274622c111
# cosign v2: v3 defaults to signing configs and trust roots fetched over the network; v2 signs
# with a local key and --tlog-upload=false entirely offline.
COSIGN_VERSION=v2.6.5
# Helm: every release after 3.18.6 trips over GHCR's read-after-write lag in `helm push`
# (failed to perform "Tag" on destination, helm/helm#31223); the e2e shows it against a lag fault.
HELM_VERSION=v3.22.0

BIN="${FAKEGHCR_TOOLS_BIN:-$(go env GOPATH)/bin}"
CACHE="${FAKEGHCR_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fakeghcr-tools}"
mkdir -p "$BIN" "$CACHE"

log() { printf 'install-clients: %s\n' "$*" >&2; }

# module_version FILE MODULE prints the version of MODULE linked into the Go binary FILE
# (as main module or dependency), or nothing.
module_version() {
	[[ -x "$1" ]] || return 0
	go version -m "$1" 2>/dev/null |
		awk -v m="$2" '($1 == "mod" || $1 == "dep") && $2 == m { print $3; exit }'
}

# up_to_date NAME MODULE VERSION: is $BIN/NAME built from MODULE@VERSION?
up_to_date() {
	[[ "$(module_version "$BIN/$1" "$2")" == "$3" ]]
}

# timed LABEL CMD...: run CMD and log how long it took.
timed() {
	local label=$1 start=$SECONDS
	shift
	"$@"
	log "$label: installed in $((SECONDS - start)) s"
}

# go_tool NAME PACKAGE MODULE VERSION [LDFLAGS]: go install PACKAGE@VERSION as $BIN/NAME.
go_tool() {
	local name=$1 pkg=$2 mod=$3 version=$4 ldflags=${5:-}
	if up_to_date "$name" "$mod" "$version"; then
		log "$name: $version already installed"
		return
	fi
	log "$name: installing $pkg@$version"
	local gobin="$CACHE/gobin-$name"
	rm -rf "$gobin"
	timed "$name" env GOBIN="$gobin" go install -ldflags="$ldflags" "$pkg@$version"
	install -m 0755 "$gobin/$(basename "$pkg")" "$BIN/$name"
	rm -rf "$gobin"
}

# `go install github.com/moby/buildkit/cmd/buildkitd@v` fails ("go.mod ... contains one or more
# exclude directives"), so build buildkitd and buildctl inside a throwaway wrapper module.
install_buildkit() {
	if up_to_date buildkitd github.com/moby/buildkit "$BUILDKIT_VERSION" &&
		up_to_date buildctl github.com/moby/buildkit "$BUILDKIT_VERSION"; then
		log "buildkitd, buildctl: $BUILDKIT_VERSION already installed"
		return
	fi
	local dir="$CACHE/buildkit-$BUILDKIT_VERSION"
	log "buildkitd, buildctl: building $BUILDKIT_VERSION in $dir"
	build() {
		rm -rf "$dir"
		mkdir -p "$dir"
		(
			cd "$dir"
			go mod init fakeghcr-tools/buildkit >/dev/null 2>&1
			go get "github.com/moby/buildkit/cmd/buildkitd@$BUILDKIT_VERSION" \
				"github.com/moby/buildkit/cmd/buildctl@$BUILDKIT_VERSION" >/dev/null
			local cmd
			for cmd in buildkitd buildctl; do
				go build -ldflags="-X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION" \
					-o "$BIN/$cmd" "github.com/moby/buildkit/cmd/$cmd"
			done
		)
	}
	timed "buildkitd+buildctl" build
}

# The OCI conformance suite is a main package (README: `go build -o conformance .`); install it
# under a name that says what it is.
install_conformance() {
	go_tool oci-conformance github.com/opencontainers/distribution-spec/conformance \
		github.com/opencontainers/distribution-spec/conformance "$CONFORMANCE_VERSION"
}

install_apt() {
	local missing=() pkg
	# chromium: the headless browser e2e/webui_test.go drives (chromedp) for the web page.
	# git (git http-backend) and nodejs (the docker actions run on node) for the sandbox's
	# starter-workflow and pass-through tests.
	for pkg in skopeo runc gh podman chromium git nodejs; do
		if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$pkg")
		fi
	done
	if ((${#missing[@]} == 0)); then
		log "skopeo, runc, gh, podman, chromium, git, nodejs: already installed"
		return
	fi
	local sudo=()
	if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
	log "apt: installing ${missing[*]}"
	apt_install() {
		"${sudo[@]}" apt-get update -qq
		DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
			"${missing[@]}" >/dev/null
	}
	timed "apt (${missing[*]})" apt_install
}

install_one() {
	case $1 in
	apt) install_apt ;;
	crane) go_tool crane github.com/google/go-containerregistry/cmd/crane \
		github.com/google/go-containerregistry "$CRANE_VERSION" ;;
	oras) go_tool oras oras.land/oras/cmd/oras oras.land/oras "$ORAS_VERSION" ;;
	regctl) go_tool regctl github.com/regclient/regclient/cmd/regctl \
		github.com/regclient/regclient "$REGCTL_VERSION" ;;
	act) go_tool act github.com/nektos/act github.com/nektos/act "$ACT_VERSION" ;;
	buildx) go_tool buildx github.com/docker/buildx/cmd/buildx github.com/docker/buildx \
		"$BUILDX_VERSION" "-X github.com/docker/buildx/version.Version=$BUILDX_VERSION" ;;
	buildkit) install_buildkit ;;
	registry) go_tool registry github.com/distribution/distribution/v3/cmd/registry \
		github.com/distribution/distribution/v3 "$REGISTRY_VERSION" ;;
	conformance) install_conformance ;;
	cosign) go_tool cosign github.com/sigstore/cosign/v2/cmd/cosign github.com/sigstore/cosign/v2 \
		"$COSIGN_VERSION" "-X sigs.k8s.io/release-utils/version.gitVersion=$COSIGN_VERSION" ;;
	helm) go_tool helm helm.sh/helm/v3/cmd/helm helm.sh/helm/v3 "$HELM_VERSION" \
		"-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" ;;
	*)
		log "unknown tool $1 (want: apt crane oras regctl act buildx buildkit registry conformance helm cosign)"
		return 2
		;;
	esac
}

print_versions() {
	local v
	# A tool that is not installed prints "missing", not bash's "line N: NAME: command not
	# found" (bash calls this function for an unknown command; print_versions runs last).
	command_not_found_handle() { echo "missing"; return 127; }
	export PATH="$BIN:$PATH"
	echo "== client versions (BIN=$BIN)"
	echo "crane:           $(crane version 2>&1)"
	echo "oras:            $(oras version 2>&1 | sed -n 's/^Version: *//p; /^missing$/p')"
	echo "regctl:          $(regctl version --format '{{.VCSTag}}' 2>&1)"
	echo "act:             $(act --version 2>&1)"
	echo "buildx:          $(buildx version 2>&1)"
	echo "buildkitd:       $(buildkitd --version 2>&1)"
	echo "buildctl:        $(buildctl --version 2>&1)"
	v=$(module_version "$BIN/oci-conformance" github.com/opencontainers/distribution-spec/conformance)
	echo "oci-conformance: ${v:-missing}"
	echo "registry:        $(registry --version 2>&1)"
	echo "cosign:          $(cosign version 2>&1 | sed -n 's/^GitVersion: *//p')"
	echo "skopeo:          $(skopeo --version 2>&1)"
	echo "podman:          $(podman --version 2>&1)"
	echo "runc:            $(runc --version 2>&1 | head -n 1)"
	echo "gh:              $(gh --version 2>&1 | head -n 1)"
	echo "helm:            $(helm version --short 2>&1)"
	if command -v docker >/dev/null; then
		echo "docker CLI:      $(docker version --format '{{.Client.Version}}' 2>/dev/null || true)"
	else
		echo "docker CLI:      missing (preinstalled on the CI machine; not installed by this script)"
	fi
}

main() {
	local start=$SECONDS tools=("$@") tool
	if ((${#tools[@]} == 0)); then
		tools=(apt crane oras regctl act registry conformance buildkit buildx helm cosign)
	fi
	for tool in "${tools[@]}"; do
		install_one "$tool"
	done
	print_versions
	log "done in $((SECONDS - start)) s"
}

main "$@"
