#!/usr/bin/env node
// `npm start` — the server, worker and console that will serve examples/default are not
// built yet. Until they are, say so plainly and point at what works today.
'use strict';

const lines = [
  'Strøm: the server, worker and web console are not available yet.',
  '',
  'What works today is the workflow library and the `stroem` CLI, which runs a task',
  'locally without a server:',
  '',
  '  npx stroem validate examples/default',
  '  npx stroem tasks --path examples/default',
  '  npx stroem run hello-world --path examples/default',
  '  npx stroem run hello-world --path examples/default --input \'{"name": "Ada"}\'',
  '',
  'See README.md and docs/getting-started.md.',
];
process.stdout.write(lines.join('\n') + '\n');
