module.exports = {
  displayName: 'go',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../../coverage/packages/go',
  // Docker-backed specs build images; give them room.
  testTimeout: 300_000,
};
