# shellcheck shell=bash
# A local npm registry for the tests: verdaccio (pinned in tests/tools) on a free loopback port,
# storing packages in a temporary directory and proxying nothing, so what npm installs from it is
# exactly what the test published. Sourced by tests/npm, tests/precommit and tests/action:
#
#   source tests/npm/registry.sh
#   start_registry "$WORK/registry"        # sets REGISTRY (its URL); stopped when the shell exits
#   publish_to_registry DIR/*.tgz          # publishes tarballs as an authenticated user
#   export npm_config_registry=$REGISTRY   # then npm, npx and pre-commit's npm install from it

REGISTRY=""
REGISTRY_PID=""
REGISTRY_NPMRC=""

stop_registry() {
  if [ -n "$REGISTRY_PID" ]; then
    kill "$REGISTRY_PID" 2>/dev/null || true
    wait "$REGISTRY_PID" 2>/dev/null || true
    REGISTRY_PID=""
  fi
}

start_registry() {
  local dir=$1 root tools port i token
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  tools=$(bash "$root/tests/tools/install.sh")
  rm -rf "$dir"
  mkdir -p "$dir/storage"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat > "$dir/config.yaml" <<YAML
storage: $dir/storage
auth:
  htpasswd:
    file: $dir/htpasswd
    max_users: 10
uplinks: {}
packages:
  '**':
    access: \$all
    publish: \$authenticated
    unpublish: \$authenticated
max_body_size: 200mb
web:
  enable: false
log: { type: stdout, format: pretty, level: warn }
YAML
  "$tools/node_modules/.bin/verdaccio" --config "$dir/config.yaml" --listen "127.0.0.1:$port" \
    > "$dir/verdaccio.log" 2>&1 &
  REGISTRY_PID=$!
  trap stop_registry EXIT
  REGISTRY="http://127.0.0.1:$port/"
  for i in $(seq 1 100); do
    if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
      "${REGISTRY}-/ping" 2>/dev/null; then break; fi
    if ! kill -0 "$REGISTRY_PID" 2>/dev/null || [ "$i" = 100 ]; then
      echo "FAIL: the local registry did not start" >&2
      cat "$dir/verdaccio.log" >&2
      return 1
    fi
    sleep 0.2
  done
  # a user for publishing (verdaccio's htpasswd plugin creates it on first login)
  token=$(node -e '
    fetch(process.argv[1], { method: "PUT", headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "loopsafe-ci", password: "loopsafe-ci-password" }) })
      .then((r) => r.json()).then((j) => { if (!j.token) throw new Error(JSON.stringify(j)); console.log(j.token); })
      .catch((e) => { console.error(e.message); process.exit(1); });
  ' "${REGISTRY}-/user/org.couchdb.user:loopsafe-ci")
  REGISTRY_NPMRC="$dir/publish.npmrc"
  printf 'registry=%s\n//127.0.0.1:%s/:_authToken=%s\n' "$REGISTRY" "$port" "$token" > "$REGISTRY_NPMRC"
}

publish_to_registry() {
  local t
  for t in "$@"; do
    npm publish "$t" --userconfig "$REGISTRY_NPMRC" --registry "$REGISTRY" --loglevel=error >/dev/null ||
      { echo "FAIL: could not publish $t to the local registry" >&2; return 1; }
  done
}
