#!/usr/bin/env bash
# Validates `--format sarif` with Microsoft's SARIF validator (@microsoft/sarif-multitool from the
# npm registry): the demo's findings (with a suppressed one, a parse error, and a blocking call
# through a helper in another file, a codeFlow) must produce no validation error or warning.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${SARIF_WORK:-$ROOT/target/sarif-test}
mkdir -p "$WORK"
TOOL="$WORK/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [ ! -f "$TOOL" ]; then
  (cd "$WORK" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund --silent @microsoft/sarif-multitool >/dev/null)
fi
chmod u+x "$TOOL"   # npm 11 does not run the package's postinstall chmod
cargo build -q --manifest-path "$ROOT/Cargo.toml"
rm -rf "$WORK/input" && mkdir -p "$WORK/input" && cp -r "$ROOT/examples/shop-api" "$WORK/input/"
printf 'const fs = require("fs");\napp.get("/a b", (req, res) => {\n  // loopsafe-ignore-next-line blocking-call: tiny file\n  res.send(fs.readFileSync("x"));\n});\n' > "$WORK/input/suppressed file.js"
printf 'const x = (;\n' > "$WORK/input/broken.js"
cd "$WORK/input"
set +e
"$ROOT/target/debug/loopsafe" check . --format sarif > "$WORK/out.sarif"
set -e
results=$(python3 -c "import json;print(len(json.load(open('$WORK/out.sarif'))['runs'][0]['results']))")
[ "$results" -ge 8 ] || { echo "FAIL: expected the demo's findings in SARIF, got $results"; exit 1; }
# the demo's blocking call through lib/mailer.js is a code flow into that file
flows=$(python3 -c "import json;print(sum(1 for r in json.load(open('$WORK/out.sarif'))['runs'][0]['results'] if any(l['location']['physicalLocation']['artifactLocation']['uri'].endswith('lib/mailer.js') for f in r.get('codeFlows', []) for t in f['threadFlows'] for l in t['locations'])))")
[ "$flows" -ge 1 ] || { echo "FAIL: expected a codeFlow into lib/mailer.js"; exit 1; }
"$TOOL" validate "$WORK/out.sarif" --output "$WORK/validation.sarif" --log ForceOverwrite > "$WORK/validate.log" 2>&1 || true
python3 - "$WORK/validation.sarif" "$WORK/validate.log" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
problems = [r for run in v["runs"] for r in run.get("results", []) if r.get("level", "warning") in ("error", "warning")]
for p in problems:
    print("FAIL:", p.get("ruleId"), p["message"].get("text", p["message"]))
if problems:
    print(open(sys.argv[2]).read())
    sys.exit(1)
print("sarif: 1 passed, 0 failed")
PY
