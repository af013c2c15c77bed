#!/usr/bin/env bash
# End-to-end test of `loopsafe lsp` with real LSP clients: headless Neovim running README's setup
# snippets (tests/lsp/neovim.sh; skipped without Neovim 0.8+, set NVIM_BIN), then pytest-lsp
# (pygls/lsprotocol) with VS Code's and Neovim's client capabilities. Builds the debug binary,
# installs pytest-lsp into a virtualenv (target/lsp-venv, reused) and runs tests/lsp against
# target/debug/loopsafe. Set LOOPSAFE_BIN to test another binary with pytest-lsp.
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --quiet
bash tests/lsp/neovim.sh
venv=target/lsp-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pytest_lsp" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/lsp/requirements.txt
fi
export LOOPSAFE_BIN="${LOOPSAFE_BIN:-$PWD/target/debug/loopsafe}"
exec "$venv/bin/python" -m pytest -c tests/lsp/pytest.ini tests/lsp "$@"
