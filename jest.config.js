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
  modulePathIgnorePatterns: ['<rootDir>/dist', '<rootDir>/cdk.out', '<rootDir>/consumer'],
};
