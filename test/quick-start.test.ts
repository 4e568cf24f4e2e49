/*
 * The README's Quick start, as it stands: the first ```ts block of its "Quick start" section is
 * run as a program (the package name pointing at lib/), synthesized, and checked. jsii-rosetta
 * (npm run rosetta) type-checks the same block against the built package, so a name it does not
 * define fails there.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';

const root = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const section = readme.split(/^## /m).find((s) => s.startsWith('Quick start\n'));
const snippet = /^```ts[^\n]*\n([\s\S]*?)^```$/m.exec(section ?? '')?.[1];

let assembly: CloudAssembly;
beforeAll(() => {
  expect(snippet).toBeDefined();
  // Written where jest transforms TypeScript; the snippet's own text, plus one line that hands
  // back the synthesized assembly (the CDK CLI synthesizes an App by itself).
  const dir = path.join(root, '.tmp', 'quick-start');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'app.ts');
  const program = snippet!.replace(/from 'cdk-s3-encryption';/, `from ${JSON.stringify(path.join(root, 'lib'))};`);
  fs.writeFileSync(file, `${program}\nexport const synthesized = app.synth();\n`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  assembly = require(file).synthesized;
});

test('imports the package by its published name and defines everything it uses', () => {
  expect(snippet).toContain("from 'cdk-s3-encryption';");
  expect(snippet).toMatch(/^const app = new App\(\);$/m);
});

test('synthesizes one stack with the bucket, its key and a Lambda function on a current runtime', () => {
  const stack = assembly.getStackByName('DataStack');
  const resources = Object.values<any>(stack.template.Resources);
  const ofType = (type: string) => resources.filter((r) => r.Type === type);
  expect(ofType('AWS::S3::Bucket')).toHaveLength(1);
  expect(ofType('AWS::KMS::Key')).toHaveLength(1);
  expect(ofType('AWS::Lambda::Function').map((f) => f.Properties.Runtime)).toEqual(['nodejs22.x']);
  const rule = ofType('AWS::S3::Bucket')[0].Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
  expect(rule.ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
});

test('the grant gives the function kms:Decrypt only through S3 for this bucket', () => {
  const stack = assembly.getStackByName('DataStack');
  const statements = Object.values<any>(stack.template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
  const decrypt = statements.filter((st) => [st.Action].flat().includes('kms:Decrypt'));
  expect(decrypt).toHaveLength(1);
  expect(Object.keys(decrypt[0].Condition.StringEquals)).toEqual(['kms:ViaService']);
  expect(Object.keys(decrypt[0].Condition.StringLike)).toEqual(['kms:EncryptionContext:aws:s3:arn']);
  expect(statements.some((st) => [st.Action].flat().some((a: string) => a.startsWith('s3:GetObject')))).toBe(true);
});

test('synthesis reports no warning and no error', () => {
  const messages = assembly.getStackByName('DataStack').messages.filter((m) => m.level !== 'info');
  expect(messages).toEqual([]);
});
