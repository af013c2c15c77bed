#!/usr/bin/env bash
# Fetch a pinned list of published packages (each package's own npm tarball, no dependencies).
#   usage: bench/fetch.sh LIST OUT_DIR      LIST: bench/corpus.txt, bench/ecosystem.txt or
#                                            bench/frameworks.txt (git commits, see there)
# Idempotent. OUT_DIR/<name>/ holds one package. Source files over 1 MiB (minified bundles) are
# moved to OUT_DIR/_large/<name>/, so that timings and triage cover application code.
set -euo pipefail
LIST=${1:?usage: fetch.sh LIST OUT_DIR}
OUT=${2:?usage: fetch.sh LIST OUT_DIR}
mkdir -p "$OUT/_tarballs"
OUT=$(cd "$OUT" && pwd)
EXT=( \( -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.jsx' -o -name '*.ts' -o -name '*.mts'
         -o -name '*.cts' -o -name '*.tsx' \) )
grep -vE '^\s*(#|$)' "$LIST" | while IFS='=' read -r name spec; do
  dir="$OUT/$name"
  [ -f "$dir/.fetched" ] && continue
  if [[ "$spec" == git+* ]]; then
    # git+URL#COMMIT[:SUBDIR]: one commit of a repository (needs git and the network); the
    # whole tree is kept (a tsconfig above SUBDIR may matter), SUBDIR is what gets checked
    rest=${spec#git+}; url=${rest%%#*}; frag=${rest#*#}; commit=${frag%%:*}; sub=""
    [[ "$frag" == *:* ]] && sub=${frag#*:}
    repo="$OUT/_repos/$name"
    rm -rf "$repo" "$dir"; mkdir -p "$repo"
    git -C "$repo" init -q
    git -C "$repo" fetch -q --depth 1 "$url" "$commit"
    git -C "$repo" -c advice.detachedHead=false checkout -q FETCH_HEAD
    ln -s "$repo/$sub" "$dir"
    touch "$dir/.fetched"
    continue
  fi
  tgz=$(cd "$OUT/_tarballs" && npm pack --silent "$spec" | tail -n 1)
  rm -rf "$dir" "$OUT/_large/$name"; mkdir -p "$dir"
  tar -xzf "$OUT/_tarballs/$tgz" -C "$dir" --strip-components=1
  (cd "$dir" && find . -type f "${EXT[@]}" -size +1048576c -print0 |
    while IFS= read -r -d '' f; do mkdir -p "$OUT/_large/$name/$(dirname "$f")"; mv "$f" "$OUT/_large/$name/$f"; done)
  touch "$dir/.fetched"
done
