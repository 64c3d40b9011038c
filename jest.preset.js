// Shared jest settings for every project: SWC transpiles TypeScript (type checking is the
// separate `typecheck` target), tests run in UTC so dates in assertions are stable.
process.env.TZ = 'UTC';

const path = require('path');
const { compilerOptions } = require('./tsconfig.base.json');

// Resolve the `@stroem/*` path aliases to their sources, as TypeScript does.
const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias}$`,
    path.join(__dirname, target),
  ]),
);

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
      },
    ],
  },
  moduleNameMapper,
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['**/?(*.)+(spec|int-spec).ts'],
};
