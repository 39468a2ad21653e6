#!/usr/bin/env bash
# Builds, offline of Docker Hub, the two images that act's default container mode needs in
# `fakeghcr sandbox --docker`, as docker-archive tarballs that `docker load` reads:
#   - the job image act runs ubuntu-latest in (act's usual catthehacker/ubuntu:act-latest is on
#     Docker Hub): a Debian bookworm minbase root filesystem from Debian's mirror (debootstrap)
#     with bash, git, ca-certificates and Debian's nodejs (act runs JavaScript actions with the
#     job container's own `node`), plus the host's docker CLI and buildx plugin (the actions
#     call `docker` and `docker buildx` against the engine whose socket act mounts);
#   - moby/buildkit:buildx-stable-1, the image setup-buildx-action's default docker-container
#     driver runs: buildkitd and buildctl as .ci/install-clients.sh builds them, runc from
#     Debian (buildkitd's OCI worker), their libraries, and the host's CA bundle.
# Neither needs a Docker engine to build: the archive (manifest.json, config, one layer) is
# written here. Each is cached in $FAKEGHCR_ACT_IMAGES (default ~/.cache/fakeghcr/act-images)
# under the hash of its recipe (this file and the binaries copied in), so a second run costs
# a hash. Prints NAME=VALUE lines: RUNNER_IMAGE, RUNNER_TAR, BUILDKIT_IMAGE, BUILDKIT_TAR.
# A cold build took 61 s to 3.5 minutes here (debootstrap from Debian's mirror, ~60 MB; the
# job image is 389 MB, the BuildKit one 122 MB); a warm one about 2 s (hashing the binaries). Needs root (debootstrap) and debootstrap, runc (apt-get install).
set -euo pipefail
export PATH="$(go env GOPATH 2>/dev/null || echo /root/go)/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
cache="${FAKEGHCR_ACT_IMAGES:-$HOME/.cache/fakeghcr/act-images}"
# The mirror apt already uses (its first deb URI ending in /debian), unless DEBIAN_MIRROR says.
apt_mirror() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE '(https?|file)://[^ ]*/debian/?( |$)' | head -n 1 | tr -d ' ' || true
}
mirror="${DEBIAN_MIRROR:-$(apt_mirror)}"
if [[ -z "$mirror" ]]; then
	echo "act-images: no Debian mirror in apt's sources; set DEBIAN_MIRROR" >&2
	exit 1
fi
mkdir -p "$cache"
log() { echo "act-images: $*" >&2; }

need() {
	command -v "$1" >/dev/null && return
	log "installing $2"
	apt-get install -y "$2" >&2 || { apt-get update >&2 && apt-get install -y "$2" >&2; }
}
need debootstrap debootstrap
need runc runc

docker_cli=$(command -v docker)
buildx=$(command -v buildx || true)
[ -n "$buildx" ] || buildx=$(command -v docker-buildx)
buildkitd=$(command -v buildkitd)
buildctl=$(command -v buildctl)
runc=$(command -v runc)

# recipe NAME FILES...: the hash of this script's commands (comments left out) and the files.
recipe() {
	local name=$1
	shift
	{ echo "$name"; grep -v '^[[:space:]]*#' "$0"; sha256sum "$@" | cut -d' ' -f1; } | sha256sum | cut -c1-16
}

# A failed build leaves no half-made root filesystem behind.
rootfs=""
trap '[ -z "$rootfs" ] || rm -rf "$rootfs"' EXIT

# archive ROOTFS TAG OUT CONFIGJSON: a docker-archive of ROOTFS as one layer.
archive() {
	local rootfs=$1 tag=$2 out=$3 config=$4 work
	work=$(mktemp -d)
	tar --numeric-owner --xattrs -C "$rootfs" -cf "$work/layer.tar" .
	local diff config_hex
	diff=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
	mkdir "$work/$diff"
	mv "$work/layer.tar" "$work/$diff/layer.tar"
	printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"$config" "$diff" >"$work/config.json"
	config_hex=$(sha256sum "$work/config.json" | cut -d' ' -f1)
	mv "$work/config.json" "$work/$config_hex.json"
	printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' \
		"$config_hex" "$tag" "$diff" >"$work/manifest.json"
	tar -C "$work" -cf "$out.tmp" manifest.json "$config_hex.json" "$diff"
	mv "$out.tmp" "$out"
	rm -rf "$work"
}

# copy_with_libs ROOTFS FILE DEST: FILE at DEST in ROOTFS, with the shared libraries it loads.
copy_with_libs() {
	local rootfs=$1 file=$2 dest=$3
	install -D -m 0755 "$file" "$rootfs$dest"
	ldd "$file" 2>/dev/null | grep -oE '/[^ ]+' | while read -r lib; do
		[ -e "$rootfs$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
	done
}

start=$SECONDS

# The job image.
runner_hash=$(recipe runner "$docker_cli" "$buildx")
runner_tag="fakeghcr/act-runner:$runner_hash"
runner_tar="$cache/act-runner-$runner_hash.tar"
if [ ! -s "$runner_tar" ]; then
	log "building $runner_tag (debootstrap from $mirror)"
	rootfs=$(mktemp -d)
	debootstrap --variant=minbase --include=bash,git,ca-certificates,nodejs \
		bookworm "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
		{ tail -30 "$cache/debootstrap.log" >&2; exit 1; }
	install -D -m 0755 "$docker_cli" "$rootfs/usr/local/bin/docker"
	copy_with_libs "$rootfs" "$buildx" /usr/libexec/docker/cli-plugins/docker-buildx
	rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
		"$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
	# No NODE_EXTRA_CA_CERTS here, as in act's usual images: the sandbox's engine sets it for
	# each container and docker exec (sandbox/ociruntime.go).
	archive "$rootfs" "$runner_tag" "$runner_tar" \
		'{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["bash"]}'
	rm -rf "$rootfs"
	log "built $runner_tar ($(du -m "$runner_tar" | cut -f1) MB) at $((SECONDS - start)) s"
fi

# The BuildKit image buildx's docker-container driver runs.
bundle=/etc/ssl/certs/ca-certificates.crt
buildkit_hash=$(recipe buildkit "$buildkitd" "$buildctl" "$runc" "$bundle")
buildkit_tag="moby/buildkit:buildx-stable-1"
buildkit_tar="$cache/buildkit-$buildkit_hash.tar"
if [ ! -s "$buildkit_tar" ]; then
	log "building $buildkit_tag from $buildkitd"
	rootfs=$(mktemp -d)
	copy_with_libs "$rootfs" "$buildkitd" /usr/bin/buildkitd
	copy_with_libs "$rootfs" "$buildctl" /usr/bin/buildctl
	copy_with_libs "$rootfs" "$runc" /usr/bin/runc
	copy_with_libs "$rootfs" /bin/dash /bin/sh
	install -D -m 0644 "$bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
	mkdir -p "$rootfs/tmp" "$rootfs/var/lib/buildkit" "$rootfs/etc/buildkit" "$rootfs/run"
	chmod 1777 "$rootfs/tmp"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
	echo 'root:x:0:' >"$rootfs/etc/group"
	archive "$rootfs" "$buildkit_tag" "$buildkit_tar" \
		'{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Entrypoint":["buildkitd"],"Volumes":{"/var/lib/buildkit":{}}}'
	rm -rf "$rootfs"
	log "built $buildkit_tar ($(du -m "$buildkit_tar" | cut -f1) MB) at $((SECONDS - start)) s"
fi

# Older recipes' archives are of no further use.
find "$cache" -maxdepth 1 \( -name 'act-runner-*.tar' ! -name "act-runner-$runner_hash.tar" \) -delete
find "$cache" -maxdepth 1 \( -name 'buildkit-*.tar' ! -name "buildkit-$buildkit_hash.tar" \) -delete

echo "RUNNER_IMAGE=$runner_tag"
echo "RUNNER_TAR=$runner_tar"
echo "BUILDKIT_IMAGE=$buildkit_tag"
echo "BUILDKIT_TAR=$buildkit_tar"
