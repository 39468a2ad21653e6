#!/usr/bin/env bash
# Builds the fakeghcr container image without pulling anything: a static Linux
# binary built here with the Go toolchain, copied into an image FROM scratch.
#
#   scripts/build-image.sh [TAG]        # default tag: fakeghcr:dev
#
# The binary is built for the Docker engine's architecture (GOARCH overrides),
# in a temporary build context, so ./fakeghcr (a local build) is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

tag="${1:-fakeghcr:dev}"
arch="${GOARCH:-$(docker version --format '{{.Server.Arch}}')}"
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT

CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -trimpath -ldflags='-s -w' -o "$context/fakeghcr" ./cmd/fakeghcr
docker build --file Dockerfile --tag "$tag" "$context"
echo "built $tag (linux/$arch)"
