#!/usr/bin/env node
// Runs the API server straight from its TypeScript sources (no build step): @swc-node/register
// compiles on the fly, with the `@stroem/*` path aliases and decorator metadata of tsconfig.base.json.
'use strict';
const path = require('node:path');

process.env.SWC_NODE_PROJECT = path.resolve(__dirname, '..', 'tsconfig.base.json');
require('@swc-node/register');

require('../apps/api/src/main.ts')
  .main(process.argv)
  .catch((err) => {
    process.stderr.write(`stroem-server: ${err && err.message ? err.message : err}\n`);
    process.exit(1);
  });
