#!/usr/bin/env bash
# End-to-end test of the pre-commit hook with the real `pre-commit` (PyPI): a temporary repository
# whose .pre-commit-config.yaml points at this repository's committed HEAD. A staged bad file must
# refuse the commit and show the diagnostic; a good file must be accepted.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${PRECOMMIT_WORK:-$ROOT/target/precommit-test}
rm -rf "$WORK/repo"
mkdir -p "$WORK"
if [ ! -x "$WORK/venv/bin/pre-commit" ]; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q pre-commit
fi
REV=$(git -C "$ROOT" rev-parse HEAD)
export PRE_COMMIT_HOME="$WORK/cache"
mkdir -p "$WORK/repo" && cd "$WORK/repo"
git init -q -b main .
git config user.email test@example.com
git config user.name test
cat > .pre-commit-config.yaml <<CFG
repos:
  - repo: $ROOT
    rev: $REV
    hooks:
      - id: loopsafe
CFG
git add .pre-commit-config.yaml
git commit -qm "config" --no-verify
"$WORK/venv/bin/pre-commit" install >/dev/null

mkdir -p src
cat > src/bad.js <<'JS'
const fs = require('fs');
app.get('/report', (req, res) => {
  res.send(fs.readFileSync('/var/reports/today.csv', 'utf8'));
});
JS
git add src/bad.js
if out=$(git commit -m "bad" 2>&1); then
  echo "FAIL: the commit of a blocking handler was accepted"; echo "$out"; exit 1
fi
echo "$out" | grep -q "blocking-call" || { echo "FAIL: no diagnostic shown"; echo "$out"; exit 1; }
echo "ok: bad file refused with the diagnostic"
git reset -q HEAD src/bad.js && rm src/bad.js

cat > src/good.js <<'JS'
const fs = require('fs');
app.get('/report', async (req, res) => {
  res.send(await fs.promises.readFile('/var/reports/today.csv', 'utf8'));
});
JS
git add src/good.js
git commit -qm "good" || { echo "FAIL: the commit of a clean file was refused"; exit 1; }
echo "ok: good file accepted"
echo "pre-commit: 2 passed, 0 failed"
