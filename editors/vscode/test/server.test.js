'use strict';
// The server resolution of the extension (src/server.js), with real directories: `node --test test/`.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { resolveServer, expand } = require('../src/server.js');

const LINUX = { os: 'linux', cpu: 'x64', libc: 'glibc' };

function tmpdir() {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'loopsafe-vscode-')));
}

function touch(...parts) {
  const p = path.join(...parts);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, '');
  return p;
}

test('the loopsafe.path setting wins: absolute, relative to the first folder, ~ and ${workspaceFolder}', () => {
  const ws = tmpdir();
  const bin = touch(ws, 'tools', 'loopsafe');
  const onPath = tmpdir();
  touch(onPath, 'loopsafe');
  const env = { PATH: onPath };
  assert.deepEqual(resolveServer({ ...LINUX, setting: bin, folders: [ws], env }), { command: bin, source: 'the loopsafe.path setting' });
  assert.equal(resolveServer({ ...LINUX, setting: 'tools/loopsafe', folders: [ws], env }).command, bin);
  assert.equal(resolveServer({ ...LINUX, setting: '${workspaceFolder}/tools/loopsafe', folders: [ws], env }).command, bin);
  assert.equal(resolveServer({ ...LINUX, setting: '~/tools/loopsafe', folders: [], home: ws, env }).command, bin);
  assert.equal(expand('  ~/x ', '/w', '/home/me'), '/home/me/x');
});

test('a loopsafe.path that does not exist is an error, not a reason to run another loopsafe', () => {
  const ws = tmpdir();
  const onPath = tmpdir();
  touch(onPath, 'loopsafe');
  const r = resolveServer({ ...LINUX, setting: 'bin/missing', folders: [ws], env: { PATH: onPath } });
  assert.match(r.error, /loopsafe\.path is set to bin\/missing, but .*bin\/missing does not exist/);
});

test("the workspace's platform package comes before PATH", () => {
  const ws = tmpdir();
  const bin = touch(ws, 'node_modules', '@loopsafe', 'cli-linux-x64-gnu', 'loopsafe');
  touch(ws, 'node_modules', '.bin', 'loopsafe');
  const onPath = tmpdir();
  touch(onPath, 'loopsafe');
  const r = resolveServer({ ...LINUX, folders: [ws], env: { PATH: onPath } });
  assert.equal(r.command, bin);
  assert.match(r.source, /@loopsafe\/cli-linux-x64-gnu in /);
});

test("a monorepo's root node_modules is found from a package folder", () => {
  const root = tmpdir();
  const bin = touch(root, 'node_modules', '@loopsafe', 'cli-linux-x64-gnu', 'loopsafe');
  const pkg = path.join(root, 'services', 'api');
  fs.mkdirSync(pkg, { recursive: true });
  assert.equal(resolveServer({ ...LINUX, folders: [pkg], env: { PATH: '' } }).command, bin);
});

test('on musl only the musl package is used; on glibc it is the fallback', () => {
  const ws = tmpdir();
  touch(ws, 'node_modules', '@loopsafe', 'cli-linux-x64-gnu', 'loopsafe');
  const musl = touch(ws, 'node_modules', '@loopsafe', 'cli-linux-x64-musl', 'loopsafe');
  assert.equal(resolveServer({ os: 'linux', cpu: 'x64', libc: 'musl', folders: [ws], env: { PATH: '' } }).command, musl);
  const other = tmpdir();
  const m = touch(other, 'node_modules', '@loopsafe', 'cli-linux-x64-musl', 'loopsafe');
  assert.equal(resolveServer({ ...LINUX, folders: [other], env: { PATH: '' } }).command, m);
});

test('the npm launcher in node_modules/.bin is the next choice', () => {
  const ws = tmpdir();
  const launcher = touch(ws, 'node_modules', '.bin', 'loopsafe');
  const r = resolveServer({ ...LINUX, folders: [ws], env: { PATH: '' } });
  assert.equal(r.command, launcher);
  assert.match(r.source, /npm launcher/);
});

test('an untrusted workspace never runs its own binaries', () => {
  const ws = tmpdir();
  touch(ws, 'node_modules', '@loopsafe', 'cli-linux-x64-gnu', 'loopsafe');
  const onPath = tmpdir();
  const global = touch(onPath, 'loopsafe');
  assert.deepEqual(resolveServer({ ...LINUX, folders: [ws], trusted: false, env: { PATH: onPath } }), { command: global, source: 'PATH' });
  const none = resolveServer({ ...LINUX, folders: [ws], trusted: false, env: { PATH: '' } });
  assert.match(none.error, /not trusted/);
});

test('PATH is searched in order', () => {
  const a = tmpdir();
  const b = tmpdir();
  const first = touch(a, 'loopsafe');
  touch(b, 'loopsafe');
  assert.equal(resolveServer({ ...LINUX, folders: [], env: { PATH: `/nonexistent:${a}:${b}` } }).command, first);
});

test('Windows: loopsafe.exe from the platform package, PATHEXT on PATH', () => {
  const files = new Set([
    'C:\\ws\\node_modules\\@loopsafe\\cli-win32-x64\\loopsafe.exe',
    'C:\\Users\\me\\.cargo\\bin\\loopsafe.exe',
  ]);
  const isFile = (p) => files.has(p);
  const win = { os: 'win32', cpu: 'x64', libc: null, isFile };
  assert.equal(resolveServer({ ...win, folders: ['C:\\ws'], env: {} }).command, 'C:\\ws\\node_modules\\@loopsafe\\cli-win32-x64\\loopsafe.exe');
  const r = resolveServer({ ...win, folders: ['D:\\other'], env: { Path: 'C:\\Windows;C:\\Users\\me\\.cargo\\bin', PATHEXT: '.COM;.EXE;.CMD' } });
  assert.equal(r.command, 'C:\\Users\\me\\.cargo\\bin\\loopsafe.exe');
});

test('nothing found: the error says how to install', () => {
  const r = resolveServer({ ...LINUX, folders: [tmpdir()], env: { PATH: '' } });
  assert.match(r.error, /npm install -D loopsafe/);
  assert.match(r.error, /loopsafe\.path/);
  assert.match(r.error, /cargo install --path \. --locked/);
});
