#!/usr/bin/env bash
# The ecosystem check: run loopsafe over pinned real backends and compare every finding with its
# hand triage (TP worth fixing / B borderline / FP wrong, one-line reason).
#   usage: bench/ecosystem.sh [ecosystem|corpus|frameworks] [--no-build] [--list-untriaged]
# Prints precision per rule, the findings not yet triaged and the triaged findings that are gone.
# Triage files: bench/triage/<set>/<package>.tsv, lines `rule<TAB>path:line<TAB>verdict<TAB>reason`.
# Needs npm on first use (fetches the packages into bench/.work/<set>); `frameworks` needs git.
set -euo pipefail
cd "$(dirname "$0")/.."
SET=ecosystem; BUILD=1; LIST_ALL=0
for a in "$@"; do
  case "$a" in
    ecosystem|corpus|frameworks) SET=$a ;;
    --no-build) BUILD=0 ;;
    --list-untriaged) LIST_ALL=1 ;;
    *) echo "unknown argument: $a" >&2; exit 2 ;;
  esac
done
WORK=${BENCH_WORK:-bench/.work}
DIR=${CORPUS_DIR:-$WORK/$SET}
bash bench/fetch.sh "bench/$SET.txt" "$DIR" >/dev/null
[ "$BUILD" = 1 ] && cargo build --release -q
LS=$(pwd)/target/release/loopsafe
OUT=$WORK/$SET-findings
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
for name in $(grep -vE '^\s*(#|$)' "bench/$SET.txt" | cut -d= -f1); do
  (cd "$DIR/$name" && "$LS" check . --no-config --format json >"$OUT/$name.json" 2>/dev/null) || [ $? -le 1 ]
done
python3 bench/triage.py "$SET" "$OUT" "bench/triage/$SET" "$LIST_ALL"
