#!/usr/bin/env bash
# End-to-end test of the pre-commit hook with the real `pre-commit` (PyPI): temporary repositories
# whose .pre-commit-config.yaml points at this repository's committed HEAD. The hook is
# `language: node`: pre-commit installs the npm package, nothing is compiled.
#   1. README's path for today: additional_dependencies replaced by the tarballs of npm/pack.sh,
#      with a registry that has no loopsafe at all;
#   2. the published path: the hook as it is, installing loopsafe@<version> from a local registry
#      (verdaccio) where the tarballs were published.
# Each must install in seconds, refuse the commit of a blocking handler with the diagnostic, and
# accept a clean file. LOOPSAFE_NPM_DIST reuses packed tarballs; LOOPSAFE_BIN a built binary.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${PRECOMMIT_WORK:-$ROOT/target/precommit-test}
PRE_COMMIT_VERSION=4.7.0
MAX_INSTALL_SECONDS=60
passed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir -p "$WORK"
if ! "$WORK/venv/bin/pre-commit" --version 2>/dev/null | grep -qF "$PRE_COMMIT_VERSION"; then
  rm -rf "$WORK/venv"
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q "pre-commit==$PRE_COMMIT_VERSION"
fi
PRE_COMMIT="$WORK/venv/bin/pre-commit"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# the hook installs loopsafe's own version
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)
pin=$(git -C "$ROOT" show HEAD:.pre-commit-hooks.yaml | sed -n "s/.*additional_dependencies: \['loopsafe@\([^']*\)'\].*/\1/p")
[ "$pin" = "$VERSION" ] || fail ".pre-commit-hooks.yaml (committed) installs loopsafe@$pin, Cargo.toml says $VERSION"
git -C "$ROOT" show HEAD:.pre-commit-hooks.yaml | grep -q '^  language: node$' || fail "the committed hook is not language: node"
ok "the committed hook is language: node and pins loopsafe@$VERSION"

if [ -n "${LOOPSAFE_NPM_DIST:-}" ]; then
  DIST=$LOOPSAFE_NPM_DIST
else
  DIST=$WORK/dist
  rm -rf "$DIST"
  bash "$ROOT/npm/pack.sh" "$DIST" >/dev/null
fi
HOST_ID=$(node -p 'require(process.argv[1]).candidates()[0]' "$ROOT/npm/loopsafe/lib/platform.js")
TARBALLS=("$DIST/loopsafe-$VERSION.tgz" "$DIST/loopsafe-cli-$HOST_ID-$VERSION.tgz")
for t in "${TARBALLS[@]}"; do [ -f "$t" ] || fail "no $t"; done

# an empty registry first: the tarball path must not need loopsafe from any registry
source "$ROOT/tests/npm/registry.sh"
start_registry "$WORK/registry"
export npm_config_registry=$REGISTRY
REV=$(git -C "$ROOT" rev-parse HEAD)

# run_case NAME EXTRA_HOOK_LINES: a repository using the hook; install, then a bad and a good commit
run_case() {
  local name=$1 extra=$2 repo="$WORK/repo-$1" out start seconds
  export PRE_COMMIT_HOME="$WORK/cache-$name"
  rm -rf "$repo" "$PRE_COMMIT_HOME"
  mkdir -p "$repo"
  cd "$repo"
  git init -q -b main .
  git config user.email test@example.com
  git config user.name test
  printf 'repos:\n  - repo: %s\n    rev: %s\n    hooks:\n      - id: loopsafe\n%s' "$ROOT" "$REV" "$extra" > .pre-commit-config.yaml
  git add .pre-commit-config.yaml
  git commit -qm "config" --no-verify
  "$PRE_COMMIT" install >/dev/null

  start=$(date +%s)
  out=$("$PRE_COMMIT" install-hooks 2>&1) || fail "$name: pre-commit install-hooks"$'\n'"$out"
  seconds=$(($(date +%s) - start))
  [ "$seconds" -le "$MAX_INSTALL_SECONDS" ] || fail "$name: installing the hook took ${seconds}s"
  if grep -qi "mutable reference\|warning" <<<"$out"; then fail "$name: pre-commit warned"$'\n'"$out"; fi
  ls -d "$PRE_COMMIT_HOME"/repo*/node_env-* >/dev/null 2>&1 || fail "$name: no node environment was installed"
  if ls -d "$PRE_COMMIT_HOME"/repo*/rustenv-* >/dev/null 2>&1; then fail "$name: a Rust environment was built"; fi
  ok "$name: pre-commit installed the hook's node environment in ${seconds}s (no compilation)"

  mkdir -p src
  cat > src/bad.js <<'JS'
const fs = require('fs');
app.get('/report', (req, res) => {
  res.send(fs.readFileSync('/var/reports/today.csv', 'utf8'));
});
JS
  git add src/bad.js
  if out=$(git commit -m "bad" 2>&1); then
    fail "$name: the commit of a blocking handler was accepted"$'\n'"$out"
  fi
  grep -q "blocking-call" <<<"$out" || fail "$name: no diagnostic shown"$'\n'"$out"
  git reset -q HEAD src/bad.js && rm src/bad.js
  cat > src/good.js <<'JS'
const fs = require('fs');
app.get('/report', async (req, res) => {
  res.send(await fs.promises.readFile('/var/reports/today.csv', 'utf8'));
});
JS
  git add src/good.js
  out=$(git commit -qm "good" 2>&1) || fail "$name: the commit of a clean file was refused"$'\n'"$out"
  ok "$name: a blocking handler is refused with the diagnostic, a clean file is committed"
  cd "$ROOT"
}

run_case tarballs "        additional_dependencies: [${TARBALLS[0]}, ${TARBALLS[1]}]
"

publish_to_registry "${TARBALLS[@]}"
run_case registry ""

stop_registry
echo "pre-commit: $passed passed, 0 failed"
