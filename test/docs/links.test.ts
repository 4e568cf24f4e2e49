import * as fs from 'fs';
import * as path from 'path';
import { anchorsOf, brokenLinks, defaultDocuments, headingSlug } from './links';

const fixture = path.join(__dirname, 'fixture');
const read = (f: string) => fs.readFileSync(f, 'utf8');

describe('the link checker', () => {
  test('finds exactly the broken links of the fixture, with their lines', () => {
    const files = [path.join(fixture, 'README.md'), path.join(fixture, 'docs', 'good.md')];
    const broken = brokenLinks(files, read, fs.existsSync).map((b) => `${path.relative(fixture, b.file)}:${b.line} ${b.link}`);
    expect(broken).toEqual([
      'README.md:12 #no-such-heading',
      'README.md:13 docs/missing.md',
      'README.md:14 docs/good.md#nowhere',
      'docs/good.md:5 ../NOPE.md',
    ]);
  });

  test('heading ids follow GitHub: lower case, punctuation dropped, repeats numbered', () => {
    expect(headingSlug('`kmsManaged()` and the ARN of `aws/s3`')).toBe('kmsmanaged-and-the-arn-of-awss3');
    expect(headingSlug('Strict mode (`requireEncryptionHeaders: true`)')).toBe('strict-mode-requireencryptionheaders-true');
    expect(headingSlug('Rolling the buckets out: CloudFormation StackSets')).toBe('rolling-the-buckets-out-cloudformation-stacksets');
    expect([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n## A\n')]).toEqual(['a', 'a-1', 'a-2']);
  });

  test("the project's own documents have no broken link", () => {
    const root = path.join(__dirname, '..', '..');
    const files = defaultDocuments(root).filter((f) => fs.existsSync(f));
    expect(files.map((f) => path.relative(root, f))).toEqual(expect.arrayContaining(['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md', 'docs/policy-model.md']));
    expect(brokenLinks(files, read, fs.existsSync)).toEqual([]);
  });
});
