// End-to-end suite for @org/go: publishes the built plugin to a local registry,
// creates a fresh Nx workspace and drives it the way a new user would.
module.exports = {
  displayName: 'go-e2e',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/tests/**/*.spec.ts'],
  globalSetup: '<rootDir>/src/global-setup.ts',
  globalTeardown: '<rootDir>/src/global-teardown.ts',
  // Creating a workspace, installing from the registry and building images is slow.
  testTimeout: 15 * 60 * 1000,
  maxWorkers: 1,
};
