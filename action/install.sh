#!/usr/bin/env bash
# Step "Install loopsafe" of action.yml: installs the npm package `loopsafe` (its launcher and the
# prebuilt binary of the runner's platform) into a directory of its own, not the project, and puts
# it on PATH; or, with `version: project`, uses the loopsafe the project installed. Writes the
# command to run as the step output `binary`. Exit code 2 when it cannot.
set -euo pipefail
version=${LOOPSAFE_VERSION:-}
[ -n "$version" ] || version=latest

if [ "$version" = project ]; then
  dir=$(cd "${LOOPSAFE_WORKING_DIRECTORY:-.}" && pwd)
  bin=""
  d=$dir
  while :; do
    if [ -x "$d/node_modules/.bin/loopsafe" ]; then bin="$d/node_modules/.bin/loopsafe"; break; fi
    parent=$(dirname "$d")
    [ "$parent" = "$d" ] && break
    d=$parent
  done
  if [ -z "$bin" ]; then
    echo "::error title=loopsafe::version is 'project' but there is no node_modules/.bin/loopsafe in $dir or above: install the project's dependencies (npm ci) before this step"
    exit 2
  fi
else
  dir=${LOOPSAFE_INSTALL_DIR:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/loopsafe-action}
  rm -rf "$dir"
  mkdir -p "$dir"
  echo '{"private": true}' > "$dir/package.json"
  if ! (cd "$dir" && npm install --no-audit --no-fund --no-package-lock --loglevel=error "loopsafe@$version"); then
    echo "::error title=loopsafe::could not install loopsafe@$version from the npm registry"
    exit 2
  fi
  bin="$dir/node_modules/.bin/loopsafe"
  [ -n "${GITHUB_PATH:-}" ] && echo "$dir/node_modules/.bin" >> "$GITHUB_PATH"
fi

if ! got=$("$bin" --version); then
  echo "::error title=loopsafe::$bin does not run (see above)"
  exit 2
fi
echo "Using $got ($bin)"
echo "binary=$bin" >> "${GITHUB_OUTPUT:-/dev/null}"
