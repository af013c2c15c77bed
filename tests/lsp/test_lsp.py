"""`loopsafe lsp` driven by a real LSP client (pytest-lsp), once with VS Code's and once with
Neovim's client capabilities: open a file that was never saved, edit it, read the diagnostics,
ask for code actions, close it. Run with tests/lsp/run.sh."""

import asyncio
import json
import os
import pathlib
import subprocess

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVER = os.environ.get("LOOPSAFE_BIN", str(ROOT / "target" / "debug" / "loopsafe"))
TIMEOUT = 30

BAD = """const fs = require('fs');
app.get('/x', (req, res) => {
  res.send(fs.readFileSync('x'));
});
"""


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[SERVER, "lsp"]),
    params=["visual-studio-code", "neovim"],
)
async def client(lsp_client: LanguageClient, request, tmp_path_factory):
    root = tmp_path_factory.mktemp("workspace")
    lsp_client.workspace_root = root
    lsp_client.registrations = []

    # pytest-lsp's client has no handler for this request (real clients do): the server asks to be
    # told when a loopsafe.json changes
    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams):
        lsp_client.registrations.extend(params.registrations)

    params = types.InitializeParams(
        capabilities=client_capabilities(request.param),
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="workspace")],
    )
    result = await lsp_client.initialize_session(params)
    assert result.server_info.name == "loopsafe"
    sync = result.capabilities.text_document_sync
    assert sync.change == types.TextDocumentSyncKind.Incremental
    yield
    await lsp_client.shutdown_session()


async def diagnostics(client: LanguageClient, uri: str, version: int):
    """The diagnostics published for `uri` at `version` (waiting for them)."""

    async def wait():
        while True:
            params = await client.wait_for_notification("textDocument/publishDiagnostics")
            if params.uri == uri and params.version == version:
                return list(params.diagnostics)

    return await asyncio.wait_for(wait(), TIMEOUT)


def open_doc(client: LanguageClient, uri: str, text: str):
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="javascript", version=1, text=text)
        )
    )


def change(client: LanguageClient, uri: str, version: int, *changes):
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=list(changes),
        )
    )


def rng(a, b):
    return types.Range(start=types.Position(line=a[0], character=a[1]), end=types.Position(line=b[0], character=b[1]))


def offset(text: str, pos: types.Position) -> int:
    """Byte-free offset of an LSP position (UTF-16 units equal code points in these tests)."""
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[: pos.line]) + pos.character


def edits_for(action: types.CodeAction, uri: str):
    edit = action.edit
    if edit.document_changes:
        return [e for dc in edit.document_changes if dc.text_document.uri == uri for e in dc.edits]
    return edit.changes[uri]


def apply(text: str, edits) -> str:
    for e in sorted(edits, key=lambda e: offset(text, e.range.start), reverse=True):
        text = text[: offset(text, e.range.start)] + e.new_text + text[offset(text, e.range.end) :]
    return text


async def code_actions(client: LanguageClient, uri: str, line: int, diags):
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=rng((line, 0), (line, 0)),
            context=types.CodeActionContext(diagnostics=diags),
        )
    )
    return result or []


async def test_diagnostics_follow_edits_and_suppression_action(client: LanguageClient):
    uri = (client.workspace_root / "routes.js").as_uri()  # never written to disk
    open_doc(client, uri, BAD)
    diags = await diagnostics(client, uri, 1)
    if client.capabilities.workspace.did_change_watched_files.dynamic_registration:
        # asked right after `initialized`, answered long before the first check is published
        assert [r.method for r in client.registrations] == ["workspace/didChangeWatchedFiles"]
    assert len(diags) == 1
    d = diags[0]
    assert d.code == "blocking-call"
    assert d.source == "loopsafe"
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.range == rng((2, 11), (2, 26))
    assert "`fs.readFileSync`" in d.message and "help:" in d.message
    assert d.code_description.href.endswith("/docs/rules/blocking-call.md")

    # an unsaved incremental edit: two lines typed above move the finding down
    change(client, uri, 2, types.TextDocumentContentChangePartial(range=rng((1, 0), (1, 0)), text="// routes\n\n"))
    text = BAD.replace("app.get", "// routes\n\napp.get")
    diags = await diagnostics(client, uri, 2)
    assert [x.range.start.line for x in diags] == [4]

    # the suppression action writes the comment above, indented like the line
    actions = await code_actions(client, uri, 4, diags)
    titles = [a.title for a in actions]
    assert titles == ["Suppress blocking-call on this line (loopsafe-ignore-next-line)"], titles
    assert actions[0].kind == types.CodeActionKind.QuickFix
    suppressed = apply(text, edits_for(actions[0], uri))
    comment = "// loopsafe-ignore-next-line blocking-call: <why this finding does not apply here>"
    assert f"\n  {comment}\n  res.send(fs.readFileSync('x'));" in suppressed

    # the inserted reason is a placeholder: the check says so, as an error, until it is replaced
    change(client, uri, 3, types.TextDocumentContentChangeWholeDocument(text=suppressed))
    diags = await diagnostics(client, uri, 3)
    assert [(x.code, x.severity) for x in diags] == [("suppression-comment", types.DiagnosticSeverity.Error)]
    assert "placeholder" in diags[0].message

    # an edit that removes the blocking call clears the finding
    change(client, uri, 4, types.TextDocumentContentChangeWholeDocument(text=text.replace("fs.readFileSync('x')", "'ok'")))
    assert await diagnostics(client, uri, 4) == []

    # closing the document clears what was published for it
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    await asyncio.wait_for(client.wait_for_notification("textDocument/publishDiagnostics"), TIMEOUT)
    assert list(client.diagnostics[uri]) == []


SEQUENTIAL = """const db = require('./db');
app.get('/dashboard/:id', async (req, res) => {
  const user = await db.getUser(req.params.id);
  const orders = await db.getOrders(req.params.id);
  res.json({ user, orders });
});
"""


def fixable_rules():
    out = subprocess.run([SERVER, "rules", "--format", "json"], capture_output=True, text=True, check=True)
    return {r["id"] for r in json.loads(out.stdout) if r["fixable"]}


async def test_fix_action_applies_the_suggested_fix(client: LanguageClient):
    if "sequential-await" not in fixable_rules():
        pytest.skip("no rule with suggested fixes in this build (sequential-await brings Promise.all)")
    uri = (client.workspace_root / "dashboard.js").as_uri()
    open_doc(client, uri, SEQUENTIAL)
    diags = [d for d in await diagnostics(client, uri, 1) if d.code == "sequential-await"]
    assert diags, "sequential-await reports the two independent awaits"
    actions = await code_actions(client, uri, diags[0].range.start.line, diags)
    fixes = [a for a in actions if "Promise.all" in a.title]
    assert fixes, [a.title for a in actions]
    assert fixes[0].is_preferred
    fixed = apply(SEQUENTIAL, edits_for(fixes[0], uri))
    assert "await Promise.all([" in fixed, fixed
    change(client, uri, 2, types.TextDocumentContentChangeWholeDocument(text=fixed))
    assert [d for d in await diagnostics(client, uri, 2) if d.code == "sequential-await"] == []


HELPER = """const fs = require('fs');
function render(name) {
  return fs.readFileSync(name, 'utf8');
}
module.exports = { render };
"""


async def test_a_chain_into_another_file_is_related_information_there(client: LanguageClient):
    # the helper is on disk, the route only in the editor: the blocking call is reported at the
    # route, and the step in the helper is a location the editor can jump to
    helper = client.workspace_root / "mail.js"
    helper.write_text(HELPER)
    uri = (client.workspace_root / "routes.js").as_uri()
    open_doc(client, uri, "const { render } = require('./mail');\napp.get('/m', (req, res) => res.send(render(req.query.t)));\n")
    diags = await diagnostics(client, uri, 1)
    assert [d.code for d in diags] == ["blocking-call"]
    related = diags[0].related_information
    assert related, diags[0]
    assert [(r.location.uri, r.location.range, r.message) for r in related] == [
        (helper.as_uri(), rng((2, 9), (2, 24)), "`fs.readFileSync` blocks here")
    ]
