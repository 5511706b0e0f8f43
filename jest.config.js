/**
 * One Jest run over every package and service. Tests talk to the machine's real PostgreSQL and
 * RabbitMQ: globalSetup makes a migrated template database, test files clone it and make their own
 * vhost. Fault tests that stop the broker run in a second, serial pass (scripts/test.mjs).
 */
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];
// Pages are preact components (.tsx, services/web): JSX compiled to preact's automatic runtime.
const swcTsx = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', tsx: true },
      target: 'es2022',
      transform: { react: { runtime: 'automatic', importSource: 'preact' } },
    },
    module: { type: 'commonjs' },
  },
];
const common = {
  transform: { '^.+\\.ts$': swc, '^.+\\.tsx$': swcTsx },
  testEnvironment: 'node',
  globalSetup: '<rootDir>/packages/testkit/src/global-setup.ts',
  globalTeardown: '<rootDir>/packages/testkit/src/global-teardown.ts',
};
module.exports = {
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'default',
      testMatch: ['<rootDir>/{packages,services,contracts,scripts,tests}/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.chaos\\.test\\.ts$'],
    },
    { ...common, displayName: 'chaos', testMatch: ['<rootDir>/{packages,services,tests}/**/*.chaos.test.ts'] },
  ],
};
