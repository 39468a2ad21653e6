#!/usr/bin/env bash
# Runs the OCI distribution-spec conformance suite against a built fakeghcr
# binary on 127.0.0.1, configured to GHCR's feature set, and fails on any
# failed test or on a skip that hides a mismatch.
# Usage: .ci/conformance.sh PATH/TO/fakeghcr
set -euo pipefail
bin=${1:?usage: conformance.sh PATH/TO/fakeghcr}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
"$bin" serve --addr 127.0.0.1:0 --addr-file "$work/addr" --scenario "$here/conformance-world.yaml" \
  --admin-token conformance --log-level warn >"$work/server.out" 2>"$work/server.err" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$work/addr" ] && break; sleep 0.05; done
[ -s "$work/addr" ] || { echo "fakeghcr did not start"; cat "$work/server.err"; exit 1; }

export OCI_REGISTRY=$(cat "$work/addr")
export OCI_TLS=disabled
export OCI_VERSION=1.1
export OCI_REPO1=conformance/repo1
export OCI_REPO2=conformance/repo2
export OCI_USERNAME=oci
export OCI_PASSWORD=ghp_conformance
export OCI_RESULTS_DIR="$work/results"
export OCI_LOG=warn
# GHCR does not delete through the registry API: DELETE answers 405 [T23].
export OCI_API_BLOBS_DELETE=false
export OCI_API_MANIFESTS_DELETE=false
export OCI_API_TAGS_DELETE=false
# GHCR does not offer the referrers API (404 MANIFEST_UNKNOWN) [T28].
export OCI_API_REFERRER=false
# GHCR does not cancel uploads: DELETE of a session answers 405 [T23].
export OCI_API_BLOBS_UPLOAD_CANCEL=false

(cd "$work" && oci-conformance) >"$work/conformance.out" 2>&1 || true
junit="$work/results/junit.xml"
if [ ! -s "$junit" ]; then
  echo "conformance: no junit.xml written"; cat "$work/conformance.out"; exit 1
fi
if [ -n "${CONFORMANCE_KEEP:-}" ]; then rm -rf "$CONFORMANCE_KEEP"; cp -r "$work" "$CONFORMANCE_KEEP"; fi
python3 "$here/junit_summary.py" "$junit"
