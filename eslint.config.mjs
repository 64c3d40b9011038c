import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/.nx', '**/coverage', '**/tmp'],
  },
  {
    files: ['**/*.ts'],
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // Project boundaries (DESIGN.md §2): the pure workflow lib depends on no project; the runner
      // and db libs only on workflow; apps only on the libs their role allows; nothing on an app.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:domain'] },
            { sourceTag: 'type:runtime', onlyDependOnLibsWithTags: ['type:domain'] },
            { sourceTag: 'type:api-client', onlyDependOnLibsWithTags: [] },
            {
              sourceTag: 'scope:api',
              onlyDependOnLibsWithTags: ['type:domain', 'type:data-access'],
            },
            {
              sourceTag: 'scope:worker',
              onlyDependOnLibsWithTags: ['type:domain', 'type:runtime', 'type:api-client'],
            },
            {
              sourceTag: 'scope:cli',
              onlyDependOnLibsWithTags: ['type:domain', 'type:runtime', 'type:api-client'],
            },
            { sourceTag: 'scope:console', onlyDependOnLibsWithTags: ['type:api-client'] },
            // The e2e tests start real processes; from the libs they take only the test harnesses
            // (@stroem/db/testing, @stroem/runner/testing).
            {
              sourceTag: 'scope:e2e',
              onlyDependOnLibsWithTags: ['type:data-access', 'type:runtime'],
            },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  prettier,
];
