'use strict';
// The VS Code extension: a thin client that starts `loopsafe lsp` (found by ./server.js) and shows
// its findings and quick fixes. Everything else (which files, which rules, loopsafe.json) is the
// server's; it watches loopsafe.json itself.

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');
const { resolveServer } = require('./server.js');

const LANGUAGES = ['javascript', 'javascriptreact', 'typescript', 'typescriptreact'];
let client = null;
let output = null;

function fileFolders() {
  return (vscode.workspace.workspaceFolders || []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

async function start() {
  const config = vscode.workspace.getConfiguration('loopsafe');
  if (!config.get('enable', true)) {
    output.appendLine('loopsafe.enable is false: the language server is not started.');
    return;
  }
  const folders = fileFolders();
  const found = resolveServer({ setting: config.get('path', ''), folders, trusted: vscode.workspace.isTrusted });
  if (found.error) {
    output.appendLine(found.error);
    const choice = await vscode.window.showWarningMessage(found.error, 'Open Settings');
    if (choice) vscode.commands.executeCommand('workbench.action.openSettings', 'loopsafe.path');
    return;
  }
  output.appendLine(`Starting ${found.command} lsp (from ${found.source})`);
  // no `transport`: with TransportKind.stdio the client appends `--stdio`, which `loopsafe lsp` does
  // not take; without it the client speaks over the process's stdio all the same
  const run = { command: found.command, args: ['lsp'], options: { cwd: folders[0] } };
  client = new LanguageClient(
    'loopsafe',
    'loopsafe',
    { run, debug: run },
    {
      documentSelector: LANGUAGES.map((language) => ({ scheme: 'file', language })),
      outputChannel: output,
    },
  );
  try {
    await client.start();
  } catch (err) {
    output.appendLine(`The language server did not start: ${err && err.message ? err.message : err}`);
    client = null;
  }
}

async function stop() {
  if (!client) return;
  const c = client;
  client = null;
  try {
    await c.stop();
  } catch (_) {
    // already stopped
  }
}

async function restart() {
  await stop();
  await start();
}

function activate(context) {
  output = vscode.window.createOutputChannel('loopsafe');
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('loopsafe.restart', restart),
    vscode.commands.registerCommand('loopsafe.showOutput', () => output.show()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('loopsafe.enable') || e.affectsConfiguration('loopsafe.path')) return restart();
      return undefined;
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(restart),
    vscode.workspace.onDidChangeWorkspaceFolders(restart),
  );
  return start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
