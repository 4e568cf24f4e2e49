import { readFileSync } from 'fs';
import { join } from 'path';
import { CONFIGS, expectedWrite, hasBucketKey, WRITES } from './policy-eval/cases';
import { betweenMarkers, END_MARKER, readmeDecisionTable, spliceBetweenMarkers, START_MARKER } from './policy-eval/decision-table';

const DOC = readFileSync(join(__dirname, '..', 'docs', 'policy-model.md'), 'utf8');

test('the decision table of docs/policy-model.md is the one generated from the tested case list (run `npm run docs` to update)', () => {
  expect(betweenMarkers(DOC)).toBe(readmeDecisionTable());
});

test('the table sits in the "Decision table" section, once', () => {
  const section = DOC.split(/^## /m).find((s) => s.startsWith('Decision table\n'));
  expect(section).toBeDefined();
  expect(section).toContain(START_MARKER);
  expect(section).toContain(END_MARKER);
  expect(DOC.split(START_MARKER)).toHaveLength(2);
});

test('splicing replaces only what lies between the markers, and refuses a document without them', () => {
  const doc = `# A\n\n${START_MARKER}\nold\n${END_MARKER}\n\n## B\n`;
  expect(spliceBetweenMarkers(doc, 'new')).toBe(`# A\n\n${START_MARKER}\nnew\n${END_MARKER}\n\n## B\n`);
  expect(betweenMarkers(spliceBetweenMarkers(doc, 'new'))).toBe('new');
  expect(() => spliceBetweenMarkers('# A\n', 'new')).toThrow(/must contain/);
  expect(() => spliceBetweenMarkers(`${END_MARKER}\n${START_MARKER}`, 'new')).toThrow(/must contain/);
});

test('every write table cell names a verdict, and only the bucket-key rows of keyless modes are not applicable', () => {
  for (const config of CONFIGS) {
    for (const write of WRITES) {
      const verdict = expectedWrite(config, write);
      const needsBucketKey = write.kmsKey === 'bucket';
      expect([config.id, write.id, verdict === undefined]).toEqual([config.id, write.id, needsBucketKey && !hasBucketKey(config.mode)]);
    }
  }
});
