/*
 * The resource policies, key policies and grants of EncryptedDirectoryBucket, EncryptedTableBucket
 * and EncryptedVectorBucket, judged by the independent evaluator on the synthesized template: every
 * type in every mode, every request that writes encryption under every reading of how the service
 * fills the key-id condition key (test/policy-eval/bucket-type-cases.ts), plain HTTP, the S3
 * Tables maintenance and S3 Metadata principals, and the KMS grants.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { EncryptedDirectoryBucket, EncryptedTableBucket, EncryptedVectorBucket, EncryptionKey, ServerSideEncryption } from '../lib';
import {
  encryptionContext, ENCRYPTION_REQUESTS, expectedEncryptionVerdict, TYPE_KEYS, TYPE_MODES, TYPE_READINGS, TypeMode, TypeName,
} from './policy-eval/bucket-type-cases';
import { evaluateKms, withS3ArnContext } from './policy-eval/encryption-context';
import { evaluate, PolicyDocument } from './policy-eval/evaluate';
import { identityPoliciesOf } from './policy-eval/fixture';
import { CfnTemplate, TEST_ACCOUNT, TEST_PARTITION, TEST_REGION, TemplateResolver } from './policy-eval/resolve';

const TYPES: readonly TypeName[] = ['directory', 'table', 'vector'];
const AZ = 'euw1-az1';
/** The actions of this file that act on a table (the rest of s3tables act on the table bucket). */
const TABLE_ACTIONS = ['s3tables:PutTableEncryption', 's3tables:GetTableData', 's3tables:PutTableData'];

interface Principal { readonly arn: string; readonly identity: Array<{ name: string; policy: PolicyDocument }> }

interface TypeUnderTest {
  readonly type: TypeName;
  readonly mode: TypeMode;
  readonly bucketArn: string;
  /** Where each encryption action acts: the bucket, a table of it, an index of it. */
  readonly resourceOf: (action: string) => string;
  readonly key?: { arn: string; id: string; policy: PolicyDocument };
  readonly policy: PolicyDocument;
  readonly reader: Principal;
  readonly writer: Principal;
  readonly metadataTables: boolean;
}

// GIVEN one stack with every type in every mode (the kmsWithKey buckets share one key), synthesized once.
const stack = new Stack(new App(), 'BucketTypes');
const sharedKey = new EncryptionKey(stack, 'SharedKey');
const built = TYPES.flatMap((type) => TYPE_MODES.map((mode) => {
  const id = `${type}-${mode}`.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toUpperCase());
  const sse = mode === 's3Managed' ? ServerSideEncryption.s3Managed()
    : mode === 'kms' ? undefined : ServerSideEncryption.kms({ key: sharedKey });
  const name = `${type}-${mode.toLowerCase()}`;
  const bucket = type === 'directory' ? new EncryptedDirectoryBucket(stack, id, { availabilityZoneId: AZ, serverSideEncryption: sse })
    : type === 'table' ? new EncryptedTableBucket(stack, id, { tableBucketName: name, serverSideEncryption: sse, metadataTables: mode === 'kms' })
      : new EncryptedVectorBucket(stack, id, { vectorBucketName: name, serverSideEncryption: sse });
  const reader = new iam.Role(stack, `${id}Reader`, { assumedBy: new iam.AccountRootPrincipal() });
  const writer = new iam.Role(stack, `${id}Writer`, { assumedBy: new iam.AccountRootPrincipal() });
  bucket.grantRead(reader);
  bucket.grantReadWrite(writer);
  return { type, mode, bucket, reader, writer };
}));
// A second table bucket on the shared key: the shared key's policy must let maintenance in for both.
new EncryptedTableBucket(stack, 'TableNeighbour', { tableBucketName: 'table-neighbour', serverSideEncryption: ServerSideEncryption.kms({ key: sharedKey }) });

const resolver = new TemplateResolver(Template.fromStack(stack).toJSON() as CfnTemplate);
const principal = (role: iam.Role): Principal => {
  const roleId = stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
  return { arn: resolver.attribute(roleId, 'Arn'), identity: identityPoliciesOf(resolver, roleId) };
};

const UNDER_TEST: TypeUnderTest[] = built.map(({ type, mode, bucket, reader, writer }) => {
  const cfnPolicy = resolver.resource(stack.getLogicalId(bucket.policy)).Properties!;
  const policy: PolicyDocument = resolver.resolve(cfnPolicy.PolicyDocument ?? cfnPolicy.ResourcePolicy ?? cfnPolicy.Policy);
  const bucketId = stack.getLogicalId(bucket.resource);
  const bucketArn = resolver.attribute(bucketId, type === 'directory' ? 'Arn' : type === 'table' ? 'TableBucketArn' : 'VectorBucketArn');
  const keyId = bucket.encryptionKey ? stack.getLogicalId(bucket.encryptionKey.node.defaultChild as kms.CfnKey) : undefined;
  return {
    type,
    mode,
    bucketArn,
    resourceOf: (action: string) => TABLE_ACTIONS.includes(action)
      ? `${bucketArn}/table/7c0a5e2e-4d55-4c1f-9d3a-1e2b3c4d5e6f`
      : action.startsWith('s3vectors:') ? `${bucketArn}/index/embeddings` : bucketArn,
    key: keyId ? {
      arn: resolver.attribute(keyId, 'Arn'),
      id: resolver.attribute(keyId, 'KeyId'),
      policy: resolver.resolve(resolver.resource(keyId, 'AWS::KMS::Key').Properties!.KeyPolicy),
    } : undefined,
    policy,
    reader: principal(reader),
    writer: principal(writer),
    metadataTables: type === 'table' && mode === 'kms',
  };
});
const find = (type: TypeName, mode: TypeMode): TypeUnderTest => UNDER_TEST.find((u) => u.type === type && u.mode === mode)!;

/** An administrator of the account whose own IAM policy allows everything of the service: only the resource policy can stop it. */
function admin(type: TypeName): Principal {
  return {
    arn: `arn:${TEST_PARTITION}:iam::${TEST_ACCOUNT}:role/Admin`,
    identity: [{ name: 'AdminPolicy', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: `${TYPE_KEYS[type].dataAction.split(':')[0]}:*`, Resource: '*' }] } }],
  };
}

const verdicts = new Map<string, Promise<string>>();

describe.each(TYPES)('%s buckets: requests that write encryption', (type) => {
  const rows = TYPE_MODES.flatMap((mode) => TYPE_KEYS[type].actions.flatMap((action) => TYPE_READINGS.flatMap((reading) =>
    ENCRYPTION_REQUESTS.map((request) => [mode, action, reading, request.id, request] as const))));
  test.each(rows)('%s, %s under %s: a request that %s', async (mode, action, reading, _id, request) => {
    const u = find(type, mode);
    const context = encryptionContext(type, mode, request, reading, u.key);
    // Readings often give the same context: each distinct request is evaluated once.
    const cacheKey = JSON.stringify([type, mode, action, context]);
    let verdict = verdicts.get(cacheKey);
    if (!verdict) {
      verdict = evaluate({ principal: admin(type).arn, action, resource: u.resourceOf(action), resourceAccount: TEST_ACCOUNT, context },
        { identity: admin(type).identity, resource: u.policy });
      verdicts.set(cacheKey, verdict);
    }
    expect(await verdict).toBe(expectedEncryptionVerdict(type, mode, request, reading));
  });
});

describe.each(TYPES)('%s buckets: transport', (type) => {
  test.each(TYPE_MODES)('%s: plain HTTP is denied, TLS is allowed', async (mode) => {
    const u = find(type, mode);
    const action = TYPE_KEYS[type].dataAction;
    const request = (secure: boolean) => evaluate({
      principal: admin(type).arn, action, resource: u.resourceOf(action), resourceAccount: TEST_ACCOUNT,
      context: { 'aws:SecureTransport': String(secure) },
    }, { identity: admin(type).identity, resource: u.policy });
    expect(await request(false)).toBe('ExplicitlyDenied');
    expect(await request(true)).toBe('Allowed');
  });
});

describe('table buckets: the encryption configuration cannot be removed', () => {
  test.each(TYPE_MODES)('%s', async (mode) => {
    const u = find('table', mode);
    const verdict = await evaluate({
      principal: admin('table').arn, action: 's3tables:DeleteTableBucketEncryption', resource: u.bucketArn, resourceAccount: TEST_ACCOUNT,
      context: { 'aws:SecureTransport': 'true' },
    }, { identity: admin('table').identity, resource: u.policy });
    expect(verdict).toBe(mode === 's3Managed' ? 'Allowed' : 'ExplicitlyDenied');
  });
});

describe('table buckets: the key policy lets the service principals use the key for this bucket\'s tables only', () => {
  const service = async (u: TypeUnderTest, servicePrincipal: string, action: string, s3Arn: string | undefined, sourceAccount?: string) =>
    evaluateKms(withS3ArnContext({
      principal: servicePrincipal, action, resource: u.key!.arn, resourceAccount: TEST_ACCOUNT,
      context: sourceAccount ? { 'aws:SourceAccount': sourceAccount } : {},
    }, s3Arn), { identity: [], resource: u.key!.policy });
  const table = (bucketArn: string) => `${bucketArn}/table/7c0a5e2e-4d55-4c1f-9d3a-1e2b3c4d5e6f`;
  const neighbourArn = `arn:${TEST_PARTITION}:s3tables:${TEST_REGION}:${TEST_ACCOUNT}:bucket/table-neighbour`;
  const strangerArn = `arn:${TEST_PARTITION}:s3tables:${TEST_REGION}:${TEST_ACCOUNT}:bucket/someone-elses`;

  test.each([['kms'], ['kmsWithKey']] as const)('%s: maintenance.s3tables.amazonaws.com', async (mode) => {
    const u = find('table', mode);
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      expect(await service(u, 'maintenance.s3tables.amazonaws.com', action, table(u.bucketArn))).toBe('Allowed');
      expect(await service(u, 'maintenance.s3tables.amazonaws.com', action, table(strangerArn))).toBe('ImplicitlyDenied');
      expect(await service(u, 'maintenance.s3tables.amazonaws.com', action, undefined)).toBe('ImplicitlyDenied');
    }
    // The shared key's one statement covers every table bucket of the app on that key.
    expect(await service(u, 'maintenance.s3tables.amazonaws.com', 'kms:Decrypt', table(neighbourArn)))
      .toBe(mode === 'kmsWithKey' ? 'Allowed' : 'ImplicitlyDenied');
  });

  test('metadata.s3.amazonaws.com only where metadataTables is set, from this account, for this bucket', async () => {
    const withMetadata = find('table', 'kms');
    const without = find('table', 'kmsWithKey');
    expect(await service(withMetadata, 'metadata.s3.amazonaws.com', 'kms:GenerateDataKey', table(withMetadata.bucketArn), TEST_ACCOUNT)).toBe('Allowed');
    expect(await service(withMetadata, 'metadata.s3.amazonaws.com', 'kms:GenerateDataKey', table(withMetadata.bucketArn), '222222222222'))
      .toBe('ImplicitlyDenied');
    expect(await service(withMetadata, 'metadata.s3.amazonaws.com', 'kms:GenerateDataKey', table(strangerArn), TEST_ACCOUNT)).toBe('ImplicitlyDenied');
    expect(await service(without, 'metadata.s3.amazonaws.com', 'kms:GenerateDataKey', table(without.bucketArn), TEST_ACCOUNT)).toBe('ImplicitlyDenied');
  });
});

describe.each(TYPES)('%s buckets: grants use the key only through the service', (type) => {
  const via = (service: string) => `${service}.${TEST_REGION}.amazonaws.com`;
  const own = { directory: 's3express', table: 's3tables', vector: 's3vectors' }[type];
  test.each([['kms'], ['kmsWithKey']] as const)('%s', async (mode) => {
    const u = find(type, mode);
    const kmsRequest = (p: Principal, action: string, viaService: string | undefined) => evaluate({
      principal: p.arn, action, resource: u.key!.arn, resourceAccount: TEST_ACCOUNT,
      context: viaService ? { 'kms:ViaService': viaService } : {},
    }, { identity: p.identity, resource: u.key!.policy });
    for (const viaService of [via(own), via('s3')]) {
      expect(await kmsRequest(u.writer, 'kms:GenerateDataKey', viaService)).toBe('Allowed');
      expect(await kmsRequest(u.writer, 'kms:Decrypt', viaService)).toBe('Allowed');
      expect(await kmsRequest(u.reader, 'kms:Decrypt', viaService)).toBe('Allowed');
      expect(await kmsRequest(u.reader, 'kms:GenerateDataKey', viaService)).toBe('ImplicitlyDenied');
    }
    // A direct KMS call, or one through another service, is not covered by the grant.
    expect(await kmsRequest(u.writer, 'kms:Decrypt', undefined)).toBe('ImplicitlyDenied');
    expect(await kmsRequest(u.writer, 'kms:Decrypt', via('sqs'))).toBe('ImplicitlyDenied');
    expect(await kmsRequest(u.reader, 'kms:Decrypt', undefined)).toBe('ImplicitlyDenied');
  });

  test('data plane: the reader reads, the writer writes', async () => {
    const u = find(type, 'kms');
    const request = (p: Principal, action: string, context: Record<string, string> = {}) => evaluate({
      principal: p.arn, action, resource: u.resourceOf(action), resourceAccount: TEST_ACCOUNT,
      context: { 'aws:SecureTransport': 'true', ...context },
    }, { identity: p.identity, resource: u.policy });
    if (type === 'directory') {
      expect(await request(u.reader, 's3express:CreateSession', { 's3express:SessionMode': 'ReadOnly' })).toBe('Allowed');
      expect(await request(u.reader, 's3express:CreateSession', { 's3express:SessionMode': 'ReadWrite' })).toBe('ImplicitlyDenied');
      expect(await request(u.writer, 's3express:CreateSession', { 's3express:SessionMode': 'ReadWrite' })).toBe('Allowed');
    } else if (type === 'table') {
      expect(await request(u.reader, 's3tables:GetTableData')).toBe('Allowed');
      expect(await request(u.reader, 's3tables:PutTableData')).toBe('ImplicitlyDenied');
      expect(await request(u.writer, 's3tables:PutTableData')).toBe('Allowed');
    } else {
      expect(await request(u.reader, 's3vectors:QueryVectors')).toBe('Allowed');
      expect(await request(u.reader, 's3vectors:PutVectors')).toBe('ImplicitlyDenied');
      expect(await request(u.writer, 's3vectors:PutVectors')).toBe('Allowed');
    }
  });

  test('s3Managed: no KMS statement at all', () => {
    const u = find(type, 's3Managed');
    expect(u.key).toBeUndefined();
    const actions = [...u.reader.identity, ...u.writer.identity].flatMap((p) => [p.policy.Statement].flat())
      .flatMap((s) => [s.Action ?? []].flat());
    expect(actions.filter((a) => String(a).startsWith('kms:'))).toEqual([]);
  });
});
