import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptedBucket, EncryptionKey, ServerSideEncryption } from '../../lib';
import type { PolicyDocument } from './evaluate';
import { identityPoliciesOf, PrincipalUnderTest } from './fixture';
import { CfnTemplate, OTHER_ACCOUNT, TemplateResolver, TEST_PARTITION } from './resolve';

/** The KMS operations S3 performs as the caller: GenerateDataKey to write, Decrypt to read (and for multipart). */
export type S3KmsAction = 'kms:GenerateDataKey' | 'kms:Decrypt';
export const S3_KMS_ACTIONS: readonly S3KmsAction[] = ['kms:GenerateDataKey', 'kms:Decrypt'];

/**
 * Every grant method of a bucket that carries KMS permissions, and the KMS operations that S3
 * performs as the caller that each one must let through (from aws-cdk-lib's documented grants:
 * readers decrypt; writers generate data keys, and decrypt for multipart uploads).
 */
export const GRANT_KINDS: Record<string, { grant: (b: s3.Bucket, g: iam.IGrantable) => void; uses: readonly S3KmsAction[] }> = {
  read: { grant: (b, g) => b.grantRead(g), uses: ['kms:Decrypt'] },
  write: { grant: (b, g) => b.grantWrite(g), uses: ['kms:GenerateDataKey', 'kms:Decrypt'] },
  readWrite: { grant: (b, g) => b.grantReadWrite(g), uses: ['kms:GenerateDataKey', 'kms:Decrypt'] },
  put: { grant: (b, g) => b.grantPut(g), uses: ['kms:GenerateDataKey', 'kms:Decrypt'] },
  objectActionsWithKms: { grant: (b, g) => b.grants.actionsOnObjectKeys(g, '*', 's3:GetObject', 'kms:Decrypt'), uses: ['kms:Decrypt'] },
  replication: {
    grant: (b, g) => b.grantReplicationPermission(g, { destinations: [{ bucket: s3.Bucket.fromBucketName(b, 'ReplicaTarget', 'replica-target') }] }),
    uses: ['kms:Decrypt'],
  },
};
export type GrantKind = keyof typeof GRANT_KINDS;

/** Buckets that share one customer managed key, in each mode that S3 encrypts with it. */
export const SHARED_KEY_BUCKETS: Record<string, { bucketName: string; sse: (key: kms.IKey) => ServerSideEncryption; bucketKey: boolean }> = {
  KmsBucketKey: { bucketName: 'grant-scope-data', sse: (key) => ServerSideEncryption.kms({ key, bucketKey: true }), bucketKey: true },
  KmsNoBucketKey: { bucketName: 'grant-scope-nobk', sse: (key) => ServerSideEncryption.kms({ key, bucketKey: false }), bucketKey: false },
  DsseKms: { bucketName: 'grant-scope-dsse', sse: (key) => ServerSideEncryption.dsseKms({ key }), bucketKey: false },
};

/**
 * A bucket under the same key, never granted to anyone, whose name starts with the name of the
 * first bucket (so a missing `/` in a pattern would show).
 */
export const NEIGHBOUR = { id: 'Neighbour', bucketName: 'grant-scope-data2' };

export interface GrantUnderTest {
  readonly bucketId: string;
  readonly kind: GrantKind;
  readonly principal: PrincipalUnderTest;
}

export interface GrantFixture {
  readonly keyArn: string;
  readonly keyPolicy: PolicyDocument;
  readonly bucketArns: Record<string, string>;
  /** `${bucketId}/${kind}` -> a role of the bucket's account granted that on that bucket. */
  readonly grants: Record<string, GrantUnderTest>;
  /** A role of another account granted `kind` on KmsBucketKey through an ArnPrincipal; its own account allows it kms:* on the key. */
  readonly otherAccount: Record<'read' | 'write', PrincipalUnderTest>;
}

let cache: GrantFixture | undefined;

/** One environment-agnostic stack, synthesized once per test file. */
export function grantFixture(): GrantFixture {
  if (cache) return cache;
  const stack = new Stack(new App(), 'GrantScope');
  const key = new EncryptionKey(stack, 'SharedKey');
  const buckets: Record<string, EncryptedBucket> = {};
  for (const [id, config] of Object.entries(SHARED_KEY_BUCKETS)) {
    buckets[id] = new EncryptedBucket(stack, id, { bucketName: config.bucketName, serverSideEncryption: config.sse(key) });
  }
  buckets[NEIGHBOUR.id] = new EncryptedBucket(stack, NEIGHBOUR.id, {
    bucketName: NEIGHBOUR.bucketName,
    serverSideEncryption: ServerSideEncryption.kms({ key }),
  });

  const roles: Array<{ bucketId: string; kind: GrantKind; role: iam.Role }> = [];
  for (const bucketId of Object.keys(SHARED_KEY_BUCKETS)) {
    for (const [kind, { grant }] of Object.entries(GRANT_KINDS)) {
      const role = new iam.Role(stack, `${bucketId}${kind}Role`, { assumedBy: new iam.AccountRootPrincipal() });
      grant(buckets[bucketId], role);
      roles.push({ bucketId, kind, role });
    }
  }
  const otherAccountArn = (name: string) => `arn:${TEST_PARTITION}:iam::${OTHER_ACCOUNT}:role/${name}`;
  buckets.KmsBucketKey.grantRead(new iam.ArnPrincipal(otherAccountArn('PartnerReader')));
  buckets.KmsBucketKey.grantWrite(new iam.ArnPrincipal(otherAccountArn('PartnerWriter')));

  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const resolver = new TemplateResolver(template);
  const keyId = stack.getLogicalId(key.node.defaultChild as kms.CfnKey);
  const keyArn = resolver.attribute(keyId, 'Arn');
  const bucketArns = Object.fromEntries(Object.entries(buckets).map(([id, b]) =>
    [id, resolver.attribute(stack.getLogicalId(b.node.defaultChild as s3.CfnBucket), 'Arn')]));
  const grants: Record<string, GrantUnderTest> = {};
  for (const { bucketId, kind, role } of roles) {
    const roleId = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
    grants[`${bucketId}/${kind}`] = {
      bucketId,
      kind,
      principal: { arn: resolver.attribute(roleId, 'Arn'), identity: identityPoliciesOf(resolver, roleId) },
    };
  }
  const partner = (name: string): PrincipalUnderTest => ({
    arn: otherAccountArn(name),
    identity: [{
      name: `${name}OwnPolicy`,
      policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: keyArn }] },
    }],
  });
  cache = {
    keyArn,
    keyPolicy: resolver.resolve(resolver.resource(keyId, 'AWS::KMS::Key').Properties!.KeyPolicy),
    bucketArns,
    grants,
    otherAccount: { read: partner('PartnerReader'), write: partner('PartnerWriter') },
  };
  return cache;
}
