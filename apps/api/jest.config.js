module.exports = {
  displayName: 'api',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/apps/api',
  // PostgreSQL for the run (DATABASE_URL or one embedded cluster); see libs/db/README.md.
  globalSetup: '<rootDir>/../../libs/db/src/testing/global-setup.ts',
  globalTeardown: '<rootDir>/../../libs/db/src/testing/global-teardown.ts',
  testTimeout: 30000,
};
