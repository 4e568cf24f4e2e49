/*
 * EncryptedDirectoryBucket, EncryptedTableBucket and EncryptedVectorBucket: what they put in the
 * template, and every input they refuse. Their policies are judged by the evaluator in
 * policy-bucket-types.test.ts.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  EncryptedDirectoryBucket, EncryptedTableBucket, EncryptedVectorBucket, EncryptionErrors, EncryptionKey, ServerSideEncryption,
} from '../lib';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const KEY_IN_REGION = 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555';
const KEY_IN_OTHER_REGION = 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555';

type Make = (scope: Construct, id: string, sse?: ServerSideEncryption) => { encryptionKey?: kms.IKey };
const MAKERS: Record<string, { make: Make; description: RegExp }> = {
  EncryptedDirectoryBucket: {
    make: (scope, id, sse) => new EncryptedDirectoryBucket(scope, id, { availabilityZoneId: 'euw1-az1', serverSideEncryption: sse }),
    description: /directory bucket \(S3 Express One Zone\)/,
  },
  EncryptedTableBucket: {
    make: (scope, id, sse) => new EncryptedTableBucket(scope, id, { tableBucketName: 'analytics', serverSideEncryption: sse }),
    description: /table bucket \(S3 Tables\)/,
  },
  EncryptedVectorBucket: {
    make: (scope, id, sse) => new EncryptedVectorBucket(scope, id, { serverSideEncryption: sse }),
    description: /vector bucket \(S3 Vectors\)/,
  },
};
const NAMES = Object.keys(MAKERS);

function newStack(): Stack {
  return new Stack(new App(), 'Types', { env: ENV });
}

// GIVEN one stack per construct with the default (a new key), one with SSE-S3, one with a shared key
const defaults = Object.fromEntries(NAMES.map((name) => {
  const stack = newStack();
  const bucket = MAKERS[name].make(stack, 'Data');
  return [name, { stack, bucket, template: Template.fromStack(stack) }];
}));
const s3Managed = Object.fromEntries(NAMES.map((name) => {
  const stack = newStack();
  MAKERS[name].make(stack, 'Data', ServerSideEncryption.s3Managed());
  return [name, Template.fromStack(stack)];
}));

describe('explicit encryption in the template', () => {
  test('directory bucket: SSE-KMS with the full key ARN and Bucket Keys on', () => {
    const { template, bucket } = defaults.EncryptedDirectoryBucket;
    expect(bucket.encryptionKey).toBeInstanceOf(EncryptionKey);
    template.hasResourceProperties('AWS::S3Express::DirectoryBucket', {
      DataRedundancy: 'SingleAvailabilityZone',
      LocationName: 'euw1-az1',
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] } },
          BucketKeyEnabled: true,
        }],
      },
    });
  });

  test('table bucket: SSE-KMS with the full key ARN', () => {
    defaults.EncryptedTableBucket.template.hasResourceProperties('AWS::S3Tables::TableBucket', {
      TableBucketName: 'analytics',
      EncryptionConfiguration: { SSEAlgorithm: 'aws:kms', KMSKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] } },
    });
  });

  test('vector bucket: SSE-KMS with the full key ARN', () => {
    defaults.EncryptedVectorBucket.template.hasResourceProperties('AWS::S3Vectors::VectorBucket', {
      EncryptionConfiguration: { SseType: 'aws:kms', KmsKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] } },
    });
  });

  test.each(NAMES)('%s: the new key rotates and is retained, as is the bucket', (name) => {
    const { template } = defaults[name];
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', Properties: { EnableKeyRotation: true, KeySpec: 'SYMMETRIC_DEFAULT' } });
    const type = { EncryptedDirectoryBucket: 'AWS::S3Express::DirectoryBucket', EncryptedTableBucket: 'AWS::S3Tables::TableBucket',
      EncryptedVectorBucket: 'AWS::S3Vectors::VectorBucket' }[name]!;
    template.hasResource(type, { DeletionPolicy: 'Retain' });
  });

  test('SSE-S3: AES256 stated, no key, no Bucket Keys', () => {
    s3Managed.EncryptedDirectoryBucket.resourceCountIs('AWS::KMS::Key', 0);
    s3Managed.EncryptedDirectoryBucket.hasResourceProperties('AWS::S3Express::DirectoryBucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256', KMSMasterKeyID: Match.absent() }, BucketKeyEnabled: Match.absent() }] },
    });
    s3Managed.EncryptedTableBucket.hasResourceProperties('AWS::S3Tables::TableBucket', { EncryptionConfiguration: { SSEAlgorithm: 'AES256', KMSKeyArn: Match.absent() } });
    s3Managed.EncryptedVectorBucket.hasResourceProperties('AWS::S3Vectors::VectorBucket', { EncryptionConfiguration: { SseType: 'AES256', KmsKeyArn: Match.absent() } });
  });

  test('each type has its own policy resource with the stable Sids', () => {
    const sids = (template: Template, type: string, prop: string) =>
      Object.values(template.findResources(type)).flatMap((r: any) => r.Properties[prop].Statement.map((s: any) => s.Sid));
    expect(sids(defaults.EncryptedDirectoryBucket.template, 'AWS::S3Express::BucketPolicy', 'PolicyDocument'))
      .toEqual(['DenyInsecureTransport', 'DenyIncorrectEncryptionHeader', 'DenyIncorrectEncryptionKey']);
    expect(sids(defaults.EncryptedTableBucket.template, 'AWS::S3Tables::TableBucketPolicy', 'ResourcePolicy'))
      .toEqual(['DenyInsecureTransport', 'DenyIncorrectEncryptionHeader', 'DenyIncorrectEncryptionKey', 'DenyMissingEncryptionKeyId',
        'DenyEncryptionConfigurationRemoval']);
    expect(sids(defaults.EncryptedVectorBucket.template, 'AWS::S3Vectors::VectorBucketPolicy', 'Policy'))
      .toEqual(['DenyInsecureTransport', 'DenyIncorrectEncryptionHeader', 'DenyIncorrectEncryptionKey', 'DenyMissingEncryptionKeyId']);
  });

  test('a shared key is used as given, and exposed as encryptionKey', () => {
    const stack = newStack();
    const key = new EncryptionKey(stack, 'Shared');
    for (const name of NAMES) {
      expect(MAKERS[name].make(stack, name, ServerSideEncryption.kms({ key })).encryptionKey).toBe(key);
    }
    Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 1);
  });
});

describe('refused input', () => {
  const refused: Array<[string, () => ServerSideEncryption, RegExp]> = [
    ['kmsManaged()', () => ServerSideEncryption.kmsManaged(), /does not support ServerSideEncryption\.kmsManaged\(\)/],
    ['dsseKms()', () => ServerSideEncryption.dsseKms(), /does not support ServerSideEncryption\.dsseKms\(\)/],
    ['customerProvided()', () => ServerSideEncryption.customerProvided(), /does not support ServerSideEncryption\.customerProvided\(\)/],
  ];
  test.each(NAMES.flatMap((name) => refused.map(([label, sse, message]) => [name, label, sse, message] as const)))(
    'fails when %s gets %s, naming the type and the supported modes', (name, _label, sse, message) => {
      const stack = newStack();
      let error: unknown;
      try {
        MAKERS[name].make(stack, 'Data', sse());
      } catch (e) {
        error = e;
      }
      expect(EncryptionErrors.isEncryptionValidationError(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toMatch(MAKERS[name].description);
      expect((error as Error).message).toMatch(/supports ServerSideEncryption\.s3Managed\(\) and ServerSideEncryption\.kms\(\)/);
      expect((error as Error).message).toMatch(new RegExp(`^${name} 'Types/Data'`));
    });

  test.each(NAMES)('fails when %s gets a key in another region', (name) => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', KEY_IN_OTHER_REGION);
    expect(() => MAKERS[name].make(stack, 'Data', ServerSideEncryption.kms({ key })))
      .toThrow(/is in region us-east-1, but the bucket's stack is in eu-west-1/);
  });

  test.each(NAMES)('fails when %s gets an alias', (name) => {
    const stack = newStack();
    const alias = kms.Alias.fromAliasName(stack, 'Alias', 'alias/data');
    expect(() => MAKERS[name].make(stack, 'Data', ServerSideEncryption.kms({ key: alias }))).toThrow(/must be a KMS key, not an alias/);
  });

  test.each(NAMES)('fails when %s gets a key not named by ARN', (name) => {
    const stack = newStack();
    const key = { keyArn: 'alias/data', node: new Construct(stack, 'Fake').node } as unknown as kms.IKey;
    expect(() => MAKERS[name].make(stack, 'Data', ServerSideEncryption.kms({ key }))).toThrow(/must be named by its full key ARN/);
  });

  test('a key in the bucket region is accepted', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', KEY_IN_REGION);
    expect(new EncryptedVectorBucket(stack, 'Data', { serverSideEncryption: ServerSideEncryption.kms({ key }) }).encryptionKey).toBe(key);
  });

  test('fails when a directory bucket is told bucketKey: false (Bucket Keys are always on)', () => {
    expect(() => MAKERS.EncryptedDirectoryBucket.make(newStack(), 'Data', ServerSideEncryption.kms({ bucketKey: false })))
      .toThrow(/always uses S3 Bucket Keys/);
  });

  test.each(['EncryptedTableBucket', 'EncryptedVectorBucket'])('fails when %s gets the bucketKey option', (name) => {
    expect(() => MAKERS[name].make(newStack(), 'Data', ServerSideEncryption.kms({ bucketKey: true }))).toThrow(/bucketKey option is not supported/);
  });

  test('fails on a directory bucket name without the zone suffix, and on a zone name', () => {
    expect(() => new EncryptedDirectoryBucket(newStack(), 'Data', { availabilityZoneId: 'euw1-az1', bucketName: 'data' }))
      .toThrow(/must end with --euw1-az1--x-s3/);
    expect(() => new EncryptedDirectoryBucket(newStack(), 'Data', { availabilityZoneId: 'eu-west-1a' }))
      .toThrow(/availabilityZoneId must be an Availability Zone id/);
    expect(() => new EncryptedDirectoryBucket(newStack(), 'Data', { availabilityZoneId: 'euw1-az1', bucketName: 'data--euw1-az1--x-s3' }))
      .not.toThrow();
  });

  test('fails on a missing or invalid table bucket name, and on an invalid vector bucket name', () => {
    expect(() => new EncryptedTableBucket(newStack(), 'Data', {} as any)).toThrow(/tableBucketName is required/);
    expect(() => new EncryptedTableBucket(newStack(), 'Data', { tableBucketName: 'Bad_Name' })).toThrow(/tableBucketName must be/);
    expect(() => new EncryptedVectorBucket(newStack(), 'Data', { vectorBucketName: 'Bad_Name' })).toThrow(/vectorBucketName must be/);
  });

  test('fails on props that are not an object, and on a serverSideEncryption that is not from a factory', () => {
    expect(() => new EncryptedVectorBucket(newStack(), 'Data', 'kms' as any)).toThrow(/props must be an object/);
    expect(() => new EncryptedVectorBucket(newStack(), 'Data', { serverSideEncryption: 'aws:kms' as any }))
      .toThrow(/must come from a ServerSideEncryption factory/);
  });
});

describe('table bucket key policy', () => {
  test('a key defined outside the app cannot get the maintenance statement: a warning says what to add', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', KEY_IN_REGION);
    const bucket = new EncryptedTableBucket(stack, 'Data', { tableBucketName: 'analytics', serverSideEncryption: ServerSideEncryption.kms({ key }) });
    // A second table bucket on the same key is told too.
    const second = new EncryptedTableBucket(stack, 'More', { tableBucketName: 'more', serverSideEncryption: ServerSideEncryption.kms({ key }) });
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning(`/${bucket.node.path}`, Match.stringLikeRegexp('maintenance\\.s3tables\\.amazonaws\\.com'));
    annotations.hasWarning(`/${second.node.path}`, Match.stringLikeRegexp('keyPolicyNotUpdated'));
  });

  test('metadata.s3.amazonaws.com is in the key policy only with metadataTables', () => {
    const principals = (metadataTables: boolean) => {
      const stack = newStack();
      new EncryptedTableBucket(stack, 'Data', { tableBucketName: 'analytics', metadataTables });
      const key = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'))[0] as any;
      return key.Properties.KeyPolicy.Statement.flatMap((s: any) => s.Principal?.Service ?? []);
    };
    expect(principals(false)).toEqual(['maintenance.s3tables.amazonaws.com']);
    expect(principals(true)).toEqual(['maintenance.s3tables.amazonaws.com', 'metadata.s3.amazonaws.com']);
  });
});
