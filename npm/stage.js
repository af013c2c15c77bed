#!/usr/bin/env node
'use strict';
// Lays out the npm packages in a directory, ready for `npm pack`: the launcher `loopsafe` and one
// `@loopsafe/cli-<id>` package per binary given. Used by npm/pack.sh.
//
//   node npm/stage.js --out DIR [--version X] --binary ID=PATH [--binary ID=PATH ...]
//
// The version defaults to the workspace version in Cargo.toml. Each binary is checked against its
// platform (ELF / Mach-O / PE header and machine), so that a binary cannot be published under the
// wrong platform; the glibc version a Linux gnu binary needs is recorded in its package.json
// (`loopsafe.glibc`) for the launcher to compare with the system's.

const fs = require('fs');
const path = require('path');
const platform = require('./loopsafe/lib/platform.js');

const ROOT = path.resolve(__dirname, '..');

function fail(message) {
  process.stderr.write(`npm/stage.js: ${message}\n`);
  process.exit(2);
}

function cargoVersion() {
  const toml = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8');
  const section = toml.split(/^\[workspace\.package\]\s*$/m)[1] || '';
  const m = section.split(/^\[/m)[0].match(/^version\s*=\s*"([^"]+)"/m);
  if (!m) fail('no version in [workspace.package] of Cargo.toml');
  return m[1];
}

// what the executable's header says: { format, machine }
function inspectBinary(buf) {
  if (buf.length >= 20 && buf.readUInt32BE(0) === 0x7f454c46) {
    const machine = buf.readUInt16LE(18);
    return { format: 'elf', cpu: { 62: 'x64', 183: 'arm64' }[machine] || `elf-machine-${machine}` };
  }
  if (buf.length >= 8 && buf.readUInt32LE(0) === 0xfeedfacf) {
    const type = buf.readUInt32LE(4);
    return { format: 'macho', cpu: { 0x01000007: 'x64', 0x0100000c: 'arm64' }[type] || `macho-cpu-${type}` };
  }
  if (buf.length >= 0x40 && buf.toString('latin1', 0, 2) === 'MZ') {
    const pe = buf.readUInt32LE(0x3c);
    if (buf.length >= pe + 6 && buf.toString('latin1', pe, pe + 4) === 'PE\0\0') {
      const machine = buf.readUInt16LE(pe + 4);
      return { format: 'pe', cpu: { 0x8664: 'x64', 0xaa64: 'arm64' }[machine] || `pe-machine-${machine}` };
    }
  }
  return { format: 'unknown', cpu: 'unknown' };
}

// the highest GLIBC_x.y symbol version the binary references
function glibcNeeded(buf) {
  let max = null;
  for (const m of buf.toString('latin1').matchAll(/GLIBC_(\d+\.\d+(?:\.\d+)?)/g)) {
    if (max === null || platform.versionLess(max, m[1])) max = m[1];
  }
  return max;
}

function writeJson(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function stageLauncher(out, version, license) {
  const src = path.join(__dirname, 'loopsafe');
  const dir = path.join(out, 'loopsafe');
  fs.cpSync(src, dir, { recursive: true });
  fs.copyFileSync(license, path.join(dir, 'LICENSE'));
  fs.chmodSync(path.join(dir, 'bin', 'loopsafe.js'), 0o755);
  const manifest = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8'));
  const optionalDependencies = {};
  for (const p of platform.PLATFORMS) optionalDependencies[platform.packageName(p.id)] = version;
  // name and version first, as npm writes them
  writeJson(path.join(dir, 'package.json'), { name: manifest.name, version, ...manifest, optionalDependencies });
  return dir;
}

function stagePlatform(out, version, license, id, binaryPath) {
  const p = platform.PLATFORMS.find((x) => x.id === id);
  if (!p) fail(`unknown platform id \`${id}\`; known: ${platform.PLATFORMS.map((x) => x.id).join(', ')}`);
  if (!fs.existsSync(binaryPath)) fail(`${id}: no binary at ${binaryPath}`);
  const buf = fs.readFileSync(binaryPath);
  const want = { linux: 'elf', darwin: 'macho', win32: 'pe' }[p.os];
  const got = inspectBinary(buf);
  if (got.format !== want || got.cpu !== p.cpu) {
    fail(`${binaryPath} is a ${got.format} ${got.cpu} file, not a ${want} ${p.cpu} binary for ${id}`);
  }
  const dir = path.join(out, `cli-${id}`);
  fs.mkdirSync(dir, { recursive: true });
  const exe = platform.binaryName(p.os);
  fs.copyFileSync(binaryPath, path.join(dir, exe));
  fs.chmodSync(path.join(dir, exe), 0o755);
  fs.copyFileSync(license, path.join(dir, 'LICENSE'));
  const where = p.libc ? `${p.os}-${p.cpu} (${p.libc})` : `${p.os}-${p.cpu}`;
  const manifest = {
    name: platform.packageName(id),
    version,
    description: `The loopsafe binary for ${where}. Install \`loopsafe\`, which picks this package on this platform.`,
    license: 'MIT',
    os: [p.os],
    cpu: [p.cpu],
  };
  if (p.libc) manifest.libc = [p.libc];
  manifest.files = [exe, 'LICENSE', 'README.md'];
  manifest.preferUnplugged = true; // Yarn PnP: the binary must exist on disk
  const glibc = p.libc === 'glibc' ? glibcNeeded(buf) : null;
  if (glibc) manifest.loopsafe = { glibc };
  writeJson(path.join(dir, 'package.json'), manifest);
  fs.writeFileSync(
    path.join(dir, 'README.md'),
    `# ${manifest.name}\n\nThe prebuilt \`loopsafe\` binary for ${where}` +
      `${glibc ? `, glibc ${glibc} or later` : ''}.\n\n` +
      'Do not install it directly: install `loopsafe` (`npm install -D loopsafe`), whose launcher picks ' +
      'the package that fits the platform.\n',
  );
  return dir;
}

function main(argv) {
  let out = null;
  let version = null;
  const binaries = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--out') out = value();
    else if (a === '--version') version = value();
    else if (a === '--binary') {
      const v = value();
      const eq = v.indexOf('=');
      if (eq <= 0) fail(`--binary expects ID=PATH, got \`${v}\``);
      binaries.push([v.slice(0, eq), path.resolve(v.slice(eq + 1))]);
    } else fail(`unknown argument \`${a}\``);
  }
  if (!out) fail('--out DIR is required');
  if (binaries.length === 0) fail('at least one --binary ID=PATH is required');
  version = version || cargoVersion();
  const license = path.join(ROOT, 'LICENSE');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const dirs = [stageLauncher(out, version, license)];
  const seen = new Set();
  for (const [id, bin] of binaries) {
    if (seen.has(id)) fail(`platform ${id} given twice`);
    seen.add(id);
    dirs.push(stagePlatform(out, version, license, id, bin));
  }
  process.stdout.write(`${dirs.join('\n')}\n`);
}

if (require.main === module) main(process.argv.slice(2));

module.exports = { inspectBinary, glibcNeeded, cargoVersion };
