/** Jest runs TypeScript through SWC (no type-check: `tsc --noEmit` does that in `npm test`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', {
      jsc: {
        parser: { syntax: 'typescript' },
        target: 'es2022',
        transform: { useDefineForClassFields: false },
      },
      module: { type: 'commonjs' },
    }],
  },
  // CDK's built-in CloudFormation validation costs seconds per synth; unit tests turn it off.
  // One test (test/reference-stack.test.ts) turns it back on to prove the reference stack passes it.
  setupFiles: ['<rootDir>/test/setup-env.js'],
  // One worker per core. Jest's default (cores - 1) means a single in-band process on a 2-core
  // machine; the test files are independent and dominated by loading aws-cdk-lib, so two workers
  // there are faster (npm run bench:loop measures it).
  maxWorkers: '100%',
  // The slowest files first, also in a clean checkout (jest's cache of durations empty).
  testSequencer: '<rootDir>/test/sequencer.js',
  modulePathIgnorePatterns: ['<rootDir>/dist', '<rootDir>/cdk.out', '<rootDir>/consumer'],
  moduleNameMapper: peerFloorModules(),
};

/**
 * With CDK_PEER_FLOOR_DIR set (scripts/peer-floor.sh sets it), every import of aws-cdk-lib and
 * constructs, from the library, the tests and the test tools alike, loads the copy installed
 * there: the lowest versions that the peer dependency ranges allow.
 */
function peerFloorModules() {
  const dir = process.env.CDK_PEER_FLOOR_DIR;
  if (!dir) return {};
  const modules = require('path').resolve(dir, 'node_modules');
  return {
    '^aws-cdk-lib$': `${modules}/aws-cdk-lib`,
    '^aws-cdk-lib/(.*)$': `${modules}/aws-cdk-lib/$1`,
    '^constructs$': `${modules}/constructs`,
  };
}
