#!/usr/bin/env bash
# The VS Code extension (editors/vscode):
#   1. its dependencies from its lockfile (npm ci: vscode-languageclient, esbuild, @vscode/vsce);
#   2. the bundle (esbuild) and its tests with node's test runner: the server resolution
#      (setting, the workspace's node_modules, PATH, untrusted workspaces, Windows names) and the
#      bundled extension activated against a stand-in `vscode` module, starting the loopsafe that a
#      project installed from npm/pack.sh's tarballs and receiving its diagnostics;
#   3. the .vsix, packaged with @vscode/vsce, holding exactly the bundle, package.json, README and
#      LICENSE at loopsafe's version; copied to target/vscode-test/.
# LOOPSAFE_NPM_DIST reuses packed tarballs; LOOPSAFE_BIN a built binary.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EXT=$ROOT/editors/vscode
WORK=${VSCODE_WORK:-$ROOT/target/vscode-test}
passed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir -p "$WORK"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)

# 1. dependencies
if [ ! -d "$EXT/node_modules" ] || ! cmp -s "$EXT/package-lock.json" "$EXT/node_modules/.package-lock-ci"; then
  (cd "$EXT" && npm ci --loglevel=error >/dev/null) || fail "npm ci in editors/vscode"
  cp "$EXT/package-lock.json" "$EXT/node_modules/.package-lock-ci"
fi
ext_version=$(node -p 'require(process.argv[1]).version' "$EXT/package.json")
[ "$ext_version" = "$VERSION" ] || fail "editors/vscode/package.json is $ext_version, Cargo.toml says $VERSION"
ok "editors/vscode dependencies installed from its lockfile; version $VERSION"

# 2. bundle and tests, with a workspace that installed loopsafe from the tarballs
if [ -n "${LOOPSAFE_NPM_DIST:-}" ]; then
  DIST=$LOOPSAFE_NPM_DIST
else
  DIST=$WORK/dist
  rm -rf "$DIST"
  bash "$ROOT/npm/pack.sh" "$DIST" >/dev/null
fi
WS=$WORK/workspace
rm -rf "$WS" && mkdir -p "$WS/src"
(cd "$WS" && npm init -y >/dev/null && npm install -D --loglevel=error "$DIST"/*.tgz >/dev/null) || fail "installing the tarballs into the workspace"
(cd "$EXT" && node build.js) || fail "esbuild bundle"
out=$(cd "$EXT" && LOOPSAFE_VSCODE_WORKSPACE=$WS node --test test/ 2>&1) || { echo "$out"; fail "the extension's tests"; }
echo "$out" | grep -E '^# (tests|pass|fail|skipped)'
grep -q '^# skipped 0$' <<<"$out" || { echo "$out"; fail "a test of the extension was skipped"; }
ok "server resolution and the bundled extension started against the workspace's loopsafe (node --test)"

# 3. the .vsix
rm -f "$EXT/dist/loopsafe.vsix"
(cd "$EXT" && npm run --silent package >/dev/null) || fail "npm run package (vsce package)"
python3 - "$EXT/dist/loopsafe.vsix" "$VERSION" <<'PY' || fail "the .vsix"
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = sorted(n for n in z.namelist() if n.startswith("extension/"))
want = ["extension/LICENSE.txt", "extension/dist/extension.js", "extension/package.json", "extension/readme.md"]
if names != want:
    sys.exit(f"the .vsix holds {names}, expected {want}")
manifest = json.loads(z.read("extension/package.json"))
if manifest["version"] != sys.argv[2] or manifest["main"] != "./dist/extension.js":
    sys.exit(f"package.json in the .vsix: version {manifest['version']}, main {manifest['main']}")
if f'Version="{sys.argv[2]}"' not in z.read("extension.vsixmanifest").decode():
    sys.exit("extension.vsixmanifest has another version")
PY
cp "$EXT/dist/loopsafe.vsix" "$WORK/loopsafe-$VERSION.vsix"
ok "vsce packaged target/vscode-test/loopsafe-$VERSION.vsix ($(wc -c < "$WORK/loopsafe-$VERSION.vsix") bytes): bundle, package.json, README, LICENSE"
echo "vscode: $passed passed, 0 failed"
