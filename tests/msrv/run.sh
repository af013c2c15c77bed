#!/usr/bin/env bash
# rust-version in Cargo.toml against what the locked dependencies declare. Only one toolchain can
# be installed here, so the declared minimum is not built with that old toolchain; instead:
#   1. `cargo metadata --locked` lists every package of Cargo.lock (all platforms, build and dev
#      dependencies) with its own `rust-version`; the workspace's must be at least the highest of
#      them, and every workspace member must declare it (rust-version.workspace = true);
#   2. clippy's incompatible_msrv lint checks loopsafe's own code: no standard library API that is
#      newer than the declared rust-version (language features are not checked by it).
# MSRV_CLIPPY=0 skips 2.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
meta=$(mktemp)
trap 'rm -f "$meta"' EXIT
cargo metadata --format-version 1 --locked --manifest-path "$ROOT/Cargo.toml" > "$meta"
declared=$(python3 - "$meta" <<'PY'
import json, sys

def key(v):
    parts = [int(x) for x in v.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))

m = json.load(open(sys.argv[1]))
members = set(m["workspace_members"])
mine = {p["name"]: p.get("rust_version") for p in m["packages"] if p["id"] in members}
missing = [n for n, v in mine.items() if not v]
if missing:
    sys.exit(f"FAIL: msrv: {', '.join(sorted(missing))} declare no rust-version (add rust-version.workspace = true)")
if len(set(mine.values())) != 1:
    sys.exit(f"FAIL: msrv: the workspace members declare different rust-versions: {mine}")
declared = next(iter(mine.values()))
deps = [(key(p["rust_version"]), p["name"], p["version"], p["rust_version"]) for p in m["packages"]
        if p["id"] not in members and p.get("rust_version")]
deps.sort(reverse=True)
need = deps[0][0]
top = [f"{n} {v} ({rv})" for k, n, v, rv in deps if k == need]
print(f"msrv: {len(deps)} locked packages declare a rust-version; the highest, {deps[0][3]}: {', '.join(top)}", file=sys.stderr)
if key(declared) < need:
    sys.exit(f"FAIL: msrv: Cargo.toml says rust-version = \"{declared}\", but {top[0]} needs {deps[0][3]}")
if key(declared) > need:
    print(f"msrv: note: rust-version {declared} is above what the dependencies need ({deps[0][3]}): loopsafe's own code must need it", file=sys.stderr)
print(declared)
PY
)
echo "ok: msrv: rust-version = \"$declared\" covers every locked dependency's declaration"
passed=1
if [ "${MSRV_CLIPPY:-1}" != 0 ]; then
  if cargo clippy --version >/dev/null 2>&1; then
    cargo clippy --quiet --workspace --all-targets --locked --manifest-path "$ROOT/Cargo.toml" -- \
      -A clippy::all -D clippy::incompatible_msrv
    echo "ok: msrv: clippy finds no standard library API newer than $declared in loopsafe's code"
    passed=2
  else
    echo "msrv: clippy is not installed; the check of loopsafe's own code is skipped"
  fi
fi
echo "msrv: $passed passed, 0 failed"
