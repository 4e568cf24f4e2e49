// A separate CDK app that installs the packed cdk-s3-encryption tarball and uses it by package name.
import * as assert from 'assert';
import { App, Stack } from 'aws-cdk-lib';
import { EncryptedBucket, EncryptionKey, ServerSideEncryption } from 'cdk-s3-encryption';

const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'ConsumerStack');
const key = new EncryptionKey(stack, 'Key', { alias: 'consumer' });
new EncryptedBucket(stack, 'Kms', { serverSideEncryption: ServerSideEncryption.kms({ key }) });
new EncryptedBucket(stack, 'S3Managed', { serverSideEncryption: ServerSideEncryption.s3Managed() });
const assembly = app.synth();

const template = assembly.getStackByName('ConsumerStack').template;
const resources = Object.values(template.Resources) as Array<{ Type: string; Properties: any }>;
const buckets = resources.filter((r) => r.Type === 'AWS::S3::Bucket');
assert.strictEqual(buckets.length, 2, 'two buckets');
const algorithms = buckets.map((b) => b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).sort();
assert.deepStrictEqual(algorithms, ['AES256', 'aws:kms']);
const sids = resources.filter((r) => r.Type === 'AWS::S3::BucketPolicy')
  .flatMap((p) => p.Properties.PolicyDocument.Statement.map((s: { Sid: string }) => s.Sid));
assert.ok(sids.includes('DenyInsecureTransport'), 'TLS-only statement present');
assert.ok(sids.includes('DenyIncorrectEncryptionKey'), 'wrong-key statement present');
console.log(`consumer: synthesized ${resources.length} resources from the packed tarball`);
