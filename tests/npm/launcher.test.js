'use strict';
// Unit tests of the npm launcher (npm/loopsafe) and the packaging script's checks (npm/stage.js),
// with node's built-in test runner: `node --test tests/npm/`. No network, no build needed.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..', '..');
const platform = require(path.join(ROOT, 'npm/loopsafe/lib/platform.js'));
const stage = require(path.join(ROOT, 'npm/stage.js'));
const LAUNCHER = path.join(ROOT, 'npm/loopsafe/bin/loopsafe.js');
const POSIX = process.platform !== 'win32';

function tmpdir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'loopsafe-launcher-'));
}

// a project whose node_modules holds the given platform packages: { id: version }
function project(packages, extra = {}) {
  const dir = tmpdir();
  const launcherDir = path.join(dir, 'node_modules', 'loopsafe', 'bin');
  fs.mkdirSync(launcherDir, { recursive: true });
  for (const [id, version] of Object.entries(packages)) {
    const pkg = path.join(dir, 'node_modules', '@loopsafe', `cli-${id}`);
    fs.mkdirSync(pkg, { recursive: true });
    const manifest = { name: platform.packageName(id), version, ...(extra[id] || {}) };
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify(manifest));
    const p = platform.PLATFORMS.find((x) => x.id === id);
    fs.writeFileSync(path.join(pkg, platform.binaryName(p.os)), '');
  }
  return { dir, from: launcherDir };
}

test('each platform maps to the packages that run there, best first', () => {
  assert.deepEqual(platform.candidates('linux', 'x64', 'glibc'), ['linux-x64-gnu', 'linux-x64-musl']);
  assert.deepEqual(platform.candidates('linux', 'x64', 'musl'), ['linux-x64-musl']);
  assert.deepEqual(platform.candidates('linux', 'arm64', 'glibc'), ['linux-arm64-gnu', 'linux-arm64-musl']);
  assert.deepEqual(platform.candidates('linux', 'arm64', 'musl'), ['linux-arm64-musl']);
  assert.deepEqual(platform.candidates('darwin', 'arm64', null), ['darwin-arm64']);
  assert.deepEqual(platform.candidates('darwin', 'x64', null), ['darwin-x64']);
  assert.deepEqual(platform.candidates('win32', 'x64', null), ['win32-x64']);
  assert.deepEqual(platform.candidates('freebsd', 'x64', null), []);
  assert.deepEqual(platform.candidates('linux', 'ia32', 'glibc'), []);
});

test('every platform has a package name, npm os/cpu values and a Rust target', () => {
  const ids = new Set();
  for (const p of platform.PLATFORMS) {
    assert.ok(!ids.has(p.id), `duplicate ${p.id}`);
    ids.add(p.id);
    assert.match(platform.packageName(p.id), /^@loopsafe\/cli-[a-z0-9-]+$/);
    assert.ok(['linux', 'darwin', 'win32'].includes(p.os));
    assert.ok(['x64', 'arm64'].includes(p.cpu));
    assert.equal(p.os === 'linux', Boolean(p.libc), `${p.id}: libc only on Linux`);
    assert.match(p.target, /^(x86_64|aarch64)-/);
    assert.equal(p.target.startsWith('x86_64'), p.cpu === 'x64');
  }
  for (const need of ['linux-x64-gnu', 'linux-x64-musl', 'linux-arm64-gnu', 'darwin-x64', 'darwin-arm64', 'win32-x64']) {
    assert.ok(ids.has(need), `${need} is laid out`);
  }
});

test('this machine is detected', () => {
  if (process.platform === 'linux') assert.ok(['glibc', 'musl'].includes(platform.detectLibc()));
  else assert.equal(platform.detectLibc(), null);
});

test('the installed platform package is found from the launcher', () => {
  const { dir, from } = project({ 'linux-x64-gnu': '1.2.3' });
  const r = platform.resolveBinary({ env: {}, os: 'linux', cpu: 'x64', libc: 'glibc', glibc: '2.36', from, version: '1.2.3' });
  assert.equal(r.error, undefined);
  assert.equal(r.source, '@loopsafe/cli-linux-x64-gnu');
  assert.equal(fs.realpathSync(r.binary), fs.realpathSync(path.join(dir, 'node_modules/@loopsafe/cli-linux-x64-gnu/loopsafe')));
});

test('a global install finds its sibling platform package', () => {
  // npm -g puts both under PREFIX/lib/node_modules, side by side
  const dir = tmpdir();
  const lib = path.join(dir, 'lib', 'node_modules');
  fs.mkdirSync(path.join(lib, 'loopsafe', 'bin'), { recursive: true });
  fs.mkdirSync(path.join(lib, '@loopsafe', 'cli-darwin-arm64'), { recursive: true });
  fs.writeFileSync(path.join(lib, '@loopsafe', 'cli-darwin-arm64', 'package.json'), '{"version":"1.0.0"}');
  fs.writeFileSync(path.join(lib, '@loopsafe', 'cli-darwin-arm64', 'loopsafe'), '');
  const r = platform.resolveBinary({ env: {}, os: 'darwin', cpu: 'arm64', from: path.join(lib, 'loopsafe', 'bin'), version: '1.0.0' });
  assert.equal(r.source, '@loopsafe/cli-darwin-arm64');
});

test('Windows runs loopsafe.exe', () => {
  const { from } = project({ 'win32-x64': '1.0.0' });
  const r = platform.resolveBinary({ env: {}, os: 'win32', cpu: 'x64', from, version: '1.0.0' });
  assert.equal(path.basename(r.binary), 'loopsafe.exe');
});

test('on glibc the musl build is the fallback; on musl the gnu build is never used', () => {
  const { from } = project({ 'linux-x64-musl': '1.0.0' });
  const r = platform.resolveBinary({ env: {}, os: 'linux', cpu: 'x64', libc: 'glibc', glibc: '2.36', from, version: '1.0.0' });
  assert.equal(r.source, '@loopsafe/cli-linux-x64-musl');

  const gnuOnly = project({ 'linux-x64-gnu': '1.0.0' });
  const m = platform.resolveBinary({ env: {}, os: 'linux', cpu: 'x64', libc: 'musl', from: gnuOnly.from, version: '1.0.0' });
  assert.match(m.error, /no installed loopsafe binary fits linux-x64 \(musl\)/);
  assert.match(m.error, /@loopsafe\/cli-linux-x64-musl/);
});

test('a gnu build that needs a newer glibc than the system has is skipped, and said why', () => {
  const extra = { 'linux-x64-gnu': { loopsafe: { glibc: '2.39' } } };
  const old = project({ 'linux-x64-gnu': '1.0.0' }, extra);
  const r = platform.resolveBinary({ env: {}, os: 'linux', cpu: 'x64', libc: 'glibc', glibc: '2.31', from: old.from, version: '1.0.0' });
  assert.match(r.error, /needs glibc 2\.39 or later; this system has glibc 2\.31/);

  const both = project({ 'linux-x64-gnu': '1.0.0', 'linux-x64-musl': '1.0.0' }, extra);
  const f = platform.resolveBinary({ env: {}, os: 'linux', cpu: 'x64', libc: 'glibc', glibc: '2.31', from: both.from, version: '1.0.0' });
  assert.equal(f.source, '@loopsafe/cli-linux-x64-musl');

  const ok = platform.resolveBinary({ env: {}, os: 'linux', cpu: 'x64', libc: 'glibc', glibc: '2.39', from: old.from, version: '1.0.0' });
  assert.equal(ok.source, '@loopsafe/cli-linux-x64-gnu');
});

test('a platform package of another version is refused', () => {
  const { from } = project({ 'linux-x64-gnu': '0.9.0' });
  const r = platform.resolveBinary({ env: {}, os: 'linux', cpu: 'x64', libc: 'glibc', from, version: '1.0.0' });
  assert.match(r.error, /@loopsafe\/cli-linux-x64-gnu 0\.9\.0 is installed, but the loopsafe launcher is 1\.0\.0/);
});

test('no platform package installed: the error says why and lists every supported platform', () => {
  const { from } = project({});
  const r = platform.resolveBinary({ env: {}, os: 'linux', cpu: 'x64', libc: 'glibc', from, version: '1.0.0' });
  assert.match(r.error, /no installed loopsafe binary fits linux-x64 \(glibc\)/);
  assert.match(r.error, /--omit=optional/);
  assert.match(r.error, /npm install -D loopsafe/);
  for (const p of platform.PLATFORMS) assert.ok(r.error.includes(platform.packageName(p.id)), p.id);
});

test('an unsupported platform is named, with the supported ones and the way out', () => {
  const r = platform.resolveBinary({ env: {}, os: 'freebsd', cpu: 'x64', libc: null, from: tmpdir() });
  assert.match(r.error, /there is no prebuilt loopsafe binary for freebsd-x64/);
  assert.match(r.error, /cargo install --path \. --locked/);
  assert.match(r.error, /LOOPSAFE_BINARY/);
  assert.ok(r.error.includes('@loopsafe/cli-win32-x64'));
});

test('LOOPSAFE_BINARY wins, and must exist', () => {
  const file = path.join(tmpdir(), 'loopsafe');
  fs.writeFileSync(file, '');
  assert.deepEqual(platform.resolveBinary({ env: { LOOPSAFE_BINARY: file }, os: 'freebsd', cpu: 'x64' }), {
    binary: file,
    source: 'LOOPSAFE_BINARY',
  });
  const missing = platform.resolveBinary({ env: { LOOPSAFE_BINARY: `${file}-gone` } });
  assert.match(missing.error, /LOOPSAFE_BINARY is set to .*-gone, which does not exist/);
});

test('versions compare numerically', () => {
  assert.ok(platform.versionLess('2.9', '2.17'));
  assert.ok(!platform.versionLess('2.17', '2.9'));
  assert.ok(!platform.versionLess('2.31', '2.31'));
  assert.ok(platform.versionLess('2.31', '2.31.1'));
});

// the launcher as a process, running a stand-in binary through LOOPSAFE_BINARY
function fakeBinary(script) {
  const file = path.join(tmpdir(), 'fake-loopsafe');
  fs.writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return file;
}

test('the launcher passes arguments and the exit code through', { skip: !POSIX }, () => {
  const bin = fakeBinary('echo "args: $*"; exit 3');
  const r = spawnSync(process.execPath, [LAUNCHER, 'check', 'a b', '--format', 'json'], {
    env: { ...process.env, LOOPSAFE_BINARY: bin },
    encoding: 'utf8',
  });
  assert.equal(r.status, 3);
  assert.equal(r.stdout, 'args: check a b --format json\n');
});

test('the launcher passes standard input and output through (as `loopsafe lsp` needs)', { skip: !POSIX }, () => {
  const bin = fakeBinary('cat');
  const input = 'Content-Length: 2\r\n\r\n{}'.repeat(1000);
  const r = spawnSync(process.execPath, [LAUNCHER, 'lsp'], { env: { ...process.env, LOOPSAFE_BINARY: bin }, input });
  assert.equal(r.status, 0);
  assert.equal(r.stdout.toString(), input);
});

test('a binary killed by a signal ends the launcher with that signal', { skip: !POSIX }, () => {
  const bin = fakeBinary('kill -TERM $$');
  const r = spawnSync(process.execPath, [LAUNCHER], { env: { ...process.env, LOOPSAFE_BINARY: bin } });
  assert.equal(r.signal, 'SIGTERM');
});

test('signals sent to the launcher reach the binary', { skip: !POSIX, timeout: 20000 }, async () => {
  const bin = fakeBinary("trap 'echo got-term; exit 42' TERM\necho ready\nwhile :; do sleep 0.05; done");
  const child = spawn(process.execPath, [LAUNCHER], { env: { ...process.env, LOOPSAFE_BINARY: bin } });
  let out = '';
  await new Promise((resolve) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('ready')) resolve();
    });
  });
  child.kill('SIGTERM');
  const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 42);
  assert.match(out, /got-term/);
});

test('without a binary the launcher exits 2 with the explanation', () => {
  const r = spawnSync(process.execPath, [LAUNCHER, 'check'], {
    env: { ...process.env, LOOPSAFE_BINARY: '', NODE_PATH: '' },
    encoding: 'utf8',
    cwd: tmpdir(),
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /Prebuilt binaries exist for:/);
});

// npm/stage.js
function elf(machine) {
  const b = Buffer.alloc(64);
  b.writeUInt32BE(0x7f454c46, 0);
  b.writeUInt16LE(machine, 18);
  return b;
}

test('stage.js tells binaries apart by their headers', () => {
  assert.deepEqual(stage.inspectBinary(elf(62)), { format: 'elf', cpu: 'x64' });
  assert.deepEqual(stage.inspectBinary(elf(183)), { format: 'elf', cpu: 'arm64' });
  const macho = Buffer.alloc(32);
  macho.writeUInt32LE(0xfeedfacf, 0);
  macho.writeUInt32LE(0x0100000c, 4);
  assert.deepEqual(stage.inspectBinary(macho), { format: 'macho', cpu: 'arm64' });
  const pe = Buffer.alloc(0x100);
  pe.write('MZ', 0, 'latin1');
  pe.writeUInt32LE(0x80, 0x3c);
  pe.write('PE\0\0', 0x80, 'latin1');
  pe.writeUInt16LE(0x8664, 0x84);
  assert.deepEqual(stage.inspectBinary(pe), { format: 'pe', cpu: 'x64' });
  assert.equal(stage.inspectBinary(Buffer.from('#!/bin/sh\n')).format, 'unknown');
});

test('stage.js reads the glibc version a binary needs', () => {
  assert.equal(stage.glibcNeeded(Buffer.from('x\0GLIBC_2.2.5\0GLIBC_2.34\0GLIBC_2.9\0')), '2.34');
  assert.equal(stage.glibcNeeded(Buffer.from('static')), null);
});

test('stage.js refuses a binary of another platform', () => {
  const dir = tmpdir();
  const bin = path.join(dir, 'loopsafe');
  fs.writeFileSync(bin, elf(183));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'npm/stage.js'), '--out', path.join(dir, 'out'), '--binary', `linux-x64-gnu=${bin}`], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /is a elf arm64 file, not a elf x64 binary for linux-x64-gnu/);
});

test('stage.js lays out the launcher with every platform as an optional dependency', () => {
  const dir = tmpdir();
  const bin = path.join(dir, 'loopsafe');
  fs.writeFileSync(bin, Buffer.concat([elf(183), Buffer.from('GLIBC_2.17\0GLIBC_2.28\0')]));
  const out = path.join(dir, 'out');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'npm/stage.js'), '--out', out, '--version', '9.8.7', '--binary', `linux-arm64-gnu=${bin}`], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const launcher = JSON.parse(fs.readFileSync(path.join(out, 'loopsafe/package.json'), 'utf8'));
  assert.equal(launcher.version, '9.8.7');
  assert.deepEqual(launcher.bin, { loopsafe: 'bin/loopsafe.js' });
  assert.equal(Object.keys(launcher.optionalDependencies).length, platform.PLATFORMS.length);
  assert.ok(Object.values(launcher.optionalDependencies).every((v) => v === '9.8.7'));
  assert.ok(fs.existsSync(path.join(out, 'loopsafe/LICENSE')));
  const arm = JSON.parse(fs.readFileSync(path.join(out, 'cli-linux-arm64-gnu/package.json'), 'utf8'));
  assert.deepEqual([arm.name, arm.os, arm.cpu, arm.libc], ['@loopsafe/cli-linux-arm64-gnu', ['linux'], ['arm64'], ['glibc']]);
  assert.deepEqual(arm.loopsafe, { glibc: '2.28' });
  if (POSIX) assert.equal(fs.statSync(path.join(out, 'cli-linux-arm64-gnu/loopsafe')).mode & 0o111, 0o111);
});

test('the workspace version is read from Cargo.toml', () => {
  assert.match(stage.cargoVersion(), /^\d+\.\d+\.\d+/);
});
