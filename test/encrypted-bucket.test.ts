import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptedBucket, EncryptionKey, EncryptionMode, ServerSideEncryption } from '../lib';
import { bucketPolicyStatements, newStack } from './util';

const SSE = 's3:x-amz-server-side-encryption';
const KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';
const SSE_C = 's3:x-amz-server-side-encryption-customer-algorithm';

interface ModeCase {
  readonly name: string;
  readonly sse: () => ServerSideEncryption;
  /** Expected ServerSideEncryptionByDefault.SSEAlgorithm */
  readonly algorithm: string;
  /** Whether KMSMasterKeyID must be the ARN of the bucket's customer managed key. */
  readonly customerKey: boolean;
  /** Expected BucketKeyEnabled (undefined: the property must be absent). */
  readonly bucketKeyEnabled: boolean | undefined;
  /** Expected BlockedEncryptionTypes.EncryptionType */
  readonly blocked: string[];
}

// The table of issue #2, written down independently of the implementation.
const MODES: ModeCase[] = [
  { name: 's3Managed', sse: () => ServerSideEncryption.s3Managed(), algorithm: 'AES256', customerKey: false, bucketKeyEnabled: undefined, blocked: ['SSE-C'] },
  { name: 'kms', sse: () => ServerSideEncryption.kms(), algorithm: 'aws:kms', customerKey: true, bucketKeyEnabled: true, blocked: ['SSE-C'] },
  { name: 'kms without bucket key', sse: () => ServerSideEncryption.kms({ bucketKey: false }), algorithm: 'aws:kms', customerKey: true, bucketKeyEnabled: false, blocked: ['SSE-C'] },
  { name: 'kmsManaged', sse: () => ServerSideEncryption.kmsManaged(), algorithm: 'aws:kms', customerKey: false, bucketKeyEnabled: true, blocked: ['SSE-C'] },
  { name: 'kmsManaged without bucket key', sse: () => ServerSideEncryption.kmsManaged({ bucketKey: false }), algorithm: 'aws:kms', customerKey: false, bucketKeyEnabled: false, blocked: ['SSE-C'] },
  { name: 'dsseKms', sse: () => ServerSideEncryption.dsseKms(), algorithm: 'aws:kms:dsse', customerKey: true, bucketKeyEnabled: undefined, blocked: ['SSE-C'] },
  { name: 'customerProvided', sse: () => ServerSideEncryption.customerProvided(), algorithm: 'AES256', customerKey: false, bucketKeyEnabled: undefined, blocked: ['NONE'] },
];

function build(sse: ServerSideEncryption | undefined, extra: Partial<import('../lib').EncryptedBucketProps> = {}) {
  const stack = newStack();
  const bucket = new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: sse, ...extra });
  const template = Template.fromStack(stack);
  return { stack, bucket, template };
}

function keyArnOf(stack: Stack, bucket: s3.Bucket) {
  const cfnKey = bucket.encryptionKey!.node.defaultChild as kms.CfnKey;
  return { 'Fn::GetAtt': [stack.getLogicalId(cfnKey), 'Arn'] };
}

/**
 * For kmsManaged(): the key ARN of aws/s3 from the stack's one deploy-time lookup, and its alias
 * ARN in the stack's account and region.
 */
function awsManagedKeyArnsOf(_stack: Stack, template: Template): unknown {
  const lookups = Object.keys(template.findResources('Custom::AwsManagedS3KeyArn'));
  if (lookups.length === 0) return undefined;
  expect(lookups).toHaveLength(1);
  return [
    { 'Fn::GetAtt': [lookups[0], 'KeyMetadata.Arn'] },
    { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alias/aws/s3']] },
  ];
}

function bucketArnOf(stack: Stack, bucket: s3.Bucket) {
  return { 'Fn::GetAtt': [stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket), 'Arn'] };
}

describe('default encryption rule', () => {
  test.each(MODES)('$name synthesizes exactly one rule with the expected settings', (mode) => {
    const { stack, bucket, template } = build(mode.sse());
    const rules = Object.values(template.findResources('AWS::S3::Bucket'))[0].Properties.BucketEncryption.ServerSideEncryptionConfiguration;
    expect(rules).toHaveLength(1);
    const [rule] = rules;

    expect(rule.ServerSideEncryptionByDefault.SSEAlgorithm).toBe(mode.algorithm);
    if (mode.customerKey) {
      // The full key ARN, never an alias or a bare key id.
      expect(rule.ServerSideEncryptionByDefault.KMSMasterKeyID).toEqual(keyArnOf(stack, bucket));
    } else {
      expect(rule.ServerSideEncryptionByDefault).not.toHaveProperty('KMSMasterKeyID');
    }
    if (mode.bucketKeyEnabled === undefined) {
      expect(rule).not.toHaveProperty('BucketKeyEnabled');
    } else {
      expect(rule.BucketKeyEnabled).toBe(mode.bucketKeyEnabled);
    }
    expect(rule.BlockedEncryptionTypes).toEqual({ EncryptionType: mode.blocked });
  });

  test.each(MODES)('$name: the bucket and its policy are the only S3 resources; a key only where one is used', (mode) => {
    const { template } = build(mode.sse());
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.resourceCountIs('AWS::S3::BucketPolicy', 1);
    template.resourceCountIs('AWS::KMS::Key', mode.customerKey ? 1 : 0);
    // Only kmsManaged() needs a Lambda-backed custom resource: the lookup of the ARN of aws/s3.
    const awsManaged = mode.name.startsWith('kmsManaged');
    template.resourceCountIs('Custom::AwsManagedS3KeyArn', awsManaged ? 1 : 0);
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toHaveLength(awsManaged ? 1 : 0);
  });

  test('kmsManaged(): one lookup of aws/s3 per stack, shared by every bucket, allowed only kms:DescribeKey on alias/aws/s3', () => {
    const stack = newStack();
    for (const id of ['A', 'B', 'C']) {
      new EncryptedBucket(stack, id, { serverSideEncryption: ServerSideEncryption.kmsManaged() });
    }
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::AwsManagedS3KeyArn', 1);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    const lookup = Object.values(template.findResources('Custom::AwsManagedS3KeyArn'))[0];
    const create = JSON.parse(JSON.stringify(lookup.Properties.Create));
    // The SDK call is a JSON string (with tokens joined in); check its parts.
    expect(JSON.stringify(create)).toContain('\\"service\\":\\"KMS\\"');
    expect(JSON.stringify(create)).toContain('\\"action\\":\\"describeKey\\"');
    expect(JSON.stringify(create)).toContain('\\"KeyId\\":\\"alias/aws/s3\\"');
    expect(lookup.Properties.InstallLatestAwsSdk).toBe(false);
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([{
      Effect: 'Allow',
      Action: 'kms:DescribeKey',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':key/*']] },
    }]);
    // Every bucket policy compares against that one lookup.
    const arns = awsManagedKeyArnsOf(stack, template);
    const keyStatements = Object.values(template.findResources('AWS::S3::BucketPolicy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>)
      .filter((st) => st.Sid === 'DenyIncorrectEncryptionKey' || st.Sid === 'DenyUpdateObjectEncryptionToOtherKey');
    expect(keyStatements).toHaveLength(6);
    for (const statement of keyStatements) {
      expect(statement.Condition.StringNotEquals[KEY_ID]).toEqual(arns);
    }
  });

  test('the default mode is SSE-KMS with a new rotating, retained EncryptionKey and Bucket Keys', () => {
    const { stack, bucket, template } = build(undefined);
    expect(bucket.serverSideEncryption.mode).toBe(EncryptionMode.KMS);
    expect(bucket.encryptionKey).toBeInstanceOf(EncryptionKey);
    expect(bucket.encryptionKey!.node.path).toBe('TestStack/Bucket/Key');
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArnOf(stack, bucket) },
          BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
        }],
      },
    });
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, RotationPeriodInDays: 365, PendingWindowInDays: 30, KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('a shared key given to kms() is used as is, and no other key is made', () => {
    const stack = newStack();
    const key = new EncryptionKey(stack, 'Shared');
    const a = new EncryptedBucket(stack, 'A', { serverSideEncryption: ServerSideEncryption.kms({ key }) });
    const b = new EncryptedBucket(stack, 'B', { serverSideEncryption: ServerSideEncryption.dsseKms({ key }) });
    expect(a.encryptionKey).toBe(key);
    expect(b.encryptionKey).toBe(key);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] };
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse', KMSMasterKeyID: keyArn } })] },
    });
  });

  test('an imported key is named by its full ARN', () => {
    const stack = newStack({ env: { account: '111122223333', region: 'eu-west-1' } });
    const arn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const key = kms.Key.fromKeyArn(stack, 'Imported', arn);
    new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: ServerSideEncryption.kms({ key }) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arn } })] },
    });
    const keyStatement = bucketPolicyStatements(template).find((s) => s.Sid === 'DenyIncorrectEncryptionKey');
    expect(keyStatement!.Condition.StringNotEquals[KEY_ID]).toBe(arn);
  });

  test('bucketKeyEnabled agrees with the bucketKey option in KMS modes', () => {
    const { template } = build(ServerSideEncryption.kms(), { bucketKeyEnabled: false });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ BucketKeyEnabled: false })] },
    });
  });
});

describe('secure defaults', () => {
  test.each(MODES)('$name: public access blocked, versioning on, bucket retained', (mode) => {
    const { template } = build(mode.sse());
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        VersioningConfiguration: { Status: 'Enabled' },
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('the user may override versioning, removal policy and public access', () => {
    const { template } = build(ServerSideEncryption.s3Managed(), {
      versioned: false,
      removalPolicy: RemovalPolicy.DESTROY,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS_ONLY,
    });
    const bucket = Object.values(template.findResources('AWS::S3::Bucket'))[0];
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    expect(bucket.DeletionPolicy).toBe('Delete');
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false,
    });
    // TLS-only and SSE-C blocking cannot be switched off.
    expect(bucketPolicyStatements(template).map((s) => s.Sid)).toContain('DenyInsecureTransport');
  });

  test('enforceSSL: true is accepted and adds no second TLS statement', () => {
    const { template } = build(ServerSideEncryption.s3Managed(), { enforceSSL: true });
    const tls = bucketPolicyStatements(template).filter((s) => s.Condition?.Bool?.['aws:SecureTransport'] === 'false');
    expect(tls).toHaveLength(1);
  });
});

describe('bucket policy', () => {
  /**
   * The expected statements per mode, written from the policy design (docs/policy-model.md, "The bucket policy"): each entry is
   * [Sid, Action, Condition]. Resources and principal are checked separately.
   */
  function expectedStatements(
    mode: string, keyArn: unknown, awsManagedKeyArns?: unknown,
  ): Array<[string, string | string[], Record<string, unknown> | undefined]> {
    type Row = [string, string | string[], Record<string, unknown> | undefined];
    const PUT = 's3:PutObject';
    const REPLICATE = 's3:ReplicateObject';
    const UPDATE = 's3:UpdateObjectEncryption';
    const tls: Row = ['DenyInsecureTransport', 's3:*', { Bool: { 'aws:SecureTransport': 'false' } }];
    const noSseC: Row = ['DenyCustomerProvidedKeys', [PUT, REPLICATE], { Null: { [SSE_C]: 'false' } }];
    const wrongAlg = (alg: string, actions: string[]): Row =>
      ['DenyIncorrectEncryptionHeader', actions, { StringNotEquals: { [SSE]: alg }, Null: { [SSE]: 'false' } }];
    const wrongKey = (allowed: unknown): Row =>
      ['DenyIncorrectEncryptionKey', [PUT, REPLICATE], { StringNotEquals: { [KEY_ID]: allowed }, Null: { [KEY_ID]: 'false' } }];
    const missingKey = (alg: string): Row =>
      ['DenyMissingEncryptionKeyId', [PUT, REPLICATE], { StringEquals: { [SSE]: alg }, Null: { [KEY_ID]: 'true' } }];
    // Re-encryption always names its key: no Null guard, so a request without a key id is denied too.
    const updateOnlyTo = (allowed: unknown): Row => ['DenyUpdateObjectEncryptionToOtherKey', UPDATE, { StringNotEquals: { [KEY_ID]: allowed } }];
    const noUpdate: Row = ['DenyUpdateObjectEncryption', UPDATE, undefined];
    switch (mode) {
      case 's3Managed': return [tls, wrongAlg('AES256', [PUT, REPLICATE]), noSseC, noUpdate];
      case 'kms': return [tls, wrongAlg('aws:kms', [PUT, REPLICATE, UPDATE]), wrongKey(keyArn), missingKey('aws:kms'), noSseC, updateOnlyTo(keyArn)];
      case 'kmsManaged': return [tls, wrongAlg('aws:kms', [PUT, REPLICATE, UPDATE]), wrongKey(awsManagedKeyArns), noSseC,
        updateOnlyTo(awsManagedKeyArns)];
      case 'dsseKms': return [tls, wrongAlg('aws:kms:dsse', [PUT, REPLICATE]), wrongKey(keyArn), missingKey('aws:kms:dsse'), noSseC, noUpdate];
      case 'customerProvided': return [tls,
        ['DenyIncorrectEncryptionHeader', [PUT, REPLICATE], { Null: { [SSE]: 'false' } }],
        ['DenyMissingCustomerProvidedKey', [PUT, REPLICATE], { Null: { [SSE_C]: 'true' } }],
        noUpdate];
      default: throw new Error(mode);
    }
  }

  const POLICY_MODES = MODES.filter((m) => !m.name.includes('without'));

  test.each(POLICY_MODES)('$name: exactly the expected deny statements, in order', (mode) => {
    const { stack, bucket, template } = build(mode.sse());
    const keyArn = mode.customerKey ? keyArnOf(stack, bucket) : undefined;
    const statements = bucketPolicyStatements(template);
    const expected = expectedStatements(mode.name, keyArn, awsManagedKeyArnsOf(stack, template));
    expect(statements.map((s) => s.Sid)).toEqual(expected.map(([sid]) => sid));
    for (const [i, [, action, condition]] of expected.entries()) {
      expect(statements[i].Effect).toBe('Deny');
      expect(statements[i].Principal).toBe('*');
      expect(statements[i].Action).toEqual(action);
      expect(statements[i].Condition).toEqual(condition);
    }
  });

  test.each(POLICY_MODES)('$name: TLS-only statement in the exact shape compliance checkers read', (mode) => {
    const { stack, bucket, template } = build(mode.sse());
    const arn = bucketArnOf(stack, bucket);
    const tls = bucketPolicyStatements(template).find((s) => s.Sid === 'DenyInsecureTransport')!;
    expect(tls).toEqual({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });

  test.each(POLICY_MODES)('$name: upload statements apply to the objects only', (mode) => {
    const { stack, bucket, template } = build(mode.sse());
    const objects = { 'Fn::Join': ['', [bucketArnOf(stack, bucket), '/*']] };
    for (const s of bucketPolicyStatements(template).filter((st) => st.Action === 's3:PutObject')) {
      expect(s.Resource).toEqual(objects);
    }
  });

  test.each(POLICY_MODES)('$name: no statement denies a header-less upload unless strict mode is on', (mode) => {
    // Read "S3 fills the key id only from the header" (the policy evaluation matrix also runs the
    // readings in which S3 fills in the effective key): a header-less upload carries none of the
    // three keys, and a Deny fires on it only if one of its
    // conditions is true for an absent key, i.e. Null:true or a negated operator without a Null:false guard.
    const { template } = build(mode.sse());
    const firesOnHeaderless = (s: Record<string, any>) => {
      const c = s.Condition ?? {};
      const absentOk = (op: string, key: string) => {
        if (op === 'Null') return c.Null[key] === 'true';
        if (op.startsWith('StringNot') || op.startsWith('ArnNot')) return c.Null?.[key] !== 'false';
        if (op.endsWith('IfExists')) return true;
        return false; // StringEquals etc. are false for an absent key
      };
      const encryptionKeys = [SSE, KEY_ID, SSE_C];
      return Object.entries(c).every(([op, kv]) => Object.keys(kv as object).every((k) => !encryptionKeys.includes(k) || absentOk(op, k)))
        && Object.values(c).some((kv) => Object.keys(kv as object).some((k) => encryptionKeys.includes(k)));
    };
    const firing = bucketPolicyStatements(template).filter((s) => [s.Action].flat().includes('s3:PutObject') && firesOnHeaderless(s))
      .map((s) => s.Sid);
    expect(firing).toEqual(mode.name === 'customerProvided' ? ['DenyMissingCustomerProvidedKey'] : []);
  });

  test.each(POLICY_MODES.filter((m) => m.name !== 'customerProvided'))('$name: strict mode adds a deny for uploads without an encryption header', (mode) => {
    const { template } = build(mode.sse(), { requireEncryptionHeaders: true });
    const statements = bucketPolicyStatements(template);
    expect(statements[statements.length - 1]).toMatchObject({
      Sid: 'DenyUnencryptedObjectUploads', Effect: 'Deny', Principal: '*', Action: 's3:PutObject',
      Condition: { Null: { [SSE]: 'true' } },
    });
  });

  test('strict mode on an SSE-C bucket does not deny SSE-C uploads (which carry no x-amz-server-side-encryption)', () => {
    const strict = bucketPolicyStatements(build(ServerSideEncryption.customerProvided(), { requireEncryptionHeaders: true }).template);
    const lax = bucketPolicyStatements(build(ServerSideEncryption.customerProvided()).template);
    expect(strict).toEqual(lax);
    expect(strict.find((s) => s.Condition?.Null?.[SSE] === 'true')).toBeUndefined();
  });

  test.each([1.2, 1.3])('minimumTLSVersion %p adds a TLS-version deny on the bucket and its objects', (version) => {
    const { stack, bucket, template } = build(ServerSideEncryption.s3Managed(), { minimumTLSVersion: version });
    const arn = bucketArnOf(stack, bucket);
    const statement = bucketPolicyStatements(template).find((s) => s.Sid === 'DenyOutdatedTlsVersion');
    expect(statement).toEqual({
      Sid: 'DenyOutdatedTlsVersion', Effect: 'Deny', Principal: '*', Action: 's3:*',
      Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }],
      Condition: { NumericLessThan: { 's3:TlsVersion': version } },
    });
  });

  test.each([1.2, 1.3])('minimumTLSVersion %p yields exactly one TLS-version statement (s3.Bucket adds none of its own)', (version) => {
    const { template } = build(ServerSideEncryption.kms(), { minimumTLSVersion: version });
    const tlsStatements = bucketPolicyStatements(template).filter((s) => s.Condition?.NumericLessThan?.['s3:TlsVersion'] !== undefined);
    expect(tlsStatements.map((s) => s.Sid)).toEqual(['DenyOutdatedTlsVersion']);
  });

  test('no TLS-version statement by default', () => {
    const { template } = build(ServerSideEncryption.s3Managed());
    expect(bucketPolicyStatements(template).find((s) => s.Condition?.NumericLessThan)).toBeUndefined();
  });

  test('statements added by the user are kept beside ours', () => {
    const stack = newStack();
    const bucket = new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: ServerSideEncryption.s3Managed() });
    bucket.addToResourcePolicy(new iam.PolicyStatement({ sid: 'Mine', actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')], principals: [new iam.AccountRootPrincipal()] }));
    const template = Template.fromStack(stack);
    expect(bucketPolicyStatements(template).map((s) => s.Sid)).toEqual(['DenyInsecureTransport', 'DenyIncorrectEncryptionHeader', 'DenyCustomerProvidedKeys',
      'DenyUpdateObjectEncryption', 'Mine']);
  });
});

describe('grants carry the KMS permissions', () => {
  function grantPolicy(sse: ServerSideEncryption, grant: (b: EncryptedBucket, r: iam.Role) => void) {
    const stack = newStack();
    const bucket = new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: sse });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    grant(bucket, role);
    const template = Template.fromStack(stack);
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    const statements: Array<Record<string, any>> = policies[0].Properties.PolicyDocument.Statement;
    const keyArn = bucket.encryptionKey ? { 'Fn::GetAtt': [stack.getLogicalId(bucket.encryptionKey.node.defaultChild as kms.CfnKey), 'Arn'] } : undefined;
    const kmsActions = statements.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(keyArn))
      .flatMap((s) => [s.Action].flat());
    return { kmsActions, template, key: bucket.encryptionKey };
  }

  test.each([
    ['kms', () => ServerSideEncryption.kms()],
    ['dsseKms', () => ServerSideEncryption.dsseKms()],
  ])('%s: a reader gets kms:Decrypt on the key, a writer kms:GenerateDataKey*', (_name, sse) => {
    const reader = grantPolicy(sse(), (b, r) => b.grantRead(r));
    expect(reader.kmsActions).toContain('kms:Decrypt');
    expect(reader.kmsActions).not.toContain('kms:GenerateDataKey*');

    const writer = grantPolicy(sse(), (b, r) => b.grantWrite(r));
    expect(writer.kmsActions).toContain('kms:GenerateDataKey*');
    // Multipart uploads need Decrypt as well.
    expect(writer.kmsActions).toContain('kms:Decrypt');
  });

  test('grants do not add to the key policy (it stays constant however many buckets share the key)', () => {
    function keyPolicyWith(buckets: number): unknown {
      const stack = newStack();
      const key = new EncryptionKey(stack, 'Key');
      for (let i = 0; i < buckets; i++) {
        const bucket = new EncryptedBucket(stack, `Bucket${i}`, { serverSideEncryption: ServerSideEncryption.kms({ key }) });
        bucket.grantReadWrite(new iam.Role(stack, `Role${i}`, { assumedBy: new iam.AccountRootPrincipal() }));
      }
      return Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy;
    }
    const one = keyPolicyWith(1);
    expect(keyPolicyWith(5)).toEqual(one);
    expect(keyPolicyWith(20)).toEqual(one);
  });

  test('SSE-S3: grants give no KMS permissions', () => {
    const stack = newStack();
    const bucket = new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: ServerSideEncryption.s3Managed() });
    bucket.grantReadWrite(new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() }));
    const json = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(json).not.toMatch(/kms:/);
  });

  test('a default key is granted to the replication role', () => {
    const stack = newStack({ env: { account: '111122223333', region: 'eu-west-1' } });
    // An SSE-KMS source replicates only into an SSE-KMS destination (test/composition.test.ts).
    const destination = new EncryptedBucket(stack, 'Destination');
    const source = new EncryptedBucket(stack, 'Source', {
      replicationRules: [{ destination, priority: 1 }],
    });
    const template = Template.fromStack(stack);
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(source.encryptionKey!.node.defaultChild as kms.CfnKey), 'Arn'] };
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'kms:Decrypt', Resource: keyArn }));
  });
});

describe('snapshots', () => {
  test.each(MODES)('$name', (mode) => {
    const { template } = build(mode.sse(), { minimumTLSVersion: undefined });
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('strict mode with minimum TLS 1.3', () => {
    const { template } = build(ServerSideEncryption.kms({ bucketKey: true }), { requireEncryptionHeaders: true, minimumTLSVersion: 1.3 });
    expect(template.toJSON()).toMatchSnapshot();
  });
});

describe('EncryptionKey', () => {
  test('is symmetric, rotating and retained, with the given alias and periods', () => {
    const stack = newStack();
    new EncryptionKey(stack, 'Key', { alias: 'data', rotationPeriod: Duration.days(90), pendingWindow: Duration.days(7) });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({
        KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', EnableKeyRotation: true, RotationPeriodInDays: 90, PendingWindowInDays: 7,
      }),
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/data' });
  });

  test('the key policy trusts the account and denies kms:CreateGrant unless it is for an AWS resource', () => {
    const stack = newStack();
    new EncryptionKey(stack, 'Key');
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement;
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatchObject({ Effect: 'Allow', Action: 'kms:*', Resource: '*' });
    expect(JSON.stringify(statements[0].Principal)).toMatch(/:root/);
    // Both conditions in one operator block are ANDed: the deny fires only when the grant is not
    // for an AWS resource AND the caller is not an AWS service.
    expect(statements[1]).toEqual({
      Sid: 'DenyGrantsNotForAwsResources', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:CreateGrant', Resource: '*',
      Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    });
  });

  test('removalPolicy can be overridden', () => {
    const stack = newStack();
    new EncryptionKey(stack, 'Key', { removalPolicy: RemovalPolicy.DESTROY });
    Template.fromStack(stack).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  test('admins get administrative actions on the key, and no use of it', () => {
    const stack = newStack();
    const admin = new iam.Role(stack, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    const key = new EncryptionKey(stack, 'Key', { admins: [admin] });
    const template = Template.fromStack(stack);
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] };
    // Same-account admins are granted through their IAM policy, which the key policy allows by trusting the account.
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const onKey = statements.filter((s: any) => JSON.stringify(s.Resource) === JSON.stringify(keyArn)).flatMap((s: any) => [s.Action].flat());
    expect(onKey).toEqual(expect.arrayContaining(['kms:ScheduleKeyDeletion', 'kms:Put*']));
    expect(onKey).not.toContain('kms:Decrypt');
    expect(onKey).not.toContain('kms:GenerateDataKey*');
  });
});
