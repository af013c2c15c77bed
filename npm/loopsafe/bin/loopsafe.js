#!/usr/bin/env node
'use strict';
// The `loopsafe` command of the npm package: finds the prebuilt binary of the installed platform
// package and runs it with the same arguments and standard streams (so `loopsafe lsp` speaks to the
// editor directly). Its exit code is the binary's; a signal that stops the binary stops the launcher
// the same way, and the launcher passes on the signals it receives.

const { spawn } = require('child_process');
const { resolveBinary } = require('../lib/platform.js');
const { version } = require('../package.json');

const found = resolveBinary({ version });
if (found.error) {
  process.stderr.write(`${found.error}\n`);
  process.exit(2);
}

// the handlers are in place before the binary starts, so no signal falls between the two
let child = null;
const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'];
if (process.platform === 'win32') forwarded.push('SIGBREAK');
const handlers = forwarded.map((signal) => {
  const handler = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on(signal, handler);
  return [signal, handler];
});

child = spawn(found.binary, process.argv.slice(2), { stdio: 'inherit', windowsHide: true });

child.on('error', (err) => {
  const hint = err.code === 'EACCES' ? ' (the file is not executable: reinstall the package, or chmod +x it)' : '';
  process.stderr.write(`loopsafe: cannot run ${found.binary}: ${err.message}${hint}\n`);
  process.exit(2);
});

child.on('exit', (code, signal) => {
  if (signal) {
    for (const [s, h] of handlers) process.removeListener(s, h);
    process.kill(process.pid, signal);
    // a signal that does not end this process by default (or Windows): end it with the shell's code
    const number = require('os').constants.signals[signal] || 0;
    setTimeout(() => process.exit(128 + number), 100);
    return;
  }
  process.exit(code === null ? 1 : code);
});
