/*
 * Remediate mode says what it did: one info annotation on each bucket it changed, listing the
 * changes, and one on each custom resource it added. Nothing for a bucket it left as it was.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, AspectPriority, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EncryptedBucket, EncryptionGuard, ServerSideEncryption } from '../lib';

function build(remediate: boolean, withOwnLookup = false) {
  const app = new App();
  const stack = new Stack(app, 'App');
  new s3.Bucket(stack, 'Plain');
  new s3.Bucket(stack, 'Managed1', { encryption: s3.BucketEncryption.KMS_MANAGED });
  new s3.Bucket(stack, 'Managed2', { encryption: s3.BucketEncryption.KMS_MANAGED });
  new s3.Bucket(stack, 'Dsse', { encryption: s3.BucketEncryption.DSSE }); // its key does not rotate
  new s3.CfnBucket(stack, 'L1');
  new s3.Bucket(stack, 'Hardened', {
    encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true, blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
  });
  new EncryptedBucket(stack, 'Ours', { serverSideEncryption: ServerSideEncryption.kms() });
  if (withOwnLookup) new EncryptedBucket(stack, 'OursManaged', { serverSideEncryption: ServerSideEncryption.kmsManaged() });
  const guard = new EncryptionGuard({ remediate });
  Aspects.of(app).add(guard, { priority: remediate ? AspectPriority.MUTATING : AspectPriority.READONLY });
  app.synth();
  return Object.fromEntries(Annotations.fromStack(stack).findInfo('*', Match.anyValue())
    .filter((m) => String(m.entry.data).startsWith('EncryptionGuard'))
    .map((m) => [m.id, String(m.entry.data)]));
}

const infos = build(true);

test('one info per changed bucket and per added custom resource, nothing for an EncryptedBucket', () => {
  expect(Object.keys(infos).sort()).toEqual([
    '/App/CdkS3EncryptionAwsManagedS3Key', '/App/Dsse/Resource', '/App/Hardened/Resource', '/App/L1', '/App/Managed1/Resource', '/App/Managed2/Resource',
    '/App/Plain/Resource',
  ]);
});

test('a plain bucket: the rule it got and the statements added to its policy, by Sid', () => {
  expect(infos['/App/Plain/Resource']).toBe('EncryptionGuard (remediate) changed this bucket: added a default-encryption rule: ' +
    'SSE-S3 (AES256), BlockedEncryptionTypes SSE-C; added to its bucket policy DenyInsecureTransport, ' +
    'DenyIncorrectEncryptionHeader, DenyCustomerProvidedKeys, DenyUpdateObjectEncryption.');
});

test('a bucket whose rule was already explicit: only the statements it lacked (its enforceSSL deny stays)', () => {
  expect(infos['/App/Hardened/Resource']).toBe('EncryptionGuard (remediate) changed this bucket: added to its bucket policy ' +
    'DenyIncorrectEncryptionHeader, DenyCustomerProvidedKeys, DenyUpdateObjectEncryption.');
});

test('an L1 bucket: only the rule (the guard writes no policy for it)', () => {
  expect(infos['/App/L1']).toBe('EncryptionGuard (remediate) changed this bucket: added a default-encryption rule: SSE-S3 ' +
    '(AES256), BlockedEncryptionTypes SSE-C.');
});

test('a DSSE bucket: the key rotation it turned on, by key path', () => {
  expect(infos['/App/Dsse/Resource']).toMatch(/; turned on rotation of the key 'App\/Dsse\/Key'; added to its bucket policy DenyInsecureTransport, /);
  expect(infos['/App/Dsse/Resource']).toMatch(/set the rule's BlockedEncryptionTypes to SSE-C/);
});

test('the aws/s3 lookup that two KMS_MANAGED buckets share is announced once, naming the first bucket and what it adds', () => {
  expect(infos['/App/CdkS3EncryptionAwsManagedS3Key']).toMatch(/^EncryptionGuard \(remediate\) added this custom resource \(Custom::AwsManagedS3KeyArn\) for the bucket 'App\/Managed1'.*Lambda function.*kms:DescribeKey only.*bootstrapped/);
  expect(infos['/App/Managed2/Resource']).toMatch(/DenyIncorrectEncryptionKey/);
});

test('a lookup that an EncryptedBucket made is not announced by the guard', () => {
  const withOwn = build(true, true);
  expect(withOwn['/App/CdkS3EncryptionAwsManagedS3Key']).toBeUndefined();
  expect(withOwn['/App/Managed1/Resource']).toBeDefined();
});

test('report mode changes nothing and says nothing', () => {
  expect(build(false)).toEqual({});
});

describe('an L1 bucket the guard cannot fix: the fix docs/guard.md gives', () => {
  function l1Fix(vendorConstruct: Construct) {
    // doc:l1-tls
    const cfnBucket = vendorConstruct.node.findChild('Bucket') as s3.CfnBucket;
    const bucket = s3.Bucket.fromCfnBucket(cfnBucket);
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyInsecureTransport',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:*'],
      resources: [bucket.bucketArn, bucket.arnForObjects('*')],
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    }));
    // end-doc
  }

  function errors(fixed: boolean) {
    const app = new App();
    const stack = new Stack(app, 'App');
    const vendor = new Construct(stack, 'Vendor');
    new s3.CfnBucket(vendor, 'Bucket');
    if (fixed) l1Fix(vendor);
    Aspects.of(app).add(new EncryptionGuard({ remediate: true }), { priority: AspectPriority.MUTATING });
    app.synth();
    return Annotations.fromStack(stack).findError('*', Match.anyValue()).map((e) => [e.id, String(e.entry.data).match(/\[(\w+)\]/g)]);
  }

  test('without it the guard reports TlsNotRequired; with it, nothing', () => {
    expect(errors(false)).toEqual([['/App/Vendor/Bucket', ['[TlsNotRequired]']]]);
    expect(errors(true)).toEqual([]);
  });

  test('docs/guard.md shows this code exactly', () => {
    const source = fs.readFileSync(__filename, 'utf8');
    const body = /^( *)\/\/ doc:l1-tls\n([\s\S]*?)^ *\/\/ end-doc$/m.exec(source)!;
    const snippet = body[2].split('\n').map((l) => l.startsWith(body[1]) ? l.slice(body[1].length) : l).join('\n').trimEnd();
    expect(fs.readFileSync(path.join(__dirname, '..', 'docs', 'guard.md'), 'utf8')).toContain('```ts\n' + snippet + '\n```');
  });
});
