#!/usr/bin/env bash
# Fails when git tracks a binary file over 1 MB: a build output committed by mistake
# (.gitignore ignores them at any depth; this catches what slips through, e.g. git add -f).
set -euo pipefail
cd "$(dirname "$0")/.."
limit=$((1024 * 1024))
found=0
# git ls-files --eol marks the files git sees as binary with i/-text.
while IFS=$'\t' read -r info path; do
	[[ "$info" == i/-text* && -f "$path" ]] || continue
	size=$(stat -c %s "$path")
	if ((size > limit)); then
		echo "tracked binary over 1 MB: $path ($size bytes); remove it (git rm --cached) and ignore it"
		found=1
	fi
done < <(git ls-files --eol)
exit "$found"
