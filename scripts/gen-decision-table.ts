/**
 * Writes the README's decision table (between the decision-table markers) from the case list
 * that test/policy-bucket.test.ts proves with an IAM policy evaluator. Run: npm run docs
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { readmeDecisionTable, spliceBetweenMarkers } from '../test/policy-eval/decision-table';

const readmePath = join(__dirname, '..', 'README.md');
const before = readFileSync(readmePath, 'utf8');
const after = spliceBetweenMarkers(before, readmeDecisionTable());
if (after === before) {
  console.log('README.md decision table is up to date');
} else {
  writeFileSync(readmePath, after);
  console.log('README.md decision table updated');
}
