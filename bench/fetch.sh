#!/usr/bin/env bash
# Fetch a pinned list of published packages (each package's own npm tarball, no dependencies).
#   usage: bench/fetch.sh LIST OUT_DIR      LIST: bench/corpus.txt or bench/ecosystem.txt
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
  tgz=$(cd "$OUT/_tarballs" && npm pack --silent "$spec" | tail -n 1)
  rm -rf "$dir" "$OUT/_large/$name"; mkdir -p "$dir"
  tar -xzf "$OUT/_tarballs/$tgz" -C "$dir" --strip-components=1
  (cd "$dir" && find . -type f "${EXT[@]}" -size +1048576c -print0 |
    while IFS= read -r -d '' f; do mkdir -p "$OUT/_large/$name/$(dirname "$f")"; mv "$f" "$OUT/_large/$name/$f"; done)
  touch "$dir/.fetched"
done
