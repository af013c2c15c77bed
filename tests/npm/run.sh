#!/usr/bin/env bash
# The npm packages as users get them:
#   1. the launcher's unit tests (node --test tests/npm/);
#   2. `bash npm/pack.sh DIR` (skipped when LOOPSAFE_NPM_DIST names tarballs already packed), then
#      `npm install -D DIR/*.tgz` in an empty project and `npx loopsafe check` / `npx loopsafe lsp`;
#   3. a local registry (verdaccio, nothing proxied) with the launcher and all seven platform
#      packages published (this machine's real one, the others stand-ins with the right binary
#      headers): `npm i -D loopsafe` must install exactly this platform's package and run; a lockfile
#      written here must list every platform; `--omit=optional` must give the launcher's explanation.
# LOOPSAFE_BIN reuses a built binary for pack.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${NPM_TEST_WORK:-$ROOT/target/npm-test}
passed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir -p "$WORK"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# 1. unit tests
node --test "$ROOT/tests/npm/" || fail "the launcher's unit tests"
ok "launcher unit tests"

# 2. tarballs
if [ -n "${LOOPSAFE_NPM_DIST:-}" ]; then
  DIST=$LOOPSAFE_NPM_DIST
else
  DIST=$WORK/dist
  rm -rf "$DIST"
  bash "$ROOT/npm/pack.sh" "$DIST"
fi
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)
HOST_ID=$(node -p 'require(process.argv[1]).candidates()[0]' "$ROOT/npm/loopsafe/lib/platform.js")
LAUNCHER_TGZ="$DIST/loopsafe-$VERSION.tgz"
HOST_TGZ="$DIST/loopsafe-cli-$HOST_ID-$VERSION.tgz"
[ -f "$LAUNCHER_TGZ" ] && [ -f "$HOST_TGZ" ] || fail "npm/pack.sh did not write $LAUNCHER_TGZ and $HOST_TGZ"
ok "npm/pack.sh wrote $(basename "$LAUNCHER_TGZ") and $(basename "$HOST_TGZ")"

# a project with a request handler that blocks, and one that does not
new_project() {
  rm -rf "$1"
  mkdir -p "$1/src"
  (cd "$1" && npm init -y >/dev/null)
  cat > "$1/src/bad.js" <<'JS'
const fs = require('fs');
app.get('/report', (req, res) => {
  res.send(fs.readFileSync('/var/reports/today.csv', 'utf8'));
});
JS
  cat > "$1/src/good.js" <<'JS'
const fs = require('fs');
app.get('/report', async (req, res) => {
  res.send(await fs.promises.readFile('/var/reports/today.csv', 'utf8'));
});
JS
}

# the checks every installed project must pass
check_project() {
  local dir=$1 what=$2 out status
  (cd "$dir" && [ "$(npx loopsafe --version)" = "loopsafe $VERSION" ]) || fail "$what: npx loopsafe --version"
  set +e
  out=$(cd "$dir" && npx loopsafe check 2>&1)
  status=$?
  set -e
  [ "$status" = 1 ] || fail "$what: npx loopsafe check exited $status, expected 1 (a finding)"$'\n'"$out"
  grep -q "blocking-call" <<<"$out" || fail "$what: no blocking-call finding"$'\n'"$out"
  (cd "$dir" && npx loopsafe check src/good.js >/dev/null) || fail "$what: the clean file is reported"
  (cd "$dir" && { npx loopsafe check --format json || [ $? = 1 ]; } | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const r = JSON.parse(s);
      if (r.files_checked !== 2 || !r.diagnostics.some((d) => d.rule === "blocking-call")) process.exit(1);
    });') || fail "$what: --format json through the launcher"
  node "$ROOT/tests/npm/lsp-smoke.js" "$dir" npx loopsafe lsp || fail "$what: npx loopsafe lsp"
}

P=$WORK/tarball-project
new_project "$P"
(cd "$P" && npm install -D --loglevel=error "$DIST"/*.tgz >/dev/null) || fail "npm install -D DIR/*.tgz"
check_project "$P" "tarballs"
ok "npm install -D DIR/*.tgz in an empty project, then npx loopsafe check, --format json and lsp"

# 3. a local registry
source "$ROOT/tests/npm/registry.sh"
start_registry "$WORK/registry"
# stand-ins for the platforms this machine cannot build: files with the right executable header
STUBS=$WORK/stubs
rm -rf "$STUBS" "$WORK/stub-dist"
stub_args=()
while read -r id; do
  [ "$id" = "$HOST_ID" ] && continue
  mkdir -p "$STUBS/$id"
  read -r os cpu < <(node -p "const p = require('$ROOT/npm/loopsafe/lib/platform.js').PLATFORMS.find((x) => x.id === '$id'); p.os + ' ' + p.cpu")
  node -e '
    const [os, cpu, file] = process.argv.slice(1);
    const b = Buffer.alloc(256);
    if (os === "linux") { b.writeUInt32BE(0x7f454c46, 0); b.writeUInt16LE(cpu === "x64" ? 62 : 183, 18); }
    if (os === "darwin") { b.writeUInt32LE(0xfeedfacf, 0); b.writeUInt32LE(cpu === "x64" ? 0x01000007 : 0x0100000c, 4); }
    if (os === "win32") { b.write("MZ", 0, "latin1"); b.writeUInt32LE(0x80, 0x3c); b.write("PE\0\0", 0x80, "latin1"); b.writeUInt16LE(0x8664, 0x84); }
    b.write("stand-in for the loopsafe registry test", 160, "latin1");
    require("fs").writeFileSync(file, b);
  ' "$os" "$cpu" "$STUBS/$id/loopsafe"
  stub_args+=(--binary "$id=$STUBS/$id/loopsafe")
done < <(node -e 'for (const p of require(process.argv[1]).PLATFORMS) console.log(p.id)' "$ROOT/npm/loopsafe/lib/platform.js")
STRIP=true bash "$ROOT/npm/pack.sh" "$WORK/stub-dist" "${stub_args[@]}" >/dev/null
publish_to_registry "$LAUNCHER_TGZ" "$HOST_TGZ"
publish_to_registry "$WORK"/stub-dist/loopsafe-cli-*.tgz
published=$(node -e 'fetch(process.argv[1]).then((r) => r.json()).then((p) => console.log(Object.keys(p.versions).join()))' "${REGISTRY}loopsafe")
[ "$published" = "$VERSION" ] || fail "the registry serves loopsafe versions '$published'"
ok "launcher and 7 platform packages published to the local registry ($REGISTRY)"

R=$WORK/registry-project
new_project "$R"
printf 'registry=%s\n' "$REGISTRY" > "$R/.npmrc"
(cd "$R" && npm i -D --loglevel=error loopsafe >/dev/null) || fail "npm i -D loopsafe from the registry"
installed=$(cd "$R/node_modules/@loopsafe" && printf '%s ' *)
[ "$installed" = "cli-$HOST_ID " ] || fail "npm installed [$installed], expected exactly cli-$HOST_ID"
# shellcheck disable=SC2016 # JavaScript
node -e '
  const lock = require(process.argv[1]);
  const platforms = require(process.argv[2]).PLATFORMS;
  for (const p of platforms) {
    const e = lock.packages[`node_modules/@loopsafe/cli-${p.id}`];
    if (!e || !e.optional || e.os[0] !== p.os || e.cpu[0] !== p.cpu) { console.error(`lockfile entry of ${p.id}: ${JSON.stringify(e)}`); process.exit(1); }
  }
  if (lock.packages[""].devDependencies.loopsafe !== "^" + process.argv[3]) process.exit(1);
' "$R/package-lock.json" "$ROOT/npm/loopsafe/lib/platform.js" "$VERSION" || fail "the lockfile does not list every platform package"
check_project "$R" "registry"
ok "npm i -D loopsafe picked cli-$HOST_ID only; the lockfile lists all 7 platforms; npx loopsafe check, json and lsp work"

C=$WORK/registry-ci
new_project "$C"
cp "$R/package.json" "$R/package-lock.json" "$R/.npmrc" "$C/"
(cd "$C" && npm ci --loglevel=error >/dev/null) || fail "npm ci from the lockfile"
(cd "$C" && [ "$(npx loopsafe --version)" = "loopsafe $VERSION" ]) || fail "npm ci: npx loopsafe --version"
ok "npm ci from that lockfile installs and runs"

O=$WORK/registry-no-optional
new_project "$O"
printf 'registry=%s\n' "$REGISTRY" > "$O/.npmrc"
(cd "$O" && npm i -D --omit=optional --loglevel=error loopsafe >/dev/null) || fail "npm i --omit=optional"
set +e
err=$(cd "$O" && npx loopsafe check 2>&1)
status=$?
set -e
[ "$status" = 2 ] || fail "without a platform package loopsafe exited $status, expected 2"$'\n'"$err"
for want in "no installed loopsafe binary fits" "--omit=optional" "Prebuilt binaries exist for" "@loopsafe/cli-win32-x64"; do
  grep -qF -- "$want" <<<"$err" || fail "the launcher's explanation lacks '$want'"$'\n'"$err"
done
ok "npm i --omit=optional: npx loopsafe check exits 2 with the list of supported platforms"

stop_registry
echo "npm: $passed passed, 0 failed"
