#!/usr/bin/env bash
# Reproduces act's loss of a failing host-mode step's last output lines (act v0.2.89; see
# e2e/act_output_test.go for the cause): a one-step workflow prints 50 lines, then one line to
# stderr, and exits CODE; act runs it RUNS times in host mode; the script counts the runs whose
# act output lacks that last line. Run it while the machine is busy (for example beside a
# `go build` of a large module): quiet, the loss is rare.
#
#   bash e2e/testdata/actloss/repro.sh [RUNS [CODE]]    # defaults: 40 runs, exit 1
#
# Expected with act v0.2.89 on 2 busy cores: some runs lose the line with CODE 1, none with
# CODE 0 (act drains a step that succeeded).
set -euo pipefail
runs=${1:-40} code=${2:-1}
act=${ACT:-act}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/.github/workflows"
cat > "$dir/.github/workflows/lost.yml" <<'YAML'
name: lost
on: push
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - name: print then exit
        run: |
          for i in $(seq 1 50); do echo "line $i"; done
          echo "LAST LINE" >&2
          exit "$CODE"
YAML
git -C "$dir" init -q -b main
git -C "$dir" add .
git -C "$dir" -c user.name=repro -c user.email=repro@example.test -c commit.gpgsign=false commit -qm repro
lost=0
for i in $(seq 1 "$runs"); do
  out=$(cd "$dir" && "$act" push -P ubuntu-latest=-self-hosted --action-offline-mode --no-cache-server \
    --action-cache-path "$dir/.act-cache" --env CODE="$code" 2>&1 || true)
  if ! grep -q '| LAST LINE$' <<<"$out"; then
    lost=$((lost + 1))
  fi
done
echo "act $("$act" --version | sed 's/^act version //'), step exit $code: $lost of $runs runs lost the step's last line"
