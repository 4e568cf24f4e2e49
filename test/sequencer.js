/**
 * Jest's own order (the slowest files first, so that both workers finish together), with a
 * starting point for a clean checkout. Jest orders by each file's duration in its last run, kept
 * in its cache; without that cache (a fresh clone, CI, `jest --clearCache`) it falls back to file
 * size, which puts small but slow files such as reference-stack.test.ts (it starts CloudFormation
 * validation's engine) at the end of the run, where one worker finishes them alone.
 *
 * The weights below are the files' CPU times in milliseconds, measured on a quiet 2-core machine
 * (see docs/performance.md); they matter only for files that the cache does not know. A file
 * missing from the list counts as a light one. Plain JavaScript: jest loads it before any transform.
 */
'use strict';
const path = require('path');
const Sequencer = require('@jest/test-sequencer').default;

const WEIGHTS_MS = {
  'policy-bucket.test.ts': 9700,
  'reference-stack.test.ts': 9000,
  'guard.test.ts': 5700,
  'policy-rcp.test.ts': 4700,
  'organization-app.test.ts': 4500,
  'composition.test.ts': 3100,
  'encrypted-bucket.test.ts': 2800,
  'compliance.test.ts': 2600,
  'policy-tagged-key.test.ts': 2500,
  'grant-scope.test.ts': 2300,
  'migration.test.ts': 2200,
  'guard-composition.test.ts': 2000,
  'chains.test.ts': 2000,
  'recipes.test.ts': 1800,
  'integ/snapshots.test.ts': 1700,
  'guard-remediation-report.test.ts': 1600,
  'service-chains.test.ts': 1600,
  'validation-plugin.test.ts': 1600,
};
const DEFAULT_WEIGHT_MS = 1000;

class WeightedSequencer extends Sequencer {
  time(test) {
    const cached = super.time(test);
    if (cached !== undefined) return cached;
    const name = path.relative(path.join(__dirname), test.path).split(path.sep).join('/');
    return WEIGHTS_MS[name] ?? DEFAULT_WEIGHT_MS;
  }
}

module.exports = WeightedSequencer;
