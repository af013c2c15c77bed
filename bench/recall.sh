#!/usr/bin/env bash
# The recall check: of the sites ESLint reports (n/no-sync, core no-await-in-loop) in the pinned
# packages and a reviewer labelled as real problems (bench/recall/sync.tsv: `request`;
# bench/recall/await-loop.tsv: `independent`), how many does loopsafe find? Also counts loopsafe's
# findings at sites labelled as negatives (startup / not-blocking / sequential) and lists the misses.
#   usage: bench/recall.sh [--no-build] [--reuse]
#     --no-build  use target/release/loopsafe as it is (default: cargo build --release first)
#     --reuse     reuse $BENCH_WORK/<set>-findings/<package>.json left by bench/ecosystem.sh or an
#                 earlier run instead of running loopsafe again (packages without one are run)
# Needs npm on first use (bench/fetch.sh fetches the packages into $BENCH_WORK/<set>, default
# bench/.work) and python3. Writes $BENCH_WORK/<set>-findings/<package>.json like bench/ecosystem.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=1; REUSE=0
for a in "$@"; do
  case "$a" in
    --no-build) BUILD=0 ;;
    --reuse) REUSE=1 ;;
    *) echo "unknown argument: $a" >&2; exit 2 ;;
  esac
done
WORK=${BENCH_WORK:-bench/.work}
[ "$BUILD" = 1 ] && cargo build --release -q
LS=$(pwd)/target/release/loopsafe
[ -x "$LS" ] || { echo "no $LS (run without --no-build)" >&2; exit 2; }
for SET in corpus ecosystem; do
  DIR=$WORK/$SET
  bash bench/fetch.sh "bench/$SET.txt" "$DIR" >/dev/null
  OUT=$WORK/$SET-findings
  mkdir -p "$OUT"
  OUT=$(cd "$OUT" && pwd)
  for name in $(grep -vE '^\s*(#|$)' "bench/$SET.txt" | cut -d= -f1); do
    [ "$REUSE" = 1 ] && [ -s "$OUT/$name.json" ] && continue
    # the debug lines say, for a miss, how far the model got (see docs/development.md)
    (cd "$DIR/$name" && LOOPSAFE_DEBUG_SYNC=1 LOOPSAFE_DEBUG_LOOPS=1 "$LS" check . --no-config --format json \
      >"$OUT/$name.json" 2>"$OUT/$name.debug") || [ $? -le 1 ]
  done
done
python3 bench/recall.py "$WORK" bench/recall
