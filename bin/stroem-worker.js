#!/usr/bin/env node
// Runs the worker straight from its TypeScript sources (no build step): @swc-node/register
// compiles on the fly, with the `@stroem/*` path aliases of tsconfig.base.json.
'use strict';
const path = require('node:path');

process.env.SWC_NODE_PROJECT = path.resolve(__dirname, '..', 'tsconfig.base.json');
require('@swc-node/register');

require('../apps/worker/src/main.ts')
  .main(process.argv)
  .then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`stroem-worker: ${(err && err.stack) || err}\n`);
      process.exit(1);
    },
  );
