#!/usr/bin/env node
// Runs the CLI straight from its TypeScript sources (no build step): @swc-node/register compiles
// on the fly, with the `@stroem/*` path aliases and decorator metadata of tsconfig.base.json.
'use strict';
const path = require('node:path');

process.env.SWC_NODE_PROJECT = path.resolve(__dirname, '..', 'tsconfig.base.json');
require('@swc-node/register');

require('../apps/cli/src/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
