/**
 * The two apps that the synth benchmark compares, built in the same App setup:
 *
 * - `library`: N `EncryptedBucket`s sharing one `EncryptionKey` (SSE-KMS, `ServerSideEncryption.kms({ key })`);
 * - `hand-written`: the same protection with plain aws-cdk-lib (`s3.Bucket` + `kms.Key`), every
 *   setting and deny statement written out by hand.
 *
 * `compareTemplates` (template.ts) proves that both synthesize the same resources, so the
 * comparison measures only what the library adds on top of aws-cdk-lib.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptedBucket, EncryptedBucketProps, EncryptionKey, ServerSideEncryption } from '../lib';

export type Flavor = 'library' | 'hand-written';
export const FLAVORS: readonly Flavor[] = ['library', 'hand-written'];

/** The feature flags of the project's cdk.json, so the bench synthesizes what `cdk synth` does. */
const CONTEXT: Record<string, unknown> = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8'),
).context;

export const STACK_NAME = 'Bench';

/**
 * An App set up like the one `cdk synth` runs: the project's feature flags, path metadata and
 * the CDKMetadata resource on (the CLI's defaults), CloudFormation validation on or off.
 */
export function newApp(outdir: string, validation: boolean): App {
  return new App({
    outdir,
    context: { ...CONTEXT, 'aws:cdk:enable-path-metadata': true },
    analyticsReporting: true,
    builtinCloudFormationValidation: validation,
  });
}

/** Builds `n` buckets of the given flavor in a new stack of `app`. */
export function buildStack(app: App, flavor: Flavor, n: number): Stack {
  const stack = new Stack(app, STACK_NAME);
  if (flavor === 'library') {
    buildLibrary(stack, n);
  } else {
    buildHandWritten(stack, n);
  }
  return stack;
}

function buildLibrary(stack: Stack, n: number): void {
  const key = new EncryptionKey(stack, 'Key');
  for (let i = 0; i < n; i++) {
    new EncryptedBucket(stack, `Bucket${i}`, { serverSideEncryption: ServerSideEncryption.kms({ key }) });
  }
}

/** The protection of `buildLibrary`, written by hand with aws-cdk-lib only. */
function buildHandWritten(stack: Stack, n: number): void {
  const key = new kms.Key(stack, 'Key', {
    description: 'Encrypts Amazon S3 objects (cdk-s3-encryption)',
    keySpec: kms.KeySpec.SYMMETRIC_DEFAULT,
    keyUsage: kms.KeyUsage.ENCRYPT_DECRYPT,
    enableKeyRotation: true,
    rotationPeriod: Duration.days(365),
    pendingWindow: Duration.days(30),
    removalPolicy: RemovalPolicy.RETAIN,
  });
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'DenyGrantsNotForAwsResources',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  }));

  for (let i = 0; i < n; i++) {
    const bucket = new s3.Bucket(stack, `Bucket${i}`, {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const objects = bucket.arnForObjects('*');
    const deny = (sid: string, actions: string[], resources: string[], conditions?: Record<string, Record<string, unknown>>) =>
      bucket.addToResourcePolicy(new iam.PolicyStatement({
        sid, effect: iam.Effect.DENY, principals: [new iam.StarPrincipal()], actions, resources, conditions,
      }));
    const writes = ['s3:PutObject', 's3:ReplicateObject'];
    deny('DenyInsecureTransport', ['s3:*'], [bucket.bucketArn, objects], {
      Bool: { 'aws:SecureTransport': 'false' },
    });
    deny('DenyIncorrectEncryptionHeader', [...writes, 's3:UpdateObjectEncryption'], [objects], {
      StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
      Null: { 's3:x-amz-server-side-encryption': 'false' },
    });
    deny('DenyIncorrectEncryptionKey', writes, [objects], {
      StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': key.keyArn },
      Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
    });
    deny('DenyMissingEncryptionKeyId', writes, [objects], {
      StringEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
      Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' },
    });
    deny('DenyCustomerProvidedKeys', writes, [objects], {
      Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' },
    });
    deny('DenyUpdateObjectEncryptionToOtherKey', ['s3:UpdateObjectEncryption'], [objects], {
      StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': key.keyArn },
    });
  }
}

/**
 * Every encryption mode with its default options, for the "no Lambda-backed custom resource"
 * check. Each entry builds one bucket into a fresh stack.
 */
export const MODE_DEFAULTS: ReadonlyArray<{ name: string; build: (stack: Stack) => void; awsManagedKeyLookup?: boolean }> = [
  { name: 'without props (kms() with a new key)', build: (s) => bucket(s, {}) },
  { name: 's3Managed()', build: (s) => bucket(s, { serverSideEncryption: ServerSideEncryption.s3Managed() }) },
  { name: 'kms()', build: (s) => bucket(s, { serverSideEncryption: ServerSideEncryption.kms() }) },
  { name: 'kms({ key })', build: (s) => bucket(s, { serverSideEncryption: ServerSideEncryption.kms({ key: new EncryptionKey(s, 'Key') }) }) },
  { name: 'kmsManaged()', build: (s) => bucket(s, { serverSideEncryption: ServerSideEncryption.kmsManaged() }), awsManagedKeyLookup: true },
  { name: 'dsseKms()', build: (s) => bucket(s, { serverSideEncryption: ServerSideEncryption.dsseKms() }) },
  { name: 'dsseKms({ key })', build: (s) => bucket(s, { serverSideEncryption: ServerSideEncryption.dsseKms({ key: new EncryptionKey(s, 'Key') }) }) },
  { name: 'customerProvided()', build: (s) => bucket(s, { serverSideEncryption: ServerSideEncryption.customerProvided() }) },
  { name: 'kms() + requireEncryptionHeaders + minimumTlsVersion 1.3', build: (s) => bucket(s, { requireEncryptionHeaders: true, minimumTlsVersion: 1.3 }) },
];

function bucket(stack: Stack, props: EncryptedBucketProps): void {
  new EncryptedBucket(stack, 'Bucket', props);
}
