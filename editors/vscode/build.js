'use strict';
// Bundles the extension and its one dependency (vscode-languageclient) into dist/extension.js
// with esbuild, and copies the repository's LICENSE beside package.json for the .vsix.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

fs.copyFileSync(path.join(__dirname, '..', '..', 'LICENSE'), path.join(__dirname, 'LICENSE'));
esbuild
  .build({
    entryPoints: [path.join(__dirname, 'src', 'extension.js')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    external: ['vscode'],
    minify: true,
    sourcemap: false,
    outfile: path.join(__dirname, 'dist', 'extension.js'),
    logLevel: 'warning',
  })
  .catch(() => process.exit(1));
