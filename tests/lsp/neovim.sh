#!/usr/bin/env bash
# The README's Neovim setup snippets, run as they are in a headless Neovim against
# target/debug/loopsafe (on PATH as `loopsafe`). Needs Neovim 0.8+ (`NVIM` or `nvim` on PATH);
# the 0.11+ snippet is skipped on older versions. Exits 0 with a notice when no Neovim is found.
set -euo pipefail
cd "$(dirname "$0")/../.."
nvim="${NVIM_BIN:-$(command -v nvim || true)}"
if [ -z "$nvim" ] || ! "$nvim" --headless --clean -c 'lua if vim.lsp.start == nil then vim.cmd("cquit 1") end' -c 'qall!' </dev/null >/dev/null 2>&1; then
    echo "neovim check skipped: no Neovim 0.8+ found (set NVIM_BIN)"
    exit 0
fi
cargo build --quiet
export PATH="$PWD/target/debug:$PATH"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/app"
printf '%s\n' '{"name": "app"}' > "$work/app/package.json"
printf '%s' "const fs = require('fs');
app.get('/x', (req, res) => {
  res.send(fs.readFileSync('x'));
});
" > "$work/app/routes.js"
export LOOPSAFE_NVIM_FILE="$work/app/routes.js"
driver="$PWD/tests/lsp/neovim.lua"

# the ```lua blocks of README.md's "Editor (LSP)" section, in order
python3 - "$work" <<'PY'
import pathlib, re, sys
readme = pathlib.Path("README.md").read_text()
section = readme.split("## Editor (LSP)", 1)[1].split("\n## ", 1)[0]
blocks = re.findall(r"```lua\n(.*?)```", section, re.S)
assert len(blocks) == 2, blocks
for i, b in enumerate(blocks):
    pathlib.Path(sys.argv[1], f"init{i}.lua").write_text(b)
PY
for i in 0 1; do
    if [ "$i" = 0 ] && ! "$nvim" --headless --clean -c 'lua if vim.lsp.config == nil then vim.cmd("cquit 1") end' -c 'qall!' </dev/null >/dev/null 2>&1; then
        echo "README snippet $i (Neovim 0.11+) skipped: this Neovim is older"
        continue
    fi
    echo "README snippet $i:"
    (cd "$work/app" && timeout 120 "$nvim" --headless --clean -u "$work/init$i.lua" -c "luafile $driver" -c 'cquit 2' </dev/null)
done
