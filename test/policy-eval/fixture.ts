import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptedBucket, EncryptionKey, ServerSideEncryption } from '../../lib';
import { BucketConfig, CONFIGS, ModeName } from './cases';
import type { PolicyDocument } from './evaluate';
import { CfnTemplate, OTHER_ACCOUNT, TemplateResolver, TEST_PARTITION } from './resolve';

/** A principal and the identity policies attached to it, resolved. */
export interface PrincipalUnderTest {
  readonly arn: string;
  readonly identity: Array<{ name: string; policy: PolicyDocument }>;
}

export interface BucketUnderTest {
  readonly config: BucketConfig;
  readonly bucketArn: string;
  /** ARN of the customer managed key the bucket encrypts with, if it has one. */
  readonly keyArn?: string;
  /** The bucket policy, resolved. */
  readonly policy: PolicyDocument;
}

export interface BucketFixture {
  readonly buckets: Record<string, BucketUnderTest>;
  /** A role of the bucket's account whose IAM policy allows every action of the matrix on every bucket. */
  readonly client: PrincipalUnderTest;
  /** A role of another account whose own IAM policy allows the same. */
  readonly otherAccountClient: PrincipalUnderTest;
}

export const CLIENT_ACTIONS = ['s3:PutObject', 's3:ReplicateObject', 's3:UpdateObjectEncryption', 's3:GetObject', 's3:ListBucket'];

function sseFor(scope: Stack, id: string, mode: ModeName): ServerSideEncryption {
  switch (mode) {
    case 's3Managed': return ServerSideEncryption.s3Managed();
    case 'kms': return ServerSideEncryption.kms();
    case 'kmsWithKey': return ServerSideEncryption.kms({ key: new EncryptionKey(scope, `${id}Key`) });
    case 'kmsManaged': return ServerSideEncryption.kmsManaged();
    case 'dsseKms': return ServerSideEncryption.dsseKms();
    case 'customerProvided': return ServerSideEncryption.customerProvided();
  }
}

let bucketFixtureCache: BucketFixture | undefined;

/**
 * One stack, synthesized once per test file, with one EncryptedBucket for each configuration of
 * the matrix and a client role allowed to use them all.
 */
export function bucketFixture(): BucketFixture {
  if (bucketFixtureCache) return bucketFixtureCache;

  // Environment-agnostic, as users' stacks often are: account, region and partition stay
  // pseudo parameters in the template, and the resolver gives them the test values.
  const stack = new Stack(new App(), 'PolicyMatrix');
  const client = new iam.Role(stack, 'Client', { assumedBy: new iam.AccountRootPrincipal() });
  const constructs: Array<{ config: BucketConfig; bucket: EncryptedBucket }> = [];
  for (const config of CONFIGS) {
    const bucket = new EncryptedBucket(stack, config.id, {
      serverSideEncryption: sseFor(stack, config.id, config.mode),
      requireEncryptionHeaders: config.requireEncryptionHeaders,
      minimumTLSVersion: config.minimumTlsVersion,
    });
    client.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: CLIENT_ACTIONS,
      resources: [bucket.bucketArn, bucket.arnForObjects('*')],
    }));
    constructs.push({ config, bucket });
  }

  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const resolver = new TemplateResolver(template);
  const buckets: Record<string, BucketUnderTest> = {};
  for (const { config, bucket } of constructs) {
    buckets[config.id] = describeBucket(stack, resolver, config, bucket);
  }
  const clientIdentity = identityPoliciesOf(resolver, stack.getLogicalId(client.node.defaultChild as iam.CfnRole));
  bucketFixtureCache = {
    buckets,
    client: { arn: resolver.attribute(stack.getLogicalId(client.node.defaultChild as iam.CfnRole), 'Arn'), identity: clientIdentity },
    otherAccountClient: {
      arn: `arn:${TEST_PARTITION}:iam::${OTHER_ACCOUNT}:role/OtherAccountClient`,
      // Its own account grants it the same actions on the same buckets (S3 ARNs name no account).
      identity: clientIdentity.map((p) => ({ name: `OtherAccount${p.name}`, policy: p.policy })),
    },
  };
  return bucketFixtureCache;
}

function describeBucket(stack: Stack, resolver: TemplateResolver, config: BucketConfig, bucket: s3.Bucket): BucketUnderTest {
  const bucketId = stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  const bucketArn = resolver.attribute(bucketId, 'Arn');
  const policy = bucketPolicyOf(resolver, bucketId);

  // The key the bucket was given or made, taken from the construct; the template's default
  // encryption must name the same key, or "the bucket's key" in the matrix would mean nothing.
  const key = bucket.encryptionKey;
  const keyArn = key ? resolver.attribute(stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn') : undefined;
  const rule = resolver.resolve(resolver.resource(bucketId).Properties?.BucketEncryption)
    .ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault;
  if (rule.KMSMasterKeyID !== keyArn) {
    throw new Error(`${config.id}: the default encryption names key ${rule.KMSMasterKeyID}, the construct ${keyArn}`);
  }
  return { config, bucketArn, keyArn, policy };
}

/** The resolved policy document of the one AWS::S3::BucketPolicy attached to this bucket. */
export function bucketPolicyOf(resolver: TemplateResolver, bucketLogicalId: string): PolicyDocument {
  const bucketName = resolver.physicalId(bucketLogicalId);
  const policies = Object.entries(resolver.template.Resources)
    .filter(([, r]) => r.Type === 'AWS::S3::BucketPolicy' && resolver.resolve(r.Properties?.Bucket) === bucketName);
  if (policies.length !== 1) {
    throw new Error(`expected exactly one bucket policy for ${bucketLogicalId}, found ${policies.length}`);
  }
  return resolver.resolve(policies[0][1].Properties!.PolicyDocument);
}

/** Every identity policy attached to the role: its inline Policies and each AWS::IAM::Policy naming it. */
export function identityPoliciesOf(resolver: TemplateResolver, roleLogicalId: string):
Array<{ name: string; policy: PolicyDocument }> {
  const role = resolver.resource(roleLogicalId, 'AWS::IAM::Role');
  const managed: string[] = resolver.resolve(role.Properties?.ManagedPolicyArns ?? []);
  // AWSLambdaBasicExecutionRole allows CloudWatch Logs actions only: nothing of S3 or KMS.
  const unmodelled = managed.filter((arn) => !/^arn:[a-z-]+:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole$/.test(arn));
  if (unmodelled.length > 0 || role.Properties?.PermissionsBoundary !== undefined) {
    throw new Error(`${roleLogicalId}: managed policies (but AWSLambdaBasicExecutionRole) and permission boundaries are not modelled`);
  }
  const roleName = resolver.physicalId(roleLogicalId);
  const out: Array<{ name: string; policy: PolicyDocument }> = [];
  for (const inline of role.Properties?.Policies ?? []) {
    out.push({ name: resolver.resolve(inline.PolicyName), policy: resolver.resolve(inline.PolicyDocument) });
  }
  for (const [id, res] of Object.entries(resolver.template.Resources)) {
    if (res.Type !== 'AWS::IAM::Policy') continue;
    if ((res.Properties?.Users ?? []).length > 0 || (res.Properties?.Groups ?? []).length > 0) {
      throw new Error(`${id}: policies attached to users or groups are not modelled`);
    }
    const roles: string[] = resolver.resolve(res.Properties?.Roles ?? []);
    if (roles.includes(roleName)) {
      out.push({ name: id, policy: resolver.resolve(res.Properties!.PolicyDocument) });
    }
  }
  return out;
}

export interface KeyUnderTest {
  readonly id: string;
  readonly bucketArn: string;
  readonly keyArn: string;
  readonly keyPolicy: PolicyDocument;
  /** Granted `bucket.grantWrite(role)`. */
  readonly writer: PrincipalUnderTest;
  /** Granted `bucket.grantRead(role)`. */
  readonly reader: PrincipalUnderTest;
  /** A role of the same account with no grant on the bucket. */
  readonly bystander: PrincipalUnderTest;
  /** A role of another account whose own IAM policy allows every KMS action on the key. */
  readonly otherAccount: PrincipalUnderTest;
}

/** Modes with a customer managed key, whose key policy and grants decide who may use the key. */
export const KEY_CONFIGS: ReadonlyArray<{ id: string; mode: ModeName }> = [
  { id: 'Kms', mode: 'kms' },
  { id: 'KmsWithKey', mode: 'kmsWithKey' },
  { id: 'DsseKms', mode: 'dsseKms' },
];

let keyFixtureCache: Record<string, KeyUnderTest> | undefined;

/** One stack, synthesized once per test file: one bucket per KEY_CONFIGS entry, and its roles. */
export function keyFixture(): Record<string, KeyUnderTest> {
  if (keyFixtureCache) return keyFixtureCache;
  const stack = new Stack(new App(), 'KeyMatrix');
  const built = KEY_CONFIGS.map(({ id, mode }) => {
    const bucket = new EncryptedBucket(stack, id, { serverSideEncryption: sseFor(stack, id, mode) });
    const writer = new iam.Role(stack, `${id}Writer`, { assumedBy: new iam.AccountRootPrincipal() });
    const reader = new iam.Role(stack, `${id}Reader`, { assumedBy: new iam.AccountRootPrincipal() });
    const bystander = new iam.Role(stack, `${id}Bystander`, { assumedBy: new iam.AccountRootPrincipal() });
    bucket.grantWrite(writer);
    bucket.grantRead(reader);
    return { id, bucket, writer, reader, bystander };
  });

  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const resolver = new TemplateResolver(template);
  const principal = (role: iam.Role): PrincipalUnderTest => {
    const roleId = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
    return { arn: resolver.attribute(roleId, 'Arn'), identity: identityPoliciesOf(resolver, roleId) };
  };
  keyFixtureCache = {};
  for (const { id, bucket, writer, reader, bystander } of built) {
    const keyId = stack.getLogicalId(bucket.encryptionKey!.node.defaultChild as kms.CfnKey);
    const keyArn = resolver.attribute(keyId, 'Arn');
    keyFixtureCache[id] = {
      id,
      bucketArn: resolver.attribute(stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket), 'Arn'),
      keyArn,
      keyPolicy: resolver.resolve(resolver.resource(keyId, 'AWS::KMS::Key').Properties!.KeyPolicy),
      writer: principal(writer),
      reader: principal(reader),
      bystander: principal(bystander),
      otherAccount: {
        arn: `arn:${TEST_PARTITION}:iam::${OTHER_ACCOUNT}:role/OtherAccountKeyUser`,
        identity: [{
          name: 'OtherAccountKeyUse',
          policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: keyArn }] },
        }],
      },
    };
  }
  return keyFixtureCache;
}
