'use strict';
// The packaged extension (dist/extension.js, bundled with vscode-languageclient) activated against a
// stand-in for the `vscode` module: it must find the loopsafe the workspace installed, start
// `loopsafe lsp` through the real language client, get the diagnostics of an opened document, and
// stop the server on deactivate. VS Code itself cannot run here; the stand-in implements only what
// the client touches (the rest answers with inert objects).
//
// Needs LOOPSAFE_VSCODE_WORKSPACE: a project where `npm i -D loopsafe` (or the tarballs) installed
// loopsafe (tests/vscode/run.sh makes one). Skipped without it.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const Module = require('module');
const path = require('path');
const { pathToFileURL, fileURLToPath } = require('url');

const WORKSPACE = process.env.LOOPSAFE_VSCODE_WORKSPACE;
const BUNDLE = path.join(__dirname, '..', 'dist', 'extension.js');

function inert(name, own = {}) {
  return new Proxy(function () {}, {
    get(target, prop) {
      if (prop in own) return own[prop];
      if (prop === 'then') return undefined;
      if (prop === Symbol.iterator) return function* () {};
      if (prop === Symbol.toPrimitive) return () => name;
      if (prop === 'prototype') return target.prototype;
      return inert(`${name}.${String(prop)}`);
    },
    apply: () => inert(`${name}()`),
    construct: () => inert(`new ${name}`),
  });
}

class Emitter {
  constructor() {
    this.listeners = [];
    this.event = (listener) => {
      this.listeners.push(listener);
      return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
    };
  }
  fire(e) {
    for (const l of this.listeners) l(e);
  }
  dispose() {}
}

function fakeVscode(folder, settings) {
  class Uri {
    constructor(fsPath) {
      this.fsPath = fsPath;
      this.path = fsPath;
      this.scheme = 'file';
    }
    static file(p) {
      return new Uri(p);
    }
    static parse(s) {
      if (s.startsWith('file:')) return new Uri(fileURLToPath(s));
      const u = new Uri(s);
      u.scheme = new URL(s).protocol.replace(':', '');
      u.toString = () => s;
      return u;
    }
    toString() {
      return pathToFileURL(this.fsPath).href;
    }
    with() {
      return this;
    }
  }
  class Position {
    constructor(line, character) {
      Object.assign(this, { line, character });
    }
  }
  class Range {
    constructor(a, b, c, d) {
      if (typeof a === 'number') [a, b] = [new Position(a, b), new Position(c, d)];
      Object.assign(this, { start: a, end: b });
    }
  }
  class Diagnostic {
    constructor(range, message, severity) {
      Object.assign(this, { range, message, severity });
    }
  }
  class Disposable {
    constructor(fn) {
      this.fn = fn;
    }
    dispose() {
      if (this.fn) this.fn();
    }
    static from(...items) {
      return new Disposable(() => items.forEach((d) => d && d.dispose && d.dispose()));
    }
  }
  const events = { open: new Emitter() };
  const seen = { output: [], warnings: [], diagnostics: new Map() };
  const on = () => new Emitter().event;
  const vscode = inert('vscode', {
    Uri,
    Position,
    Range,
    Diagnostic,
    Disposable,
    EventEmitter: Emitter,
    Location: class {
      constructor(uri, range) {
        Object.assign(this, { uri, range });
      }
    },
    DiagnosticRelatedInformation: class {
      constructor(location, message) {
        Object.assign(this, { location, message });
      }
    },
    DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
    CancellationTokenSource: class {
      constructor() {
        this.token = { isCancellationRequested: false, onCancellationRequested: () => new Disposable() };
      }
      cancel() {
        this.token.isCancellationRequested = true;
      }
      dispose() {}
    },
    version: '1.95.0',
    env: inert('env', { appName: 'stand-in', language: 'en', uiKind: 1 }),
    window: inert('window', {
      createOutputChannel: (name) =>
        inert('output', {
          name,
          appendLine: (l) => seen.output.push(l),
          append: (l) => seen.output.push(l),
          show() {},
          clear() {},
          replace() {},
          dispose() {},
        }),
      showWarningMessage: async (m) => seen.warnings.push(m),
      showErrorMessage: async (m) => seen.warnings.push(m),
      showInformationMessage: async () => undefined,
      visibleTextEditors: [],
    }),
    workspace: inert('workspace', {
      workspaceFolders: [{ uri: Uri.file(folder), name: 'workspace', index: 0 }],
      isTrusted: true,
      textDocuments: [],
      notebookDocuments: [],
      getConfiguration: (section) => ({
        get: (key, fallback) => (settings[`${section}.${key}`] !== undefined ? settings[`${section}.${key}`] : fallback),
        has: () => false,
        inspect: () => undefined,
        update: async () => undefined,
      }),
      getWorkspaceFolder: () => undefined,
      onDidOpenTextDocument: events.open.event,
      onDidCloseTextDocument: on(),
      onDidChangeTextDocument: on(),
      onDidSaveTextDocument: on(),
      onWillSaveTextDocument: on(),
      onDidChangeConfiguration: on(),
      onDidGrantWorkspaceTrust: on(),
      onDidChangeWorkspaceFolders: on(),
    }),
    commands: inert('commands', { registerCommand: () => new Disposable(), executeCommand: async () => undefined }),
    languages: inert('languages', {
      match: (selector, doc) => ([].concat(selector).some((s) => (s.language || s) === doc.languageId) ? 10 : 0),
      createDiagnosticCollection: (name) => ({
        name,
        set: (uri, diagnostics) => seen.diagnostics.set(String(uri), diagnostics || []),
        delete: (uri) => seen.diagnostics.delete(String(uri)),
        clear: () => seen.diagnostics.clear(),
        forEach() {},
        get: (uri) => seen.diagnostics.get(String(uri)),
        has: (uri) => seen.diagnostics.has(String(uri)),
        dispose() {},
      }),
    }),
  });
  return { vscode, events, seen, Uri };
}

function loadExtension(vscode) {
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
  };
  require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };
  delete require.cache[BUNDLE];
  try {
    return require(BUNDLE);
  } finally {
    Module._resolveFilename = resolve;
  }
}

async function until(what, predicate, ms = 20000) {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the bundle activates, starts the workspace\'s loopsafe and shows its diagnostics', { skip: !WORKSPACE && 'LOOPSAFE_VSCODE_WORKSPACE is not set', timeout: 60000 }, async () => {
  assert.ok(fs.existsSync(BUNDLE), 'run `node build.js` first');
  const { vscode, events, seen, Uri } = fakeVscode(WORKSPACE, {});
  const ext = loadExtension(vscode);
  await ext.activate({ subscriptions: [], extensionPath: path.dirname(__dirname) });
  assert.deepEqual(seen.warnings, []);
  assert.match(seen.output.join('\n'), /Starting .*node_modules\/@loopsafe\/cli-[a-z0-9-]+\/loopsafe lsp \(from @loopsafe\/cli-/);

  const file = path.join(WORKSPACE, 'src', 'opened.js');
  const text = "const fs = require('fs');\napp.get('/r', (req, res) => {\n  res.send(fs.readFileSync('x'));\n});\n";
  const uri = Uri.file(file);
  events.open.fire({ uri, fileName: file, languageId: 'javascript', version: 1, isClosed: false, getText: () => text, lineCount: 4 });
  await until('diagnostics', () => (seen.diagnostics.get(uri.toString()) || []).length > 0);
  const diagnostic = seen.diagnostics.get(uri.toString())[0];
  const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
  assert.equal(code, 'blocking-call');
  assert.equal(diagnostic.range.start.line, 2);
  await ext.deactivate();
});

test('without any loopsafe the extension says how to install it and starts nothing', { skip: !fs.existsSync(BUNDLE) && 'dist/extension.js is not built' }, async () => {
  const empty = fs.mkdtempSync(path.join(require('os').tmpdir(), 'loopsafe-vscode-empty-'));
  const saved = process.env.PATH;
  process.env.PATH = '';
  try {
    const { vscode, seen } = fakeVscode(empty, {});
    const ext = loadExtension(vscode);
    await ext.activate({ subscriptions: [] });
    assert.equal(seen.warnings.length, 1);
    assert.match(seen.warnings[0], /npm install -D loopsafe/);
    await ext.deactivate();
  } finally {
    process.env.PATH = saved;
  }
});

test('loopsafe.enable: false starts nothing', { skip: !fs.existsSync(BUNDLE) && 'dist/extension.js is not built' }, async () => {
  const { vscode, seen } = fakeVscode(WORKSPACE || __dirname, { 'loopsafe.enable': false });
  const ext = loadExtension(vscode);
  await ext.activate({ subscriptions: [] });
  assert.match(seen.output.join('\n'), /loopsafe\.enable is false/);
  assert.ok(!seen.output.some((l) => l.startsWith('Starting')));
  await ext.deactivate();
});
