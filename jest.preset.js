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
  // @kubernetes/client-node 1.x and some of its dependencies are ESM-only: SWC turns them into
  // CommonJS for jest (Node itself loads them through require(esm)).
  transformIgnorePatterns: [
    '/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose|jsonpath-plus|rfc4648)/)',
  ],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['**/?(*.)+(spec|int-spec).ts'],
};
