#!/usr/bin/env bash
# Robustness over real code: run loopsafe on the pinned corpus of published Node backends and fail on
# a crash, an internal error, a file silently skipped, or output that is not valid JSON.
#   usage: bench/corpus_check.sh [CORPUS_DIR]     (fetches the corpus on first use; needs npm)
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${1:-${CORPUS:-bench/.work/corpus}}
bash bench/fetch.sh bench/corpus.txt "$CORPUS" >/dev/null
cargo build --release -q
out=$(mktemp)
set +e
target/release/loopsafe check "$CORPUS" --format json >"$out"
code=$?
set -e
[ "$code" -le 1 ] || { echo "FAIL: exit code $code (crash or usage error)"; exit 1; }
python3 - "$out" "$CORPUS" <<'PY'
import json, os, sys, collections
out, corpus = sys.argv[1], sys.argv[2]
v = json.load(open(out))                       # fails on invalid JSON
exts = ('.js', '.mjs', '.cjs', '.jsx', '.ts', '.mts', '.cts', '.tsx')
found = 0
for root, dirs, files in os.walk(corpus):
    dirs[:] = [d for d in dirs if d not in ('node_modules', '_tarballs') and not d.startswith('.')]
    for f in files:
        if f.endswith(exts) and not f.endswith(('.d.ts', '.d.mts', '.d.cts')) and not f.startswith('.'):
            found += 1
kinds = collections.Counter(e['message'].split(':')[0] for e in v['errors'])
internal = [e for e in v['errors'] if 'internal error' in e['message']]
print(f"files discovered {found}, files checked {v['files_checked']}, diagnostics {len(v['diagnostics'])}, "
      f"errors {len(v['errors'])} {dict(kinds)}, internal errors {len(internal)}")
by_rule = collections.Counter(d['rule'] for d in v['diagnostics'])
print("diagnostics by rule:", dict(by_rule))
ok = v['files_checked'] == found and not internal
if v['files_checked'] != found:
    print(f"FAIL: {found - v['files_checked']} files silently skipped")
for e in internal[:20]:
    print("FAIL:", e['file'], e['message'])
sys.exit(0 if ok else 1)
PY
echo "corpus check passed"
