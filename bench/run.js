#!/usr/bin/env node
// `npm run bench [-- <name>…]`: runs bench/<name>.bench.ts (every one without names) from the
// TypeScript sources, the way bin/stroem.js runs the CLI.
'use strict';
const { readdirSync } = require('node:fs');
const path = require('node:path');

process.env.SWC_NODE_PROJECT = path.resolve(__dirname, '..', 'tsconfig.base.json');
require('@swc-node/register');

const names = process.argv.slice(2);
const all = readdirSync(__dirname)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length));
const chosen = names.length > 0 ? names : all;

(async () => {
  for (const name of chosen) {
    if (!all.includes(name)) throw new Error(`no bench/${name}.bench.ts (have: ${all.join(', ')})`);
    await require(path.join(__dirname, `${name}.bench.ts`)).main();
  }
})().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
