#!/usr/bin/env bash
# Builds loopsafe and writes its installable npm tarballs into DIR:
#
#   bash npm/pack.sh DIR                        the launcher + this machine's platform package
#   bash npm/pack.sh DIR --target TRIPLE ...    also (or instead) cross-build for a Rust target;
#                                               its standard library and linker must be installed
#   bash npm/pack.sh DIR --binary ID=PATH ...   package binaries built elsewhere (a release matrix)
#
# Then `npm install DIR/*.tgz` (in a project, or -g) installs loopsafe without a registry.
# LOOPSAFE_BIN=/path/to/loopsafe reuses a host binary that is already built (CI builds once).
# Platform ids and their targets: npm/loopsafe/lib/platform.js.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
[ $# -ge 1 ] || usage
case "$1" in -*) usage ;; esac
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
shift

command -v node >/dev/null || { echo "npm/pack.sh: node is required" >&2; exit 2; }
command -v npm >/dev/null || { echo "npm/pack.sh: npm is required" >&2; exit 2; }

targets=()
binaries=()
while [ $# -gt 0 ]; do
  case "$1" in
    --target) [ $# -ge 2 ] || usage; targets+=("$2"); shift 2 ;;
    --binary) [ $# -ge 2 ] || usage; binaries+=("$2"); shift 2 ;;
    *) usage ;;
  esac
done

# platform id of a Rust target triple, from the table the launcher uses
platform_of_target() {
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const p = require(process.argv[1]).PLATFORMS.find((x) => x.target === process.argv[2]);
    if (!p) { console.error(`npm/pack.sh: no npm platform for the Rust target ${process.argv[2]}`); process.exit(2); }
    console.log(p.id + " " + (p.os === "win32" ? "loopsafe.exe" : "loopsafe"));
  ' "$ROOT/npm/loopsafe/lib/platform.js" "$1"
}

host_id=""
if [ ${#targets[@]} -eq 0 ] && [ ${#binaries[@]} -eq 0 ]; then
  host_id=$(node -e 'const c = require(process.argv[1]).candidates(); if (!c.length) process.exit(1); console.log(c[0])' \
    "$ROOT/npm/loopsafe/lib/platform.js") || { echo "npm/pack.sh: this machine has no npm platform package" >&2; exit 2; }
  if [ -n "${LOOPSAFE_BIN:-}" ]; then
    bin=$LOOPSAFE_BIN
  else
    cargo build --release --locked --manifest-path "$ROOT/Cargo.toml" --bin loopsafe
    bin="$ROOT/target/release/loopsafe"
    [ -f "$bin" ] || bin="$bin.exe"
  fi
  binaries+=("$host_id=$bin")
fi
for t in "${targets[@]}"; do
  read -r id exe < <(platform_of_target "$t")
  cargo build --release --locked --manifest-path "$ROOT/Cargo.toml" --bin loopsafe --target "$t"
  binaries+=("$id=$ROOT/target/$t/release/$exe")
done

# the packaged copy of a Linux binary keeps its symbols (readable backtraces) but not the line
# tables of the release profile (43 MB -> 8.5 MB)
stage="$ROOT/target/npm-stage"
rm -rf "$stage.bin"
strip_tool=${STRIP:-$(command -v llvm-strip || command -v strip || true)}
args=(--out "$stage")
for b in "${binaries[@]}"; do
  id=${b%%=*} src=${b#*=}
  [ -f "$src" ] || { echo "npm/pack.sh: no binary at $src" >&2; exit 2; }
  mkdir -p "$stage.bin/$id"
  copy="$stage.bin/$id/$(basename "$src")"
  cp "$src" "$copy"
  if [ "$(head -c 4 "$copy" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; then
    if [ -n "$strip_tool" ]; then
      "$strip_tool" --strip-debug "$copy" 2>/dev/null ||
        echo "npm/pack.sh: warning: $strip_tool could not strip $src; $id is packaged as it is" >&2
    else
      echo "npm/pack.sh: warning: no strip or llvm-strip; $id is packaged with its debug line tables" >&2
    fi
  fi
  args+=(--binary "$id=$copy")
done
node "$ROOT/npm/stage.js" "${args[@]}" >/dev/null

# the host binary must be the version being packaged (a stale LOOPSAFE_BIN is caught here)
if [ -n "$host_id" ]; then
  want=$(node -p 'require(process.argv[1]).version' "$stage/loopsafe/package.json")
  got=$("$stage/cli-$host_id/loopsafe" --version)
  [ "$got" = "loopsafe $want" ] || { echo "npm/pack.sh: the binary says \`$got\`, the packages are $want" >&2; exit 1; }
fi

for dir in "$stage"/*/; do
  (cd "$dir" && npm pack --silent --pack-destination "$OUT" >/dev/null)
done
ls -1 "$OUT"/*.tgz
