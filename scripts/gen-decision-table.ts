/**
 * Writes the decision table of docs/policy-model.md (between the decision-table markers) from the case list
 * that test/policy-bucket.test.ts proves with an IAM policy evaluator. Run: npm run docs
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { readmeDecisionTable, spliceBetweenMarkers } from '../test/policy-eval/decision-table';

const docPath = join(__dirname, '..', 'docs', 'policy-model.md');
const before = readFileSync(docPath, 'utf8');
const after = spliceBetweenMarkers(before, readmeDecisionTable());
if (after === before) {
  console.log('docs/policy-model.md decision table is up to date');
} else {
  writeFileSync(docPath, after);
  console.log('docs/policy-model.md decision table updated');
}
