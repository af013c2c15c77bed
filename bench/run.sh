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

bash bench/fetch.sh bench/corpus.txt "$CORPUS" >/dev/null
command -v hyperfine >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq hyperfine >/dev/null; }
if [ ! -x "$WORK/node_modules/.bin/oxlint" ] || [ ! -x "$WORK/node_modules/.bin/eslint" ]; then
  (cd "$WORK" && { [ -f package.json ] || echo '{"name": "loopsafe-bench", "private": true}' > package.json; } && npm install --no-audit --no-fund oxlint eslint eslint-plugin-n >/dev/null)
fi
cargo build --release -q
LS=$ROOT/target/release/loopsafe
OX=$WORK/node_modules/.bin/oxlint
ES=$WORK/node_modules/.bin/eslint

# ESLint only lints files under its config's directory: the config goes into the corpus, and
# imports the plugin by absolute path from the bench's node_modules
ESCFG="$CORPUS/eslint.loopsafe-bench.config.mjs"
cat > "$ESCFG" <<CFG
import n from "$WORK/node_modules/eslint-plugin-n/lib/index.js";
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

# the application code only: minified bundles over 1 MiB were moved to _large by bench/fetch.sh
APPS=$(find "$CORPUS" -mindepth 1 -maxdepth 1 -type d ! -name '_*' | sort | tr '\n' ' ')
FILES=$(find $APPS -path '*/node_modules' -prune -o -type f \( -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.jsx' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.tsx' \) ! -name '*.d.ts' -print | wc -l)

cmds=(
  "loopsafe|$LS check $APPS --no-config --format json"
  "loopsafe-parse-floor|$LS check $APPS --no-config --format json --parse-only"
  "loopsafe-1-thread|$LS check $APPS --no-config --format json --threads 1"
  "oxlint|$OX ${OXRULES[*]} --format json $APPS"
  "eslint|cd $CORPUS && $ES -c $ESCFG --no-inline-config --no-warn-ignored $APPS"
)
declare -A MED RSS
for c in "${cmds[@]}"; do
  name=${c%%|*}; cmd=${c#*|}
  runs=$RUNS; [ "$name" = eslint ] && runs=2
  # ESLint resolves files against its working directory: it runs through a shell that cd's first
  nflag=-N; [ "$name" = eslint ] && nflag=
  hyperfine $nflag -i --warmup 1 --runs "$runs" --export-json "$WORK/$name.hyperfine.json" "$cmd" >/dev/null 2>&1 || true
  MED[$name]=$(python3 -c "import json,sys;print(json.load(open('$WORK/$name.hyperfine.json'))['results'][0]['median'])")
  /usr/bin/time -v -o "$WORK/$name.time" bash -c "$cmd" >/dev/null 2>&1 || true
  RSS[$name]=$(awk '/Maximum resident/{print $6}' "$WORK/$name.time")
done

{
  echo
  echo "## $(date -u +%Y-%m-%d) — $(nproc) cores, $(uname -m); loopsafe $($LS --version | cut -d' ' -f2), oxlint $($OX --version 2>/dev/null | tr -d '\n'), eslint $($ES --version)"
  echo
  echo "Corpus: $FILES files (bench/fetch.sh bench/corpus.txt). Median of $RUNS runs (ESLint: 2, after a warm-up; JS files only, no TS parser, inline config off)."
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
  echo
  # linear at scale: the corpus replicated 1x, 4x, 8x (time per file should stay flat)
  echo "| copies | files | median wall (s) | ms per 1,000 files |"
  echo "| ---: | ---: | ---: | ---: |"
  for n in 1 4 8; do
    rep="$WORK/replicated-$n"
    if [ ! -d "$rep" ]; then
      mkdir -p "$rep"
      for i in $(seq 1 $n); do mkdir -p "$rep/copy$i" && for a in $APPS; do cp -r "$a" "$rep/copy$i/"; done; done
    fi
    hyperfine -N -i --warmup 1 --runs 3 --export-json "$WORK/rep-$n.hyperfine.json" "$LS check $rep --no-config --format json" >/dev/null 2>&1 || true
    python3 - "$WORK/rep-$n.hyperfine.json" "$n" "$FILES" <<'PY'
import json, sys
med = json.load(open(sys.argv[1]))['results'][0]['median']; n = int(sys.argv[2]); files = int(sys.argv[3]) * n
print(f"| {n} | {files} | {med:.3f} | {med * 1000 / files * 1000:.1f} |")
PY
  done
  echo
  # --cache: a second run over the unchanged corpus, then runs after editing one file (a leaf
  # route, then a module 100+ files import): what a repeated CI or pre-commit run costs
  CACHE="$WORK/cache"; rm -rf "$CACHE"
  $LS check $APPS --no-config --format json --cache "$CACHE" >/dev/null 2>&1 || true
  hyperfine -N -i --warmup 1 --runs "$RUNS" --export-json "$WORK/cache-warm.hyperfine.json" "$LS check $APPS --no-config --format json --cache $CACHE" >/dev/null 2>&1 || true
  LEAF=$(find $APPS -path '*ghost/core/server/api/endpoints/*' -name 'slugs.js' | head -1)
  HUB=$(find $APPS -path '*ghost/core/shared/config/index.js' | head -1)
  for f in "$LEAF" "$HUB"; do [ -n "$f" ] && cp "$f" "$f.bench-orig"; done
  trap 'for f in "$LEAF" "$HUB"; do [ -f "$f.bench-orig" ] && mv "$f.bench-orig" "$f"; done' EXIT
  hyperfine -i --runs "$RUNS" --prepare "echo '// edit' >> $LEAF" --export-json "$WORK/cache-leaf.hyperfine.json" "$LS check $APPS --no-config --format json --cache $CACHE" >/dev/null 2>&1 || true
  hyperfine -i --runs "$RUNS" --prepare "echo '// edit' >> $HUB" --export-json "$WORK/cache-hub.hyperfine.json" "$LS check $APPS --no-config --format json --cache $CACHE" >/dev/null 2>&1 || true
  for f in "$LEAF" "$HUB"; do [ -f "$f.bench-orig" ] && mv "$f.bench-orig" "$f"; done
  python3 - "$WORK" "${MED[loopsafe]}" <<'PY'
import json, sys
work, base = sys.argv[1], float(sys.argv[2])
def med(name):
    return json.load(open(f"{work}/{name}.hyperfine.json"))["results"][0]["median"]
for name, what in [("cache-warm", "unchanged corpus"), ("cache-leaf", "one leaf route edited"), ("cache-hub", "a module 100+ files import edited")]:
    m = med(name)
    print(f"--cache, second run, {what}: median {m * 1000:.0f} ms ({base / m:.1f}x faster than without the cache)")
PY
  # pre-commit shape: five named files inside the corpus, their imports resolved from disk
  FIVE=$(find $APPS -name '*.js' -path '*ghost/core/server/services/*' | sort | sed -n '1,5p' | tr '\n' ' ')
  hyperfine -N -i --warmup 2 --runs 10 --export-json "$WORK/five.hyperfine.json" "$LS check $FIVE --no-config --format json" >/dev/null 2>&1 || true
  python3 -c "import json;print('pre-commit shape (5 named files, imports read from disk): median %.1f ms' % (json.load(open('$WORK/five.hyperfine.json'))['results'][0]['median']*1000))"
  # editor shape, inside the server: didChange of one character → publishDiagnostics
  python3 bench/lsp_latency.py --loopsafe "$LS" --json > "$WORK/lsp.json" 2>/dev/null || true
  python3 - "$WORK/lsp.json" <<'PY' || true
import json, sys
d = json.load(open(sys.argv[1]))
r = d["reanalysis_ms"]
print(f"LSP re-analysis of a {d['lines']}-line file after a one-character edit (bench/lsp_latency.py): "
      f"median {r['median']:.1f} ms, p90 {r['p90']:.1f} ms, max {r['max']:.1f} ms "
      f"(the server adds a {d['debounce_ms']:.0f} ms quiet period before it starts)")
PY
  # editor shape: re-checking one 3,000-line file (the LSP runs the same engine on the buffer)
  BIG=$(find $APPS -name '*.js' -size +90k -size -140k | sort | sed -n '1p')
  lines=$(wc -l < "$BIG")
  hyperfine -N -i --warmup 2 --runs 10 --export-json "$WORK/one.hyperfine.json" "$LS check $BIG --no-config --format json" >/dev/null 2>&1 || true
  python3 -c "import json;print('one file of $lines lines, whole process: median %.1f ms' % (json.load(open('$WORK/one.hyperfine.json'))['results'][0]['median']*1000))"
} | tee -a bench/RESULTS.md
