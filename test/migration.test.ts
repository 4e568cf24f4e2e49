/*
 * docs/migration.md, checked: replacing an s3.Bucket (with aws-cdk-lib's own encryption props)
 * by an EncryptedBucket under the same construct id keeps the bucket's logical id, and every
 * property that changes is one CloudFormation updates in place. Which properties require
 * replacement comes from the CloudFormation resource specification that the CDK CLI (the
 * aws-cdk devDependency) ships for `cdk diff`, not from a list written here.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EncryptedBucket, ServerSideEncryption } from '../lib';

/** Property names of a resource type whose change replaces the resource, from the CDK CLI's resource database. */
const replacing: (type: string) => string[] = (() => {
  const file = path.join(path.dirname(require.resolve('aws-cdk/package.json')), 'db.json.gz');
  const db = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString());
  const entities: any[] = db.schema.resource.entities;
  return (type: string) => {
    const entity = entities.find((e) => e.cloudFormationType === type);
    if (!entity) throw new Error(`no ${type} in the resource database`);
    return Object.entries<any>(entity.properties).filter(([, p]) => p.causesReplacement === 'yes' || p.causesReplacement === 'maybe')
      .map(([name]) => name).sort();
  };
})();

/** A realistic app stack: the bucket, a Lambda function that reads it, and one that writes it. */
function app(makeBucket: (scope: Construct) => s3.Bucket) {
  const stack = new Stack(new App(), 'DataStack', { env: { account: '111122223333', region: 'eu-west-1' } });
  const bucket = makeBucket(stack);
  const code = lambda.Code.fromInline('exports.handler = async () => {};');
  const reader = new lambda.Function(stack, 'Reader', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code });
  const writer = new lambda.Function(stack, 'Writer', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code });
  bucket.grantRead(reader);
  bucket.grantWrite(writer);
  const template = Template.fromStack(stack).toJSON();
  return { stack, template, bucketId: stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket) };
}

/** Resources present in both templates, with the properties whose values differ. */
function changes(before: any, after: any) {
  const changed: Record<string, { type: string; properties: string[] }> = {};
  for (const [id, b] of Object.entries<any>(before.Resources)) {
    const a = after.Resources[id];
    if (!a) continue;
    expect(a.Type).toBe(b.Type);
    const names = new Set([...Object.keys(b.Properties ?? {}), ...Object.keys(a.Properties ?? {})]);
    const properties = [...names].filter((n) => JSON.stringify(b.Properties?.[n]) !== JSON.stringify(a.Properties?.[n])).sort();
    if (properties.length > 0) changed[id] = { type: b.Type, properties };
  }
  return changed;
}

const before = app((scope) => new s3.Bucket(scope, 'Data', { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true }));
const beforeKms = app((scope) => new s3.Bucket(scope, 'Data', {
  encryption: s3.BucketEncryption.KMS, encryptionKey: new kms.Key(scope, 'DataKey', { enableKeyRotation: true }),
}));
const beforeKmsOwnKey = app((scope) => new s3.Bucket(scope, 'Data', { encryption: s3.BucketEncryption.KMS }));
const stepOne = app((scope) => new EncryptedBucket(scope, 'Data', { serverSideEncryption: ServerSideEncryption.s3Managed() }));
const stepTwo = app((scope) => new EncryptedBucket(scope, 'Data', { serverSideEncryption: ServerSideEncryption.kms() }));
const ownKey = app((scope) => new EncryptedBucket(scope, 'Data', {
  serverSideEncryption: ServerSideEncryption.kms({ key: new kms.Key(scope, 'DataKey', { enableKeyRotation: true }) }),
}));

test('the resource database names the properties of a bucket that replace it (a sanity check of the source)', () => {
  expect(replacing('AWS::S3::Bucket')).toEqual(expect.arrayContaining(['BucketName', 'ObjectLockEnabled']));
  expect(replacing('AWS::S3::Bucket')).not.toContain('BucketEncryption');
});

describe.each([
  ['s3.Bucket S3_MANAGED -> EncryptedBucket s3Managed()', before, stepOne],
  ['EncryptedBucket s3Managed() -> kms()', stepOne, stepTwo],
  ['s3.Bucket S3_MANAGED -> EncryptedBucket kms() in one step', before, stepTwo],
  ['s3.Bucket KMS with its own kms.Key -> EncryptedBucket kms({ key }) with that key', beforeKms, ownKey],
  ['s3.Bucket KMS with the key it makes -> EncryptedBucket kms(), whose key takes its place', beforeKmsOwnKey, stepTwo],
])('%s', (_name, from, to) => {
  const changed = changes(from.template, to.template);

  test('the bucket keeps its logical id', () => {
    expect(to.bucketId).toBe(from.bucketId);
    expect(Object.keys(to.template.Resources).filter((id) => to.template.Resources[id].Type === 'AWS::S3::Bucket')).toEqual([to.bucketId]);
  });

  test('no resource that stays changes a property that replaces it', () => {
    for (const [id, { type, properties }] of Object.entries(changed)) {
      expect([id, properties.filter((p) => replacing(type).includes(p))]).toEqual([id, []]);
    }
  });

  test('no resource is removed', () => {
    expect(Object.keys(from.template.Resources).filter((id) => !(id in to.template.Resources))).toEqual([]);
  });
});

test('what docs/migration.md lists: the bucket properties each step changes', () => {
  expect(changes(before.template, stepOne.template)[before.bucketId].properties)
    .toEqual(['BucketEncryption', 'PublicAccessBlockConfiguration', 'VersioningConfiguration']);
  expect(changes(stepOne.template, stepTwo.template)[before.bucketId].properties).toEqual(['BucketEncryption']);
  const added = (from: any, to: any) => Object.keys(to.Resources).filter((id) => !(id in from.Resources)).map((id) => to.Resources[id].Type);
  // Step one adds nothing (the bucket policy exists already, for enforceSSL); step two adds the key.
  expect(added(before.template, stepOne.template)).toEqual([]);
  expect(Object.values(changes(before.template, stepOne.template)).map((c) => c.type).sort()).toEqual(['AWS::S3::Bucket', 'AWS::S3::BucketPolicy']);
  expect(added(stepOne.template, stepTwo.template)).toEqual(['AWS::KMS::Key']);
  expect(Object.values(changes(stepOne.template, stepTwo.template)).map((c) => c.type).sort())
    .toEqual(['AWS::IAM::Policy', 'AWS::IAM::Policy', 'AWS::S3::Bucket', 'AWS::S3::BucketPolicy']);
});
