// Preloaded (NODE_OPTIONS=--require) into a process tree by a spec: at exit, each process
// writes the script it ran and the CommonJS modules it loaded to $BIGRAYS_TEST_MODULES_DIR/<pid>.json.
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

process.on('exit', () => {
  const dir = process.env.BIGRAYS_TEST_MODULES_DIR;
  if (!dir) return;
  const entry = process.argv[1] ?? '';
  writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify({ entry, execArgv: process.execArgv, modules: Object.keys(require.cache) }));
});
