module.exports = {
  displayName: 'runner',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  coverageDirectory: '../../coverage/libs/runner',
};
