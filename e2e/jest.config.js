// Black-box tests: each file starts a real server and worker(s) against PostgreSQL.
module.exports = {
  displayName: 'e2e',
  preset: '../jest.preset.js',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  testEnvironment: '<rootDir>/src/harness/failure-aware-environment.js',
  // One PostgreSQL for the run (DATABASE_URL's server, else a throwaway embedded cluster) with a
  // migrated template database; each test file's stack gets a copy of it.
  globalSetup: '<rootDir>/../libs/db/src/testing/global-setup.ts',
  globalTeardown: '<rootDir>/../libs/db/src/testing/global-teardown.ts',
  testTimeout: 120_000,
  // Each file runs its own server and worker; two files at a time keep a 2-CPU machine busy
  // without starving the processes under test.
  maxWorkers: 2,
};
