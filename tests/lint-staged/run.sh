#!/usr/bin/env bash
# husky + lint-staged, as README's "husky and lint-staged" sets them up: a temporary git repository
# with loopsafe installed from npm/pack.sh's tarballs, husky and lint-staged from the npm registry
# (pinned), and lint-staged running `loopsafe check` on the staged JavaScript/TypeScript files.
# A staged blocking handler must refuse the commit with the diagnostic; a clean file must be
# committed while a bad file that is not staged is left alone.
# LOOPSAFE_NPM_DIST reuses packed tarballs; LOOPSAFE_BIN a built binary.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${LINT_STAGED_WORK:-$ROOT/target/lint-staged-test}
HUSKY=9.1.7
LINT_STAGED=16.4.0
passed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir -p "$WORK"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

if [ -n "${LOOPSAFE_NPM_DIST:-}" ]; then
  DIST=$LOOPSAFE_NPM_DIST
else
  DIST=$WORK/dist
  rm -rf "$DIST"
  bash "$ROOT/npm/pack.sh" "$DIST" >/dev/null
fi

R=$WORK/repo
rm -rf "$R" && mkdir -p "$R/src"
cd "$R"
git init -q -b main .
git config user.email test@example.com
git config user.name test
npm init -y >/dev/null
npm install -D --loglevel=error "$DIST"/*.tgz "husky@$HUSKY" "lint-staged@$LINT_STAGED" >/dev/null || fail "npm install"
# README's setup
npx husky init >/dev/null || fail "npx husky init"
echo "npx lint-staged" > .husky/pre-commit
node -e '
  const fs = require("fs");
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  pkg["lint-staged"] = { "*.{js,mjs,cjs,jsx,ts,mts,cts,tsx}": "loopsafe check" };
  fs.writeFileSync("package.json", JSON.stringify(pkg, null, 2) + "\n");
'
printf 'node_modules/\n' > .gitignore
git add -A
git commit -qm "setup" || fail "the setup commit (no JavaScript staged) was refused"
[ "$(git config core.hooksPath)" = ".husky/_" ] || fail "husky did not install its hooks"
ok "husky $HUSKY and lint-staged $LINT_STAGED set up with loopsafe from the tarballs"

cat > src/bad.js <<'JS'
const fs = require('fs');
app.get('/report', (req, res) => {
  res.send(fs.readFileSync('/var/reports/today.csv', 'utf8'));
});
JS
git add src/bad.js
if out=$(git commit -m "bad" 2>&1); then
  fail "the commit of a blocking handler was accepted"$'\n'"$out"
fi
grep -q "blocking-call" <<<"$out" || fail "no diagnostic shown"$'\n'"$out"
git log --format=%s | grep -qx bad && fail "the bad commit exists"
ok "a staged blocking handler is refused with the diagnostic"

git reset -q HEAD src/bad.js   # still on disk, not staged
cat > src/good.ts <<'TS'
import { promises as fs } from 'fs';
app.get('/report', async (req: any, res: any) => {
  res.send(await fs.readFile('/var/reports/today.csv', 'utf8'));
});
TS
git add src/good.ts
out=$(git commit -m "good" 2>&1) || fail "the commit of a clean file was refused"$'\n'"$out"
git log -1 --format=%s | grep -qx good || fail "no good commit"
[ -f src/bad.js ] || fail "lint-staged lost the unstaged file"
ok "a clean staged file is committed; the unstaged bad file is neither checked nor touched"
echo "lint-staged: $passed passed, 0 failed"
