#!/usr/bin/env node
// Runs the CLI straight from its TypeScript sources (no build step): tsx compiles on the fly
// and resolves the `@stroem/*` path aliases from tsconfig.base.json.
'use strict';
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const previous = process.env.TSX_TSCONFIG_PATH;
process.env.TSX_TSCONFIG_PATH = path.join(root, 'tsconfig.base.json');
require('tsx/cjs/api').register();
if (previous === undefined) delete process.env.TSX_TSCONFIG_PATH;
else process.env.TSX_TSCONFIG_PATH = previous;

require(path.join(root, 'apps/cli/src/main.ts'))
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
