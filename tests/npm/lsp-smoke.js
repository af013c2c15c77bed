'use strict';
// Starts a loopsafe language server with the given command line, as an editor would, and checks one
// exchange over stdio: initialize, a document with a blocking call opened, its diagnostics
// published, shutdown and exit (the process must end with code 0).
//
//   node tests/npm/lsp-smoke.js PROJECT_DIR COMMAND [ARGS...]
//
// Used to test the npm launcher (`npx loopsafe lsp`) and the VS Code extension's server resolution.

const { spawn } = require('child_process');
const path = require('path');
const { pathToFileURL } = require('url');

const [dir, command, ...args] = process.argv.slice(2);
if (!dir || !command) {
  console.error('usage: node lsp-smoke.js PROJECT_DIR COMMAND [ARGS...]');
  process.exit(2);
}
const file = path.join(path.resolve(dir), 'src', 'lsp-smoke.js');
const text = "const fs = require('fs');\napp.get('/r', (req, res) => {\n  res.send(fs.readFileSync('x'));\n});\n";

const server = spawn(command, args, { cwd: dir, stdio: ['pipe', 'pipe', 'inherit'], shell: process.platform === 'win32' });
const timer = setTimeout(() => fail('no answer within 30 s'), 30000);

function fail(message) {
  console.error(`FAIL: lsp: ${message}`);
  server.kill();
  process.exit(1);
}

function send(message) {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }));
  server.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
  server.stdin.write(body);
}

let buffer = Buffer.alloc(0);
const waiting = [];
function onMessage(msg) {
  for (let i = 0; i < waiting.length; i++) {
    if (waiting[i].match(msg)) {
      waiting.splice(i, 1)[0].resolve(msg);
      return;
    }
  }
}
server.stdout.on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const m = /Content-Length: (\d+)/i.exec(buffer.slice(0, end).toString());
    if (!m) return fail('a message without Content-Length');
    const length = Number(m[1]);
    if (buffer.length < end + 4 + length) return;
    const body = buffer.slice(end + 4, end + 4 + length).toString();
    buffer = buffer.slice(end + 4 + length);
    onMessage(JSON.parse(body));
  }
});
function next(match) {
  return new Promise((resolve) => waiting.push({ match, resolve }));
}

(async () => {
  const uri = pathToFileURL(file).href;
  const root = pathToFileURL(path.resolve(dir)).href;
  const initialized = next((m) => m.id === 1);
  send({ id: 1, method: 'initialize', params: { processId: process.pid, rootUri: root, capabilities: {}, workspaceFolders: [{ uri: root, name: 'smoke' }] } });
  const init = await initialized;
  if (!init.result || !init.result.capabilities) fail(`initialize answered ${JSON.stringify(init)}`);
  send({ method: 'initialized', params: {} });
  const published = next((m) => m.method === 'textDocument/publishDiagnostics' && m.params.uri === uri && m.params.diagnostics.length > 0);
  send({ method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'javascript', version: 1, text } } });
  const diags = (await published).params.diagnostics;
  if (!diags.some((d) => d.code === 'blocking-call')) fail(`no blocking-call diagnostic: ${JSON.stringify(diags)}`);
  const shut = next((m) => m.id === 2);
  send({ id: 2, method: 'shutdown' });
  await shut;
  send({ method: 'exit' });
  server.stdin.end();
  server.on('exit', (code, signal) => {
    clearTimeout(timer);
    if (code !== 0) fail(`the server ended with ${signal || code}`);
    const name = init.result.serverInfo ? `${init.result.serverInfo.name} ${init.result.serverInfo.version || ''}`.trim() : 'server';
    console.log(`ok: lsp: ${name} answered initialize and published blocking-call for an open document`);
  });
})();
