'use strict';
// Which prebuilt loopsafe binary fits this machine, and where it is installed.
//
// The `loopsafe` npm package is a launcher: each supported platform has its own package
// (`@loopsafe/cli-<id>`) holding the binary, listed as an optional dependency with `os`, `cpu` and
// `libc` fields so that npm installs only the one that fits. This module maps the running platform to
// those ids and finds the installed binary. Plain Node, no dependencies: the launcher, the packaging
// script (npm/stage.js) and the VS Code extension all use it.

const fs = require('fs');
const path = require('path');

const SCOPE = '@loopsafe';

/**
 * Every platform a package is laid out for. `libc` only on Linux. `target` is the Rust target triple
 * that npm/pack.sh builds for it.
 */
const PLATFORMS = [
  { id: 'linux-x64-gnu', os: 'linux', cpu: 'x64', libc: 'glibc', target: 'x86_64-unknown-linux-gnu' },
  { id: 'linux-x64-musl', os: 'linux', cpu: 'x64', libc: 'musl', target: 'x86_64-unknown-linux-musl' },
  { id: 'linux-arm64-gnu', os: 'linux', cpu: 'arm64', libc: 'glibc', target: 'aarch64-unknown-linux-gnu' },
  { id: 'linux-arm64-musl', os: 'linux', cpu: 'arm64', libc: 'musl', target: 'aarch64-unknown-linux-musl' },
  { id: 'darwin-x64', os: 'darwin', cpu: 'x64', target: 'x86_64-apple-darwin' },
  { id: 'darwin-arm64', os: 'darwin', cpu: 'arm64', target: 'aarch64-apple-darwin' },
  { id: 'win32-x64', os: 'win32', cpu: 'x64', target: 'x86_64-pc-windows-msvc' },
];

function packageName(id) {
  return `${SCOPE}/cli-${id}`;
}

function binaryName(os) {
  return os === 'win32' ? 'loopsafe.exe' : 'loopsafe';
}

// Node's diagnostic report header names the glibc version the process runs with; on musl that
// field is absent. Made once (it takes some milliseconds).
let header;
function reportHeader() {
  if (header === undefined) {
    header = null;
    try {
      try {
        process.report.excludeNetwork = true; // the report need not resolve network interfaces
      } catch (_) {
        // older Node: the setter does not exist
      }
      header = process.report.getReport().header || null;
    } catch (_) {
      // no diagnostic report in this Node
    }
  }
  return header;
}

/**
 * The C library of this Linux system: 'glibc' or 'musl' (null elsewhere). When Node's report is not
 * available, the dynamic loader's files decide.
 */
function detectLibc() {
  if (process.platform !== 'linux') return null;
  const h = reportHeader();
  if (h) return h.glibcVersionRuntime ? 'glibc' : 'musl';
  try {
    if (fs.readdirSync('/lib').some((f) => f.startsWith('ld-musl-'))) return 'musl';
  } catch (_) {
    // no /lib
  }
  return 'glibc';
}

/** The glibc version this process runs with ("2.36"), or null. */
function glibcVersion() {
  if (process.platform !== 'linux') return null;
  const h = reportHeader();
  return (h && h.glibcVersionRuntime) || null;
}

/**
 * The platform ids that can run here, best first. On glibc the gnu build comes first and the
 * statically linked musl build is the fallback; on musl only musl builds run.
 */
function candidates(os = process.platform, cpu = process.arch, libc = detectLibc()) {
  const fit = PLATFORMS.filter((p) => p.os === os && p.cpu === cpu);
  if (os !== 'linux') return fit.map((p) => p.id);
  const own = fit.filter((p) => p.libc === libc);
  const musl = libc === 'glibc' ? fit.filter((p) => p.libc === 'musl') : [];
  return [...own, ...musl].map((p) => p.id);
}

/** "2.36" < "2.4"? Compares dotted versions numerically. */
function versionLess(a, b) {
  const x = String(a).split('.').map(Number);
  const y = String(b).split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] || 0) - (y[i] || 0);
    if (d !== 0) return d < 0;
  }
  return false;
}

function describeHost(os, cpu, libc) {
  return libc ? `${os}-${cpu} (${libc})` : `${os}-${cpu}`;
}

function supportedList() {
  return PLATFORMS.map((p) => `  ${packageName(p.id).padEnd(30)} ${describeHost(p.os, p.cpu, p.libc)}`).join('\n');
}

/**
 * Finds the binary to run. Returns `{ binary, source }` or `{ error }` (a message for people).
 *
 * Order: the LOOPSAFE_BINARY environment variable (a binary built from source); then the installed
 * platform package that fits, found by Node's module resolution from `from` (the launcher's own
 * directory: its node_modules, then the project's, then a global install's siblings).
 *
 * Every input can be given, for tests: env, os, cpu, libc, glibc (runtime version), from, version
 * (the launcher's own; a platform package of another version is refused), resolve (a function
 * like require.resolve with its `paths` option), exists.
 */
function resolveBinary(opts = {}) {
  const env = opts.env || process.env;
  const os = opts.os || process.platform;
  const cpu = opts.cpu || process.arch;
  const libc = opts.libc !== undefined ? opts.libc : os === 'linux' ? detectLibc() : null;
  const glibc = opts.glibc !== undefined ? opts.glibc : libc === 'glibc' ? glibcVersion() : null;
  const from = opts.from || __dirname;
  const exists = opts.exists || fs.existsSync;
  const resolve = opts.resolve || ((request, o) => require.resolve(request, o));

  if (env.LOOPSAFE_BINARY) {
    if (!exists(env.LOOPSAFE_BINARY)) {
      return { error: `loopsafe: LOOPSAFE_BINARY is set to ${env.LOOPSAFE_BINARY}, which does not exist.` };
    }
    return { binary: env.LOOPSAFE_BINARY, source: 'LOOPSAFE_BINARY' };
  }

  const ids = candidates(os, cpu, libc);
  const problems = [];
  for (const id of ids) {
    const name = packageName(id);
    let manifestPath;
    try {
      manifestPath = resolve(`${name}/package.json`, { paths: [from] });
    } catch (_) {
      continue; // not installed
    }
    let manifest = {};
    try {
      manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    } catch (_) {
      // a package without a readable manifest still may hold the binary
    }
    if (opts.version && manifest.version && manifest.version !== opts.version) {
      problems.push(
        `${name} ${manifest.version} is installed, but the loopsafe launcher is ${opts.version}: ` +
          `install the same version of both (npm install -D loopsafe@${opts.version}).`,
      );
      continue;
    }
    const needs = manifest.loopsafe && manifest.loopsafe.glibc;
    if (needs && glibc && versionLess(glibc, needs)) {
      problems.push(`${name} needs glibc ${needs} or later; this system has glibc ${glibc}.`);
      continue;
    }
    const binary = path.join(path.dirname(manifestPath), binaryName(os));
    if (!exists(binary)) {
      problems.push(`${name} is installed but has no ${binaryName(os)} (at ${binary}).`);
      continue;
    }
    return { binary, source: name };
  }

  const host = describeHost(os, cpu, libc);
  const lines = [];
  if (ids.length === 0) {
    lines.push(`loopsafe: there is no prebuilt loopsafe binary for ${host}.`);
  } else {
    lines.push(`loopsafe: no installed loopsafe binary fits ${host}.`);
    lines.push(...problems.map((p) => `  ${p}`));
    if (problems.length === 0) {
      lines.push(
        `  The package ${ids.map(packageName).join(' or ')} should have been installed with loopsafe as an`,
        '  optional dependency. It is missing when npm ran with --omit=optional (or --no-optional), or',
        '  when the lockfile was written on another platform. Reinstall: npm install -D loopsafe',
      );
    }
  }
  lines.push('Prebuilt binaries exist for:', supportedList());
  lines.push(
    'Elsewhere, build loopsafe from source (cargo install --path . --locked in a clone) and set',
    'LOOPSAFE_BINARY to the binary, or run it directly.',
  );
  return { error: lines.join('\n') };
}

module.exports = {
  SCOPE,
  PLATFORMS,
  packageName,
  binaryName,
  detectLibc,
  glibcVersion,
  candidates,
  versionLess,
  resolveBinary,
  supportedList,
};
