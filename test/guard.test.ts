import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, AspectPriority, Aspects, CfnResource, Fn, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  EncryptedBucket, EncryptionGuard, EncryptionGuardCheck as Check, EncryptionGuardProps, EncryptionKey,
  S3EncryptionStack, ServerSideEncryption,
} from '../lib';

const SSE = 's3:x-amz-server-side-encryption';
const SSE_C = 's3:x-amz-server-side-encryption-customer-algorithm';
const KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';

/** A construct from some other library that creates its own bucket. */
class VendorConstruct extends Construct {
  public readonly bucket: s3.Bucket;
  constructor(scope: Construct, id: string, props: s3.BucketProps = {}) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', props);
  }
}

/**
 * The mixed app of issue #4: plain, hardened-by-hand, L1, third-party-style nested, imported,
 * and an EncryptedBucket in each mode.
 */
function mixedApp(guard?: (stack: Stack) => EncryptionGuard) {
  const app = new App();
  const stack = new Stack(app, 'App');
  new s3.Bucket(stack, 'Plain');
  new s3.Bucket(stack, 'Hardened', {
    encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true, blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
  });
  const rotatingKey = new kms.Key(stack, 'RotatingKey', { enableKeyRotation: true });
  new s3.Bucket(stack, 'HardenedKms', {
    encryption: s3.BucketEncryption.KMS, encryptionKey: rotatingKey, enforceSSL: true,
    blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
  });
  new s3.CfnBucket(stack, 'L1');
  const l1WithPolicy = new s3.CfnBucket(stack, 'L1WithPolicy', {
    bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] },
  });
  // Its policy lives elsewhere in the tree, and allows plain HTTP.
  new s3.CfnBucketPolicy(new Construct(stack, 'Policies'), 'L1Policy', {
    bucket: l1WithPolicy.ref,
    policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:DeleteBucket', Resource: l1WithPolicy.attrArn }] },
  });
  // DSSE with the key that s3.Bucket creates, which does not rotate.
  const vendor = new VendorConstruct(stack, 'Vendor', { encryption: s3.BucketEncryption.DSSE });
  const vendorSseC = new VendorConstruct(stack, 'VendorSseC');
  new EncryptedBucket(stack, 'OursS3', { serverSideEncryption: ServerSideEncryption.s3Managed() });
  new EncryptedBucket(stack, 'OursKms', { serverSideEncryption: ServerSideEncryption.kms() });
  new EncryptedBucket(stack, 'OursKmsManaged', { serverSideEncryption: ServerSideEncryption.kmsManaged() });
  new EncryptedBucket(stack, 'OursDsse', { serverSideEncryption: ServerSideEncryption.dsseKms() });
  new EncryptedBucket(stack, 'OursSseC', { serverSideEncryption: ServerSideEncryption.customerProvided() });
  s3.Bucket.fromBucketName(stack, 'Imported', 'bucket-of-another-team');
  if (guard) {
    const g = guard(stack);
    Aspects.of(app).add(g, { priority: g.priority });
  }
  return { app, stack, vendor, vendorSseC, l1WithPolicy };
}

/** Every error annotation, as construct path -> the check codes its (single) message lists. */
function errorChecks(stack: Stack): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const error of Annotations.fromStack(stack).findError('*', Match.anyValue())) {
    expect(result[error.id]).toBeUndefined(); // one message per bucket
    const message = String(error.entry.data);
    result[error.id] = [...message.matchAll(/^- \[(\w+)\] .+ Fix: .+$/gm)].map((m) => m[1]);
    // Every finding line has its fix.
    expect(message.split('\n').filter((l) => l.startsWith('- ')).length).toBe(result[error.id].length);
  }
  return result;
}

function errorMessage(stack: Stack, constructPath: string): string {
  const errors = Annotations.fromStack(stack).findError(constructPath, Match.anyValue());
  expect(errors).toHaveLength(1);
  return String(errors[0].entry.data);
}

function resourceOf(template: Template, stack: Stack, construct: Construct): any {
  const cfn = (construct instanceof s3.CfnBucket ? construct : construct.node.defaultChild) as s3.CfnBucket;
  return template.toJSON().Resources[stack.getLogicalId(cfn)];
}

/** The statements of the one bucket policy whose Bucket is this bucket. */
function policyStatementsOf(template: Template, stack: Stack, bucket: Construct): any[] {
  const cfn = (bucket instanceof s3.CfnBucket ? bucket : bucket.node.defaultChild) as s3.CfnBucket;
  const policies = Object.values(template.findResources('AWS::S3::BucketPolicy', {
    Properties: { Bucket: { Ref: stack.getLogicalId(cfn) } },
  }));
  expect(policies).toHaveLength(1);
  return (policies[0] as any).Properties.PolicyDocument.Statement;
}

const IMPORTED_WARNING = /^EncryptionGuard cannot check or fix this imported bucket/;

describe('report mode', () => {
  test('each bucket that falls short gets one error listing every gap; EncryptedBuckets pass in every mode', () => {
    const { stack } = mixedApp(() => new EncryptionGuard());
    expect(errorChecks(stack)).toEqual({
      '/App/Plain/Resource': [Check.NO_EXPLICIT_ENCRYPTION_RULE, Check.TLS_NOT_REQUIRED, Check.SSE_C_NOT_BLOCKED],
      '/App/L1': [Check.NO_EXPLICIT_ENCRYPTION_RULE, Check.TLS_NOT_REQUIRED, Check.SSE_C_NOT_BLOCKED],
      '/App/L1WithPolicy': [Check.TLS_NOT_REQUIRED, Check.SSE_C_NOT_BLOCKED],
      '/App/Vendor/Bucket/Resource': [Check.TLS_NOT_REQUIRED, Check.SSE_C_NOT_BLOCKED, Check.KEY_NOT_ROTATING],
      '/App/VendorSseC/Bucket/Resource': [Check.NO_EXPLICIT_ENCRYPTION_RULE, Check.TLS_NOT_REQUIRED, Check.SSE_C_NOT_BLOCKED],
    });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue());
    expect(warnings.map((w) => w.id)).toEqual(['/App/Imported']);
    expect(String(warnings[0].entry.data)).toMatch(IMPORTED_WARNING);
  });

  test('the message names every gap with its fix', () => {
    const { stack } = mixedApp(() => new EncryptionGuard());
    expect(errorMessage(stack, '/App/Plain/Resource')).toBe([
      'EncryptionGuard: this bucket falls short in 3 ways:',
      '- [NoExplicitEncryptionRule] No default encryption rule with an SSEAlgorithm: the bucket relies on the implicit S3 default. ' +
        'Fix: use an EncryptedBucket, set encryption on the s3.Bucket, or set ' +
        'BucketEncryption.ServerSideEncryptionConfiguration[].ServerSideEncryptionByDefault.SSEAlgorithm on the CfnBucket.',
      '- [TlsNotRequired] No bucket policy statement denies plain-HTTP access in the shape compliance checkers read ' +
        '(Effect Deny, Principal *, Action s3:*, Resource [bucket ARN, bucket ARN/*], Condition {"Bool": {"aws:SecureTransport": "false"}}). ' +
        'Fix: use an EncryptedBucket, set enforceSSL: true on the s3.Bucket, or add that statement to the bucket policy.',
      '- [SseCNotBlocked] SSE-C uploads are not blocked (no BlockedEncryptionTypes ["SSE-C"] on the encryption rule). ' +
        'Fix: use an EncryptedBucket, set blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C] on the s3.Bucket, ' +
        'or list the bucket in customerProvidedBuckets if it is meant for SSE-C.',
    ].join('\n'));
    expect(errorMessage(stack, '/App/Vendor/Bucket/Resource')).toContain(
      '- [KeyNotRotating] Its customer managed key App/Vendor/Bucket/Key/Resource does not rotate. ' +
      'Fix: use an EncryptionKey (always rotates), or set enableKeyRotation: true on the key.');
  });

  test('requireKms: SSE-S3, the AWS managed key and no rule fall short; SSE-C buckets are exempt', () => {
    const { stack } = mixedApp(() => new EncryptionGuard({ requireKms: true }));
    expect(errorChecks(stack)).toEqual({
      '/App/Plain/Resource': [Check.NO_EXPLICIT_ENCRYPTION_RULE, Check.TLS_NOT_REQUIRED, Check.SSE_C_NOT_BLOCKED, Check.KMS_REQUIRED],
      '/App/Hardened/Resource': [Check.KMS_REQUIRED],
      '/App/L1': [Check.NO_EXPLICIT_ENCRYPTION_RULE, Check.TLS_NOT_REQUIRED, Check.SSE_C_NOT_BLOCKED, Check.KMS_REQUIRED],
      '/App/L1WithPolicy': [Check.TLS_NOT_REQUIRED, Check.SSE_C_NOT_BLOCKED, Check.KMS_REQUIRED],
      '/App/Vendor/Bucket/Resource': [Check.TLS_NOT_REQUIRED, Check.SSE_C_NOT_BLOCKED, Check.KEY_NOT_ROTATING],
      '/App/VendorSseC/Bucket/Resource': [Check.NO_EXPLICIT_ENCRYPTION_RULE, Check.TLS_NOT_REQUIRED, Check.SSE_C_NOT_BLOCKED, Check.KMS_REQUIRED],
      '/App/OursS3/Resource': [Check.KMS_REQUIRED],
      '/App/OursKmsManaged/Resource': [Check.KMS_REQUIRED],
    });
    expect(errorMessage(stack, '/App/OursKmsManaged/Resource')).toContain(
      'Default encryption is aws:kms with the AWS managed key aws/s3, but this guard requires SSE-KMS or DSSE-KMS with a customer managed key.');
    expect(errorMessage(stack, '/App/Hardened/Resource')).toContain('Default encryption is SSE-S3 (AES256)');
  });

  test('a bucket listed in customerProvidedBuckets must allow only SSE-C', () => {
    const { stack } = mixedApp((s) => new EncryptionGuard({
      requireKms: true, customerProvidedBuckets: [s.node.findChild('VendorSseC')],
    }));
    expect(errorChecks(stack)['/App/VendorSseC/Bucket/Resource']).toEqual(
      [Check.NO_EXPLICIT_ENCRYPTION_RULE, Check.TLS_NOT_REQUIRED, Check.SSE_C_NOT_ENFORCED]);
    expect(errorMessage(stack, '/App/VendorSseC/Bucket/Resource')).toContain('- [SseCNotEnforced] The bucket is meant for SSE-C, but its ' +
      'encryption rule does not state BlockedEncryptionTypes ["NONE"] explicitly, and no bucket policy statement denies uploads without SSE-C headers.');
  });

  test('an SSE-C bucket that blocks SSE-C is reported', () => {
    const app = new App();
    const stack = new Stack(app, 'App');
    const bucket = new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: ServerSideEncryption.s3Managed() });
    Aspects.of(app).add(new EncryptionGuard({ customerProvidedBuckets: [bucket] }), { priority: AspectPriority.READONLY });
    expect(errorChecks(stack)).toEqual({ '/App/Bucket/Resource': [Check.SSE_C_NOT_ENFORCED] });
    expect(errorMessage(stack, '/App/Bucket/Resource')).toContain('its encryption rule blocks SSE-C, and no bucket policy statement ' +
      'denies uploads without SSE-C headers');
  });

  test('report mode changes nothing in the template', () => {
    const plain = Template.fromStack(mixedApp().stack).toJSON();
    const guarded = Template.fromStack(mixedApp(() => new EncryptionGuard({ requireKms: true })).stack).toJSON();
    expect(guarded).toEqual(plain);
  });

  test('the reference stack passes; with requireKms only its SSE-S3 demo bucket falls short (the log target is exempt)', () => {
    for (const requireKms of [false, true]) {
      const app = new App();
      const stack = new S3EncryptionStack(app, 'Ref');
      Aspects.of(app).add(new EncryptionGuard({ requireKms }), { priority: AspectPriority.READONLY });
      // The access-log bucket must use SSE-S3: requireKms does not apply to it (test/guard-composition.test.ts).
      expect(errorChecks(stack)).toEqual(requireKms ? {
        '/Ref/S3ManagedBucket/Resource': [Check.KMS_REQUIRED],
      } : {});
    }
  });
});

describe('remediate mode', () => {
  function remediated(props: EncryptionGuardProps = {}) {
    const built = mixedApp((s) => new EncryptionGuard({ remediate: true, customerProvidedBuckets: [s.node.findChild('VendorSseC')], ...props }));
    return { ...built, template: Template.fromStack(built.stack) };
  }

  test('only what cannot be fixed safely is still reported', () => {
    const { stack } = remediated();
    expect(errorChecks(stack)).toEqual({
      '/App/L1': [Check.TLS_NOT_REQUIRED],
      '/App/L1WithPolicy': [Check.TLS_NOT_REQUIRED],
    });
    expect(errorMessage(stack, '/App/L1')).toContain('Not fixed by remediate: EncryptionGuard writes no policy statements for an ' +
      'L1 CfnBucket (its policy may live elsewhere, and a second policy would replace it).');
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => w.id)).toEqual(['/App/Imported']);
  });

  test('a plain s3.Bucket gets what an SSE-S3 EncryptedBucket has', () => {
    const { stack, template } = remediated();
    const plain = stack.node.findChild('Plain');
    expect(resourceOf(template, stack, plain).Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
        BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
      }],
    });
    const arn = { 'Fn::GetAtt': [stack.getLogicalId(plain.node.defaultChild as s3.CfnBucket), 'Arn'] };
    const objects = { 'Fn::Join': ['', [arn, '/*']] };
    expect(policyStatementsOf(template, stack, plain)).toEqual([
      { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [arn, objects], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      { Sid: 'DenyIncorrectEncryptionHeader', Effect: 'Deny', Principal: '*', Action: ['s3:PutObject', 's3:ReplicateObject'], Resource: objects, Condition: { StringNotEquals: { [SSE]: 'AES256' }, Null: { [SSE]: 'false' } } },
      { Sid: 'DenyCustomerProvidedKeys', Effect: 'Deny', Principal: '*', Action: ['s3:PutObject', 's3:ReplicateObject'], Resource: objects, Condition: { Null: { [SSE_C]: 'false' } } },
      { Sid: 'DenyUpdateObjectEncryption', Effect: 'Deny', Principal: '*', Action: 's3:UpdateObjectEncryption', Resource: objects },
    ]);
  });

  test.each([
    { name: 'S3_MANAGED', encryption: s3.BucketEncryption.S3_MANAGED, ours: () => ServerSideEncryption.s3Managed() },
    { name: 'KMS', encryption: s3.BucketEncryption.KMS, ours: () => ServerSideEncryption.kms() },
    { name: 'KMS_MANAGED', encryption: s3.BucketEncryption.KMS_MANAGED, ours: () => ServerSideEncryption.kmsManaged() },
    { name: 'DSSE', encryption: s3.BucketEncryption.DSSE, ours: () => ServerSideEncryption.dsseKms() },
    { name: 'DSSE_MANAGED (no EncryptedBucket equivalent: TLS only)', encryption: s3.BucketEncryption.DSSE_MANAGED, ours: undefined },
  ])('an s3.Bucket with encryption $name gets the statements of the EncryptedBucket of that mode', ({ encryption, ours }) => {
    const app = new App();
    const stack = new Stack(app, 'App');
    const plain = new s3.Bucket(stack, 'Plain', { encryption });
    const reference = ours ? new EncryptedBucket(stack, 'Reference', { serverSideEncryption: ours() }) : undefined;
    Aspects.of(app).add(new EncryptionGuard({ remediate: true }), { priority: AspectPriority.MUTATING });
    const template = Template.fromStack(stack);
    expect(errorChecks(stack)).toEqual({});
    const sids = (bucket: Construct) => policyStatementsOf(template, stack, bucket).map((st) => st.Sid);
    expect(sids(plain)).toEqual(reference ? sids(reference) : ['DenyInsecureTransport']);
    expect(resourceOf(template, stack, plain).Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].BlockedEncryptionTypes)
      .toEqual({ EncryptionType: ['SSE-C'] });
  });

  test('a TLS statement counts only with this bucket\'s own ARNs: another bucket\'s, in this stack or another, do not', () => {
    const app = new App();
    const stack = new Stack(app, 'App');
    const other = new s3.Bucket(stack, 'Other', { encryption: s3.BucketEncryption.S3_MANAGED });
    const elsewhere = new s3.Bucket(new Stack(app, 'Elsewhere'), 'Bucket', { encryption: s3.BucketEncryption.S3_MANAGED });
    const tlsDeny = (resources: string[]) => new iam.PolicyStatement({
      effect: iam.Effect.DENY, principals: [new iam.AnyPrincipal()], actions: ['s3:*'], resources,
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    const withStatement = (id: string, resources: (b: s3.Bucket) => string[]) => {
      const bucket = new s3.Bucket(stack, id, { encryption: s3.BucketEncryption.S3_MANAGED });
      bucket.addToResourcePolicy(tlsDeny(resources(bucket)));
    };
    withStatement('OwnArns', (b) => [b.bucketArn, b.arnForObjects('*')]);
    withStatement('OthersObjects', (b) => [b.bucketArn, other.arnForObjects('*')]);
    withStatement('OthersBucket', (b) => [other.bucketArn, b.arnForObjects('*')]);
    withStatement('ElsewhereObjects', (b) => [b.bucketArn, elsewhere.arnForObjects('*')]);
    withStatement('JoinedByHand', (b) => [b.bucketArn, Fn.join('', [b.bucketArn, '/*'])]);
    withStatement('OtherSuffix', (b) => [b.bucketArn, Fn.join('', [b.bucketArn, '/logs/*'])]);
    Aspects.of(app).add(new EncryptionGuard(), { priority: AspectPriority.MUTATING });
    const tlsFindings = Object.entries(errorChecks(stack))
      .filter(([, checks]) => checks.includes(Check.TLS_NOT_REQUIRED)).map(([p]) => p).sort();
    expect(tlsFindings).toEqual([
      '/App/ElsewhereObjects/Resource', '/App/Other/Resource', '/App/OtherSuffix/Resource', '/App/OthersBucket/Resource',
      '/App/OthersObjects/Resource',
    ]);
  });

  test('a bucket with two policies gets no statement and is reported', () => {
    const app = new App();
    const stack = new Stack(app, 'App');
    const bucket = new s3.Bucket(stack, 'Bucket', { encryption: s3.BucketEncryption.S3_MANAGED });
    for (const id of ['First', 'Second']) {
      new s3.BucketPolicy(stack, id, { bucket }).document.addStatements(new iam.PolicyStatement({
        effect: iam.Effect.DENY, principals: [new iam.AnyPrincipal()], actions: ['s3:DeleteBucket'], resources: [bucket.bucketArn],
      }));
    }
    Aspects.of(app).add(new EncryptionGuard({ remediate: true }), { priority: AspectPriority.MUTATING });
    expect(errorChecks(stack)).toEqual({ '/App/Bucket/Resource': [Check.TLS_NOT_REQUIRED] });
    expect(errorMessage(stack, '/App/Bucket/Resource')).toContain('Not fixed by remediate: 2 bucket policies target the bucket ' +
      '(App/First/Resource, App/Second/Resource); only one takes effect.');
    expect(JSON.stringify(Template.fromStack(stack).findResources('AWS::S3::BucketPolicy'))).not.toContain('DenyIncorrectEncryptionHeader');
  });

  test('a hand-hardened bucket keeps its own TLS statement and gains the header statements', () => {
    const { stack, template } = remediated();
    const statements = policyStatementsOf(template, stack, stack.node.findChild('Hardened'));
    const tls = statements.filter((s) => s.Condition?.Bool?.['aws:SecureTransport'] === 'false');
    expect(tls).toHaveLength(1);
    expect(tls[0].Sid).toBeUndefined(); // the one enforceSSL wrote
    expect(statements.map((s) => s.Sid)).toEqual([undefined, 'DenyIncorrectEncryptionHeader', 'DenyCustomerProvidedKeys',
      'DenyUpdateObjectEncryption']);
  });

  test('a nested DSSE bucket gets its key rotating and the DSSE header statements with the key ARN', () => {
    const { stack, template, vendor } = remediated();
    const cfnKey = vendor.bucket.encryptionKey!.node.defaultChild as kms.CfnKey;
    expect(template.toJSON().Resources[stack.getLogicalId(cfnKey)].Properties.EnableKeyRotation).toBe(true);
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(cfnKey), 'Arn'] };
    const statements = policyStatementsOf(template, stack, vendor.bucket);
    expect(statements.map((s) => s.Sid)).toEqual(['DenyInsecureTransport', 'DenyIncorrectEncryptionHeader',
      'DenyIncorrectEncryptionKey', 'DenyMissingEncryptionKeyId', 'DenyCustomerProvidedKeys', 'DenyUpdateObjectEncryption']);
    expect(statements[1].Condition.StringNotEquals[SSE]).toBe('aws:kms:dsse');
    expect(statements[2].Condition.StringNotEquals[KEY_ID]).toEqual(keyArn);
    expect(resourceOf(template, stack, vendor.bucket).Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse', KMSMasterKeyID: keyArn },
      BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
    }]);
  });

  test('a bucket listed for SSE-C gets SSE-C stated as allowed, and only SSE-C uploads', () => {
    const { stack, template, vendorSseC } = remediated();
    expect(resourceOf(template, stack, vendorSseC.bucket).Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
      BlockedEncryptionTypes: { EncryptionType: ['NONE'] },
    }]);
    const statements = policyStatementsOf(template, stack, vendorSseC.bucket);
    expect(statements.map((s) => s.Sid)).toEqual(['DenyInsecureTransport', 'DenyIncorrectEncryptionHeader', 'DenyMissingCustomerProvidedKey',
      'DenyUpdateObjectEncryption']);
    expect(statements[2].Condition).toEqual({ Null: { [SSE_C]: 'true' } });
  });

  test('an L1 bucket gets its rule fixed in place, but no policy', () => {
    const { stack, template, l1WithPolicy } = remediated();
    expect(resourceOf(template, stack, l1WithPolicy).Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
      BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
    }]);
    expect(resourceOf(template, stack, stack.node.findChild('L1')).Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
      BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
    }]);
    // The policy elsewhere is left as it was; no second policy for either L1 bucket.
    expect(policyStatementsOf(template, stack, l1WithPolicy)).toEqual([
      { Effect: 'Deny', Principal: '*', Action: 's3:DeleteBucket', Resource: { 'Fn::GetAtt': [stack.getLogicalId(l1WithPolicy), 'Arn'] } },
    ]);
    expect(template.findResources('AWS::S3::BucketPolicy', {
      Properties: { Bucket: { Ref: stack.getLogicalId(stack.node.findChild('L1') as s3.CfnBucket) } },
    })).toEqual({});
  });

  test('EncryptedBuckets are left exactly as they are', () => {
    const before = Template.fromStack(mixedApp().stack).toJSON().Resources;
    const after = remediated().template.toJSON().Resources;
    const ours = Object.keys(before).filter((id) => id.startsWith('Ours'));
    expect(ours.length).toBeGreaterThanOrEqual(10); // buckets, policies and keys
    for (const id of ours) {
      expect(after[id]).toEqual(before[id]);
    }
  });

  test('the encryption mode is never changed: requireKms gaps stay reported, with the reason', () => {
    const { stack } = remediated({ requireKms: true });
    expect(errorChecks(stack)).toEqual({
      '/App/Plain/Resource': [Check.KMS_REQUIRED],
      '/App/Hardened/Resource': [Check.KMS_REQUIRED],
      '/App/L1': [Check.TLS_NOT_REQUIRED, Check.KMS_REQUIRED],
      '/App/L1WithPolicy': [Check.TLS_NOT_REQUIRED, Check.KMS_REQUIRED],
      '/App/OursS3/Resource': [Check.KMS_REQUIRED],
      '/App/OursKmsManaged/Resource': [Check.KMS_REQUIRED],
    });
    expect(errorMessage(stack, '/App/Plain/Resource')).toContain(
      'Not fixed by remediate: EncryptionGuard never changes the encryption mode: that needs a key and changes who can read new objects.');
  });

  test('an L2 bucket whose policy is a raw CfnBucketPolicy elsewhere gets no second policy', () => {
    const app = new App();
    const stack = new Stack(app, 'App');
    const bucket = new s3.Bucket(stack, 'Bucket', { encryption: s3.BucketEncryption.S3_MANAGED });
    new s3.CfnBucketPolicy(stack, 'RawPolicy', {
      bucket: bucket.bucketName,
      policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:DeleteBucket', Resource: bucket.bucketArn }] },
    });
    Aspects.of(app).add(new EncryptionGuard({ remediate: true }), { priority: AspectPriority.MUTATING });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::BucketPolicy', 1);
    expect(errorChecks(stack)).toEqual({ '/App/Bucket/Resource': [Check.TLS_NOT_REQUIRED] });
    expect(errorMessage(stack, '/App/Bucket/Resource')).toContain(
      'Not fixed by remediate: its bucket policy is the L1 CfnBucketPolicy App/RawPolicy, whose document EncryptionGuard does not edit.');
    // The rule is still fixed.
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } },
        ],
      },
    });
  });

  test('a read-only guard after the remediating one sees only what is left', () => {
    const { app, stack } = mixedApp((s) => new EncryptionGuard({ remediate: true, customerProvidedBuckets: [s.node.findChild('VendorSseC')] }));
    Aspects.of(app).add(new EncryptionGuard({ customerProvidedBuckets: [stack.node.findChild('VendorSseC')] }), { priority: AspectPriority.READONLY });
    const errors = Annotations.fromStack(stack).findError('*', Match.anyValue());
    // Both guards report the two L1 buckets, nothing else.
    expect(errors.map((e) => e.id).sort()).toEqual(['/App/L1', '/App/L1', '/App/L1WithPolicy', '/App/L1WithPolicy']);
  });
});

describe('the TLS-only statement is recognized in the shape checkers read', () => {
  const CT_S3_PR_8 = path.join(path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
    'rules/control-tower/cfn-guard/s3/ct-s3-pr-8.guard');
  const good = (arn: string) => ({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [arn, `${arn}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  const extraCondition = { Bool: { 'aws:SecureTransport': 'false' }, StringEquals: { 'aws:PrincipalAccount': '111122223333' } };
  // What cdk-nag (AwsSolutions-S10) and Control Tower (CT.S3.PR.8) say of each shape; the guard
  // must accept a statement exactly when both do.
  test.each([
    { name: 'Principal *', statement: (arn: string) => good(arn), nag: true, ct: true },
    { name: 'Principal {AWS: *} and Action *', statement: (arn: string) => ({ ...good(arn), Principal: { AWS: '*' }, Action: '*' }), nag: true, ct: true },
    { name: 'only the bucket ARN', statement: (arn: string) => ({ ...good(arn), Resource: [arn] }), nag: false, ct: false },
    { name: 'only some actions', statement: (arn: string) => ({ ...good(arn), Action: ['s3:GetObject', 's3:PutObject'] }), nag: false, ct: false },
    { name: 'an Allow', statement: (arn: string) => ({ ...good(arn), Effect: 'Allow' }), nag: false, ct: false },
    { name: 'one principal', statement: (arn: string) => ({ ...good(arn), Principal: { AWS: 'arn:aws:iam::111122223333:root' } }), nag: false, ct: false },
    { name: 'an extra condition', statement: (arn: string) => ({ ...good(arn), Condition: extraCondition }), nag: true, ct: false },
    { name: 'a boolean false', statement: (arn: string) => ({ ...good(arn), Condition: { Bool: { 'aws:SecureTransport': false } } }), nag: true, ct: false },
  ])('$name', ({ statement, nag, ct }) => {
    function build(app: App): Stack {
      const stack = new Stack(app, 'App');
      const bucket = new s3.CfnBucket(stack, 'Bucket', {
        bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, blockedEncryptionTypes: { encryptionType: ['SSE-C'] } }] },
      });
      new s3.CfnBucketPolicy(stack, 'Policy', { bucket: bucket.ref, policyDocument: { Version: '2012-10-17', Statement: [statement(bucket.attrArn)] } });
      return stack;
    }
    const app = new App();
    const stack = build(app);
    Aspects.of(app).add(new EncryptionGuard(), { priority: AspectPriority.READONLY });
    expect(errorChecks(stack)).toEqual(nag && ct ? {} : { '/App/Bucket': [Check.TLS_NOT_REQUIRED] });

    const nagFindings = new AwsSolutionsChecks().validateScope(stack).violations.filter((v) => v.ruleName === 'AwsSolutions-S10');
    expect(nagFindings.length === 0).toBe(nag);

    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-tls-'));
    try {
      const ctApp = new App({ outdir });
      build(ctApp);
      Validations.of(ctApp).addPlugins(new CfnGuardValidator({ controlTowerRulesEnabled: false, rules: [CT_S3_PR_8] }));
      let failure = '';
      try {
        ctApp.synth();
      } catch (e) {
        failure = String(e);
      }
      expect(failure).toMatch(ct ? /^$/ : /s3_bucket_policy_ssl_requests_only_check/);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('keys', () => {
  function l1Bucket(key: (stack: Stack) => string) {
    const app = new App();
    const stack = new Stack(app, 'App');
    const kmsMasterKeyId = key(stack);
    const bucket = new s3.CfnBucket(stack, 'Bucket', {
      bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId }, blockedEncryptionTypes: { encryptionType: ['SSE-C'] } }] },
    });
    new s3.CfnBucketPolicy(stack, 'Policy', {
      bucket: bucket.ref,
      policyDocument: { Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [bucket.attrArn, `${bucket.attrArn}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] },
    });
    return { app, stack };
  }

  test.each([
    { name: 'a key in the app, by ARN', key: (s: Stack) => new EncryptionKey(s, 'Key').keyArn, expected: [] },
    { name: 'a key in the app, by key id', key: (s: Stack) => new EncryptionKey(s, 'Key').keyId, expected: [Check.KEY_NOT_NAMED_BY_ARN] },
    { name: 'an alias', key: () => 'alias/data', expected: [Check.KEY_NOT_NAMED_BY_ARN] },
    { name: 'the AWS managed key by alias', key: () => 'alias/aws/s3', expected: [Check.KMS_REQUIRED] },
    { name: 'an imported key ARN (rotation not checkable)', key: () => 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', expected: [] },
    { name: 'a key without rotation', key: (s: Stack) => new kms.Key(s, 'Key').keyArn, expected: [Check.KEY_NOT_ROTATING] },
  ])('$name', ({ key, expected }) => {
    const { app, stack } = l1Bucket(key);
    Aspects.of(app).add(new EncryptionGuard({ requireKms: true }), { priority: AspectPriority.READONLY });
    expect(errorChecks(stack)).toEqual(expected.length ? { '/App/Bucket': expected } : {});
  });

  test('remediate turns on rotation for a key defined in another stack of the app', () => {
    const app = new App();
    const keys = new Stack(app, 'Keys');
    const key = new kms.Key(keys, 'Key');
    const stack = new Stack(app, 'App');
    new s3.Bucket(stack, 'Bucket', { encryption: s3.BucketEncryption.KMS, encryptionKey: key });
    Aspects.of(app).add(new EncryptionGuard({ remediate: true, requireKms: true }), { priority: AspectPriority.MUTATING });
    expect(errorChecks(stack)).toEqual({});
    Template.fromStack(keys).hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });
});

describe('setup', () => {
  test('priority follows the mode', () => {
    expect(new EncryptionGuard().priority).toBe(AspectPriority.READONLY);
    expect(new EncryptionGuard({ remediate: true }).priority).toBe(AspectPriority.MUTATING);
  });

  test.each([
    { remediate: false, priority: AspectPriority.MUTATING },
    { remediate: true, priority: AspectPriority.READONLY },
    { remediate: true, priority: undefined },
  ])('warns when added with a priority that does not match (remediate: $remediate, priority: $priority)', ({ remediate, priority }) => {
    const stack = new Stack(new App(), 'App');
    new EncryptedBucket(stack, 'Bucket');
    Aspects.of(stack).add(new EncryptionGuard({ remediate }), { priority });
    const annotations = Annotations.fromStack(stack);
    const warnings = annotations.findWarning('/App', Match.stringLikeRegexp(
      `^EncryptionGuard with remediate: ${remediate} should be added with priority AspectPriority\\.(MUTATING|READONLY)`));
    expect(warnings).toHaveLength(1);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });

  test('the bare form Aspects.of(app).add(new EncryptionGuard()) still finds an unprotected bucket', () => {
    const stack = new Stack(new App(), 'App');
    new s3.Bucket(stack, 'Plain');
    Aspects.of(stack).add(new EncryptionGuard());
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('TlsNotRequired'));
    expect(errors).toHaveLength(1);
  });

  test('no error when added with guard.priority', () => {
    const stack = new Stack(new App(), 'App');
    new EncryptedBucket(stack, 'Bucket');
    const guard = new EncryptionGuard({ remediate: true });
    Aspects.of(stack).add(guard, { priority: guard.priority });
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });

  test.each([
    { props: { requireKms: 'yes' }, message: /EncryptionGuard: requireKms must be true or false \(got "yes"\)/ },
    { props: { remediate: 1 }, message: /EncryptionGuard: remediate must be true or false \(got 1\)/ },
    { props: { customerProvidedBuckets: ['my-bucket'] }, message: /customerProvidedBuckets must be an array of constructs/ },
  ])('fails when given $props', ({ props, message }) => {
    expect(() => new EncryptionGuard(props as any)).toThrow(message);
  });

  test('a generic CfnResource bucket is reported as not inspectable', () => {
    const app = new App();
    const stack = new Stack(app, 'App');
    new CfnResource(stack, 'Raw', { type: 'AWS::S3::Bucket' });
    Aspects.of(app).add(new EncryptionGuard(), { priority: AspectPriority.READONLY });
    expect(errorChecks(stack)).toEqual({ '/App/Raw': [Check.NOT_INSPECTABLE] });
  });
});
