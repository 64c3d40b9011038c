// The node environment, plus a flag the harness reads in afterAll: did any test or hook of this
// file fail? Only then are the server's and workers' logs printed.
'use strict';
const { TestEnvironment } = require('jest-environment-node');

class FailureAwareEnvironment extends TestEnvironment {
  async handleTestEvent(event) {
    if (event.name === 'test_fn_failure' || event.name === 'hook_failure') {
      this.global.__stroemE2eFailures = (this.global.__stroemE2eFailures ?? 0) + 1;
    }
  }
}

module.exports = FailureAwareEnvironment;
