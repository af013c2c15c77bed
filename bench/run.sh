#!/usr/bin/env bash
# loopsafe benchmark: the pinned corpus of real Node backends, timed against oxlint and ESLint in one run.
#   usage: bench/run.sh            (needs network for npm and the corpus on first run)
# Prints a table (files, median wall time, peak RSS, ratio to loopsafe) and appends it to bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=${BENCH_WORK:-$ROOT/bench/.work}
CORPUS=${CORPUS:-$WORK/corpus}
RUNS=${RUNS:-5}
mkdir -p "$WORK"

SHARED=${SHARED:-$ROOT/../shared}
bash "$SHARED/bench/fetch_corpus.sh" "$CORPUS" >/dev/null
command -v hyperfine >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq hyperfine >/dev/null; }
if [ ! -x "$WORK/node_modules/.bin/oxlint" ] || [ ! -x "$WORK/node_modules/.bin/eslint" ]; then
  (cd "$WORK" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund oxlint eslint eslint-plugin-n >/dev/null)
fi
cargo build --release -q
LS=$ROOT/target/release/loopsafe
OX=$WORK/node_modules/.bin/oxlint
ES=$WORK/node_modules/.bin/eslint

cat > "$WORK/eslint.config.mjs" <<'CFG'
import n from "eslint-plugin-n";
export default [{
  files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
  plugins: { n },
  languageOptions: { ecmaVersion: "latest", sourceType: "module" },
  linterOptions: { reportUnusedDisableDirectives: "off" },
  rules: { "no-await-in-loop": "error", "require-atomic-updates": "error", "n/no-sync": "error" },
}];
CFG
# oxlint: only its equivalent rules (no-await-in-loop; node/no-sync when this oxlint has it)
OXRULES=(-A all -D no-await-in-loop)
if "$OX" -A all -D node/no-sync "$ROOT/examples" >/dev/null 2>&1 || [ $? -eq 1 ]; then OXRULES+=(-D node/no-sync); fi

FILES=$(find "$CORPUS" -path "$CORPUS/_tarballs" -prune -o -path '*/node_modules' -prune -o -type f \( -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.jsx' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.tsx' \) ! -name '*.d.ts' -print | wc -l)

cmds=(
  "loopsafe|$LS check $CORPUS --format json"
  "loopsafe-parse-floor|$LS check $CORPUS --format json --parse-only"
  "loopsafe-1-thread|$LS check $CORPUS --format json --threads 1"
  "oxlint|$OX ${OXRULES[*]} --format json $CORPUS"
  "eslint|$ES -c $WORK/eslint.config.mjs --no-warn-ignored $CORPUS"
)
declare -A MED RSS
for c in "${cmds[@]}"; do
  name=${c%%|*}; cmd=${c#*|}
  runs=$RUNS; [ "$name" = eslint ] && runs=1
  hyperfine -N -i --warmup 1 --runs "$runs" --export-json "$WORK/$name.json" "$cmd" >/dev/null 2>&1 || true
  MED[$name]=$(python3 -c "import json,sys;print(json.load(open('$WORK/$name.json'))['results'][0]['median'])")
  RSS[$name]=$( { /usr/bin/time -v $cmd >/dev/null 2>/dev/null; } 2>&1 | awk '/Maximum resident/{print $6}' || true)
  [ -n "${RSS[$name]}" ] || RSS[$name]=$( ( /usr/bin/time -v $cmd >/dev/null ) 2>&1 | awk '/Maximum resident/{print $6}')
done

{
  echo
  echo "## $(date -u +%Y-%m-%d) — $(nproc) cores, $(uname -m); loopsafe $($LS --version | cut -d' ' -f2), oxlint $($OX --version 2>/dev/null | tr -d '\n'), eslint $($ES --version)"
  echo
  echo "Corpus: $FILES files (../shared/bench/fetch_corpus.sh). Median of $RUNS runs (ESLint: 1; JS files only, no TS parser)."
  echo
  echo "| tool | median wall (s) | peak RSS (MB) | ratio to loopsafe |"
  echo "| --- | ---: | ---: | ---: |"
  for c in "${cmds[@]}"; do
    name=${c%%|*}
    python3 - "$name" "${MED[$name]}" "${RSS[$name]:-0}" "${MED[loopsafe]}" <<'PY'
import sys
name, med, rss, base = sys.argv[1], float(sys.argv[2]), int(sys.argv[3] or 0), float(sys.argv[4])
print(f"| {name} | {med:.3f} | {rss/1024:.0f} | {med/base:.2f}x |")
PY
  done
} | tee -a bench/RESULTS.md
