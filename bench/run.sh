#!/usr/bin/env bash
# Runs the benchmark harness and rewrites docs/benchmarks.md, installing
# distribution's registry v3.1.2 first when it is missing.
#
# Usage (from anywhere in the repository): bench/run.sh [bench flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v registry >/dev/null && [[ ! -x "$(go env GOPATH)/bin/registry" ]]; then
	if [[ -x .ci/install-clients.sh ]]; then
		.ci/install-clients.sh registry
	else
		go install github.com/distribution/distribution/v3/cmd/registry@v3.1.2
	fi
fi
exec go run ./bench -o docs/benchmarks.md "$@"
