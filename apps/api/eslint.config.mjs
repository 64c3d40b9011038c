import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // Nest injects by the constructor parameter types recorded in decorator metadata: those
    // imports must stay value imports, which this rule would turn into `import type`.
    files: [
      '**/*.service.ts',
      '**/*.controller.ts',
      '**/*.gateway.ts',
      '**/*.guard.ts',
      '**/*.module.ts',
    ],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
];
