'use strict';
// Which `loopsafe` the extension starts as its language server (`loopsafe lsp`). Plain Node with no
// VS Code API, so that it is tested with node's own test runner (test/server.test.js).
//
// Order:
//   1. the `loopsafe.path` setting, when set: absolute, `~/...`, `${workspaceFolder}/...`, or
//      relative to the first workspace folder. A path that does not exist is an error, not a
//      reason to run something else.
//   2. in a trusted workspace, the binary the workspace installed with `npm i -D loopsafe`: the
//      platform package `@loopsafe/cli-<platform>` in a node_modules of a workspace folder or a
//      directory above it (a monorepo's root); then node_modules/.bin/loopsafe (the npm launcher,
//      which needs `node` on PATH). Untrusted workspaces never run their own binaries.
//   3. `loopsafe` on PATH (a cargo install, a global npm install).

const fs = require('fs');
const os = require('os');
const path = require('path');
const platform = require('../../../npm/loopsafe/lib/platform.js');

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch (_) {
    return false;
  }
}

function expand(setting, folder, home) {
  let p = setting.trim();
  if (folder) p = p.replace(/\$\{workspaceFolder\}/g, folder);
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) p = path.join(home, p.slice(1));
  if (!path.isAbsolute(p) && folder) p = path.join(folder, p);
  return path.normalize(p);
}

function ancestors(dir, p) {
  const out = [];
  let d = p.resolve(dir);
  for (;;) {
    out.push(d);
    const parent = p.dirname(d);
    if (parent === d) return out;
    d = parent;
  }
}

/**
 * Finds the server. Every input can be given (tests):
 *   setting  the loopsafe.path setting ('' when unset)
 *   folders  the workspace folders' file system paths
 *   trusted  whether the workspace is trusted
 *   env      the environment (PATH, PATHEXT)
 *   os, cpu, libc   the platform (default: this process's)
 *   home     the home directory
 *   isFile   a predicate on paths
 * Returns { command, source } or { error }.
 */
function resolveServer(opts = {}) {
  const setting = opts.setting || '';
  const folders = opts.folders || [];
  const trusted = opts.trusted !== false;
  const env = opts.env || process.env;
  const osName = opts.os || process.platform;
  const cpu = opts.cpu || process.arch;
  const libc = opts.libc !== undefined ? opts.libc : osName === 'linux' ? platform.detectLibc() : null;
  const home = opts.home || os.homedir();
  const exists = opts.isFile || isFile;
  const p = osName === 'win32' ? path.win32 : path.posix;

  if (setting.trim()) {
    const command = expand(setting, folders[0], home);
    if (!exists(command)) {
      return { error: `loopsafe.path is set to ${setting}, but ${command} does not exist.` };
    }
    return { command, source: 'the loopsafe.path setting' };
  }

  if (trusted) {
    const ids = platform.candidates(osName, cpu, libc);
    const exe = platform.binaryName(osName);
    for (const folder of folders) {
      for (const dir of ancestors(folder, p)) {
        for (const id of ids) {
          const command = p.join(dir, 'node_modules', platform.packageName(id), exe);
          if (exists(command)) return { command, source: `${platform.packageName(id)} in ${dir}` };
        }
        if (osName !== 'win32') {
          const launcher = p.join(dir, 'node_modules', '.bin', 'loopsafe');
          if (exists(launcher)) return { command: launcher, source: `the npm launcher in ${dir}` };
        }
      }
    }
  }

  const names =
    osName === 'win32'
      ? (env.PATHEXT || '.EXE;.CMD;.BAT').split(';').filter(Boolean).map((ext) => `loopsafe${ext.toLowerCase()}`)
      : ['loopsafe'];
  const pathVar = env.PATH || env.Path || '';
  for (const dir of pathVar.split(osName === 'win32' ? ';' : ':')) {
    if (!dir) continue;
    for (const name of names) {
      const command = p.join(dir, name);
      if (exists(command)) return { command, source: 'PATH' };
    }
  }

  const where = trusted ? "the workspace's node_modules, " : '';
  return {
    error:
      `loopsafe was not found in ${where}PATH. Install it in the project (npm install -D loopsafe), ` +
      'set loopsafe.path to the binary, or put loopsafe on PATH (cargo install --path . --locked in a clone).' +
      (trusted ? '' : ' This workspace is not trusted, so its node_modules are not used.'),
  };
}

module.exports = { resolveServer, expand };
