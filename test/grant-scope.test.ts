/**
 * Proves, with the independent IAM evaluator, that the KMS permissions of every bucket grant are
 * usable only through S3 and only for the granted bucket, in every mode with a customer managed
 * key, for principals of the bucket's account (IAM policy) and of another account (key policy).
 *
 * From the semantics: S3 calls KMS as the requesting principal, setting kms:ViaService to
 * s3.<bucket region>.amazonaws.com and the encryption context aws:s3:arn to the bucket ARN (S3
 * Bucket Keys on) or the object ARN (off, and always with DSSE-KMS). A caller who calls KMS
 * directly can send any encryption context, but no kms:ViaService. So the expected verdict of a
 * request is Allowed exactly when the grant is meant to let S3 perform that operation (readers
 * decrypt; writers generate data keys and decrypt), the request comes through S3 in the bucket's
 * region, and its aws:s3:arn names the granted bucket or one of its objects.
 *
 * The evaluator cannot carry kms:EncryptionContext:aws:s3:arn (see policy-eval/encryption-context.ts):
 * the requests and policies are rewritten to a stand-in key first, and the first tests below
 * prove that the stand-in decides the condition as the real key would.
 */
import { Annotations as CdkAnnotations, App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptedBucket, EncryptionKey, ServerSideEncryption } from '../lib';
import { KEY_POLICY_NOT_SCOPED_TO_BUCKET } from '../lib/private/grants';
import { evaluateKms, S3_ARN_CONTEXT_KEY, STAND_IN_KEY, substituteS3ArnContext } from './policy-eval/encryption-context';
import { evaluate, EvalRequest, EvaluationInputError } from './policy-eval/evaluate';
import { GRANT_KINDS, GrantKind, grantFixture, NEIGHBOUR, S3_KMS_ACTIONS, SHARED_KEY_BUCKETS } from './policy-eval/grant-fixture';
import { OTHER_ACCOUNT, TEST_ACCOUNT, TEST_REGION } from './policy-eval/resolve';

/**
 * kms:ViaService in an environment-agnostic stack: S3 in the stack's region, by the name the KMS
 * guide documents and by the partition's endpoint suffix (the same string in the aws partition;
 * `.amazonaws.com.cn` in China, where the guide does not say which one KMS sets).
 */
const VIA_S3_AGNOSTIC = [
  { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
  { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
];

const VIA_S3 = `s3.${TEST_REGION}.amazonaws.com`;

/** How the KMS request reaches KMS, and what it names. */
interface Route {
  readonly name: string;
  /** kms:ViaService, absent for a direct call. */
  readonly via?: string;
  /** Which bucket the aws:s3:arn names: the granted one, the neighbour under the same key, or none. */
  readonly bucket: 'granted' | 'neighbour' | 'none';
  /** Whether aws:s3:arn is the bucket ARN (Bucket Keys on) or an object ARN. */
  readonly arnForm: 'bucket' | 'object';
  /** Whether the grant lets this route through, given that the grant covers the operation. */
  readonly allowed: boolean;
}

const ROUTES: Route[] = [
  { name: 'through S3, this bucket, Bucket Key context (bucket ARN)', via: VIA_S3, bucket: 'granted', arnForm: 'bucket', allowed: true },
  { name: 'through S3, this bucket, object context (object ARN)', via: VIA_S3, bucket: 'granted', arnForm: 'object', allowed: true },
  { name: 'directly, naming an object of this bucket', bucket: 'granted', arnForm: 'object', allowed: false },
  { name: 'directly, naming this bucket', bucket: 'granted', arnForm: 'bucket', allowed: false },
  { name: 'through S3, an object of another bucket under the same key', via: VIA_S3, bucket: 'neighbour', arnForm: 'object', allowed: false },
  { name: 'through S3, another bucket under the same key (Bucket Key)', via: VIA_S3, bucket: 'neighbour', arnForm: 'bucket', allowed: false },
  { name: 'through S3 in another region', via: 's3.us-east-1.amazonaws.com', bucket: 'granted', arnForm: 'object', allowed: false },
  { name: 'through another service', via: `dynamodb.${TEST_REGION}.amazonaws.com`, bucket: 'granted', arnForm: 'object', allowed: false },
  { name: 'through S3 without an encryption context', via: VIA_S3, bucket: 'none', arnForm: 'object', allowed: false },
];

function s3Arn(bucketArn: string, form: Route['arnForm']): string {
  return form === 'bucket' ? bucketArn : `${bucketArn}/reports/2024/data.csv`;
}

function kmsRequest(principalArn: string, action: string, route: Route, grantedBucketArn: string, callerAccount: string): EvalRequest {
  const fixture = grantFixture();
  const context: Record<string, string> = { 'kms:CallerAccount': callerAccount, 'aws:SecureTransport': 'true' };
  if (route.via) context['kms:ViaService'] = route.via;
  if (route.bucket !== 'none') {
    const bucketArn = route.bucket === 'granted' ? grantedBucketArn : fixture.bucketArns[NEIGHBOUR.id];
    context[S3_ARN_CONTEXT_KEY] = s3Arn(bucketArn, route.arnForm);
  }
  return { principal: principalArn, action, resource: fixture.keyArn, resourceAccount: TEST_ACCOUNT, context };
}

beforeAll(() => {
  grantFixture();
});

describe('the stand-in for kms:EncryptionContext:aws:s3:arn decides the condition as the real key would', () => {
  const principal = `arn:aws:iam::${TEST_ACCOUNT}:role/R`;
  const keyArn = `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const policies = {
    identity: [{
      name: 'p',
      policy: {
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn,
          Condition: { StringLike: { [S3_ARN_CONTEXT_KEY]: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'] } },
        }],
      },
    }],
    resource: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
    },
  };
  const request = (value?: string): EvalRequest => ({
    principal, action: 'kms:Decrypt', resource: keyArn, resourceAccount: TEST_ACCOUNT,
    context: value === undefined ? {} : { [S3_ARN_CONTEXT_KEY]: value },
  });

  test('the evaluator on its own cannot carry the real key: evaluate() refuses rather than ignore it', async () => {
    await expect(evaluate(request('arn:aws:s3:::b'), policies)).rejects.toThrow(EvaluationInputError);
  });

  test.each([
    ['arn:aws:s3:::b', 'Allowed'],
    ['arn:aws:s3:::b/any/object', 'Allowed'],
    ['arn:aws:s3:::b2/x', 'ImplicitlyDenied'],
    ['arn:aws:s3:::c', 'ImplicitlyDenied'],
    [undefined, 'ImplicitlyDenied'],
  ])('aws:s3:arn %s -> %s', async (value, expected) => {
    expect(await evaluateKms(request(value), policies)).toBe(expected);
  });

  test('only that key is renamed, in the request and in the policies', async () => {
    const rewritten = await substituteS3ArnContext(request('arn:aws:s3:::b'), policies);
    expect(rewritten.request.context).toEqual({ [STAND_IN_KEY]: 'arn:aws:s3:::b' });
    expect(rewritten.policies.identity[0].policy.Statement).toEqual([{
      Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn,
      Condition: { StringLike: { [STAND_IN_KEY]: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'] } },
    }]);
    expect(rewritten.policies.resource).toEqual(policies.resource);
  });

  test('a policy that already uses the stand-in key is refused', async () => {
    const clash = { identity: [{ name: 'p', policy: { Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { [STAND_IN_KEY]: 'SYMMETRIC_DEFAULT' } } }] } }] };
    await expect(substituteS3ArnContext(request('arn:aws:s3:::b'), clash)).rejects.toThrow(/already uses/);
  });
});

// Same-account grantees: the grant is in the role's IAM policy; the key policy trusts the account.
const SAME_ACCOUNT_CASES = Object.keys(SHARED_KEY_BUCKETS).flatMap((bucketId) =>
  (Object.keys(GRANT_KINDS) as GrantKind[]).flatMap((kind) =>
    S3_KMS_ACTIONS.flatMap((action) => ROUTES.map((route) => ({
      bucketId, kind, action, route: route.name,
      expected: GRANT_KINDS[kind].uses.includes(action) && route.allowed ? 'Allowed' : 'ImplicitlyDenied',
    })))));

test('the matrix covers every grant kind, both S3 operations, every route and every mode with a customer managed key', () => {
  expect(SAME_ACCOUNT_CASES).toHaveLength(3 * 6 * 2 * ROUTES.length);
  expect(SAME_ACCOUNT_CASES.filter((c) => c.expected === 'Allowed')).toHaveLength(3 * (1 + 2 + 2 + 2 + 1 + 1) * 2);
});

test.each(SAME_ACCOUNT_CASES)('$bucketId.$kind: $action $route -> $expected', async ({ bucketId, kind, action, route, expected }) => {
  const fixture = grantFixture();
  const grant = fixture.grants[`${bucketId}/${kind}`];
  const verdict = await evaluateKms(
    kmsRequest(grant.principal.arn, action, ROUTES.find((r) => r.name === route)!, fixture.bucketArns[bucketId], TEST_ACCOUNT),
    { identity: grant.principal.identity, resource: fixture.keyPolicy },
  );
  expect(verdict).toBe(expected);
});

// Another account's principal: aws-cdk-lib puts the grant into the key policy; the principal's
// own account allows it every KMS action on the key, so only the key policy limits it.
const OTHER_ACCOUNT_CASES = (['read', 'write'] as const).flatMap((kind) =>
  S3_KMS_ACTIONS.flatMap((action) => ROUTES.map((route) => ({
    kind, action, route: route.name,
    expected: GRANT_KINDS[kind].uses.includes(action) && route.allowed ? 'Allowed' : 'ImplicitlyDenied',
  }))));

test.each(OTHER_ACCOUNT_CASES)('another account, $kind on KmsBucketKey: $action $route -> $expected', async ({ kind, action, route, expected }) => {
  const fixture = grantFixture();
  const principal = fixture.otherAccount[kind];
  const verdict = await evaluateKms(
    kmsRequest(principal.arn, action, ROUTES.find((r) => r.name === route)!, fixture.bucketArns.KmsBucketKey, OTHER_ACCOUNT),
    { identity: principal.identity, resource: fixture.keyPolicy },
  );
  expect(verdict).toBe(expected);
});

test('another account is not granted the neighbour or any other bucket: without the key-policy statement it is denied', async () => {
  const fixture = grantFixture();
  const withoutGrants = {
    ...fixture.keyPolicy,
    Statement: [fixture.keyPolicy.Statement].flat().filter((s) => !JSON.stringify(s.Principal ?? '').includes(OTHER_ACCOUNT)),
  };
  // Three statements name the other account: the reader's Decrypt and its DescribeKey (kept apart,
  // as it carries no encryption context), and the writer's one statement.
  expect([withoutGrants.Statement].flat().length).toBe([fixture.keyPolicy.Statement].flat().length - 3);
  const principal = fixture.otherAccount.read;
  const verdict = await evaluateKms(kmsRequest(principal.arn, 'kms:Decrypt', ROUTES[1], fixture.bucketArns.KmsBucketKey, OTHER_ACCOUNT),
    { identity: principal.identity, resource: withoutGrants });
  expect(verdict).toBe('ImplicitlyDenied');
});

describe('kms:DescribeKey, which carries no encryption context', () => {
  const describeRequest = (via?: string): EvalRequest => {
    const fixture = grantFixture();
    const context: Record<string, string> = { 'kms:CallerAccount': TEST_ACCOUNT };
    if (via) context['kms:ViaService'] = via;
    return { principal: fixture.grants['KmsBucketKey/read'].principal.arn, action: 'kms:DescribeKey', resource: fixture.keyArn, resourceAccount: TEST_ACCOUNT, context };
  };

  test('a reader may have S3 describe the key, but not call DescribeKey directly', async () => {
    const fixture = grantFixture();
    const policies = { identity: fixture.grants['KmsBucketKey/read'].principal.identity, resource: fixture.keyPolicy };
    expect(await evaluate(describeRequest(VIA_S3), policies)).toBe('Allowed');
    expect(await evaluate(describeRequest(), policies)).toBe('ImplicitlyDenied');
  });
});

// What the evaluator cannot see: the template, before the test values are filled in.
describe('the synthesized conditions', () => {
  /** A bucket with a literal name is named without a reference to it (no cross-stack export, no cycle). */
  const arnsOfNamedBucket = (name: string) => [
    { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${name}`]] },
    { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${name}/*`]] },
  ];

  function kmsStatements(template: Template): Array<Record<string, any>> {
    const identity = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const keyPolicies = Object.values(template.findResources('AWS::KMS::Key')).flatMap((k: any) => k.Properties.KeyPolicy.Statement);
    return [...identity, ...keyPolicies].filter((s) => s.Effect === 'Allow' && [s.Action].flat().some((a: string) => a.startsWith('kms:'))
      && !(s.Principal?.AWS && JSON.stringify(s.Principal.AWS).includes(':root') && [s.Action].flat().includes('kms:*')));
  }

  test('an environment-agnostic stack names S3 in the stack region (AWS::Region)', () => {
    const stack = new Stack(new App(), 'Agnostic');
    const bucket = new EncryptedBucket(stack, 'Bucket');
    bucket.grantRead(new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() }));
    const [decrypt] = kmsStatements(Template.fromStack(stack)).filter((s) => s.Action === 'kms:Decrypt');
    expect(decrypt.Condition.StringEquals['kms:ViaService']).toEqual(VIA_S3_AGNOSTIC);
  });

  test('an environment-specific stack names S3 in its region literally', () => {
    const stack = new Stack(new App(), 'Specific', { env: { account: '111122223333', region: 'eu-central-1' } });
    const bucket = new EncryptedBucket(stack, 'Bucket');
    bucket.grantWrite(new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() }));
    const statements = kmsStatements(Template.fromStack(stack));
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(s.Condition.StringEquals['kms:ViaService']).toBe('s3.eu-central-1.amazonaws.com');
    }
  });

  test('a grantee in another stack of the same environment still names the bucket region and the bucket', () => {
    const app = new App();
    const env = { account: '111122223333', region: 'eu-central-1' };
    const bucketStack = new Stack(app, 'Buckets', { env });
    const bucket = new EncryptedBucket(bucketStack, 'Bucket', { bucketName: 'cross-stack-data' });
    const roleStack = new Stack(app, 'Roles', { env });
    bucket.grantRead(new iam.Role(roleStack, 'Role', { assumedBy: new iam.AccountRootPrincipal() }));
    const [decrypt] = kmsStatements(Template.fromStack(roleStack)).filter((s) => s.Action === 'kms:Decrypt');
    expect(decrypt.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' },
      StringLike: { [S3_ARN_CONTEXT_KEY]: arnsOfNamedBucket('cross-stack-data') },
    });
  });

  test.each([
    ['grantDelete', (b: EncryptedBucket, r: iam.IGrantable) => b.grantDelete(r)],
    ['grantPutAcl', (b: EncryptedBucket, r: iam.IGrantable) => b.grantPutAcl(r)],
  ])('%s carries no KMS permission', (_name, grant) => {
    const stack = new Stack(new App(), 'NoKms');
    const bucket = new EncryptedBucket(stack, 'Bucket');
    grant(bucket, new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() }));
    expect(kmsStatements(Template.fromStack(stack))).toEqual([]);
  });

  test.each([
    ['s3Managed', () => ServerSideEncryption.s3Managed()],
    ['kmsManaged', () => ServerSideEncryption.kmsManaged()],
    ['customerProvided', () => ServerSideEncryption.customerProvided()],
  ])('%s: no grant adds a KMS statement (no customer managed key to scope)', (_name, sse) => {
    const stack = new Stack(new App(), 'NoKey');
    const bucket = new EncryptedBucket(stack, 'Bucket', { serverSideEncryption: sse() });
    const roleIds: string[] = [];
    for (const [kind, { grant }] of Object.entries(GRANT_KINDS)) {
      const role = new iam.Role(stack, `${kind}Role`, { assumedBy: new iam.AccountRootPrincipal() });
      grant(bucket, role);
      roleIds.push(stack.getLogicalId(role.node.defaultChild as iam.CfnRole));
    }
    bucket.grantRead(new iam.ArnPrincipal(`arn:aws:iam::${OTHER_ACCOUNT}:role/Partner`));
    const template = Template.fromStack(stack);
    // Only the grantees' policies: kmsManaged() has a deploy-time lookup of aws/s3 with its own role.
    const granteePolicies = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p: any) => p.Properties.Roles.some((r: any) => roleIds.includes(r.Ref)));
    expect(granteePolicies).toHaveLength(roleIds.length);
    const granteeStatements = granteePolicies.flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(granteeStatements.filter((st: any) => [st.Action].flat().some((a: string) => a.startsWith('kms:')))).toEqual([]);
    expect(template.findResources('AWS::KMS::Key')).toEqual({});
  });

  test.each([
    ['a key the bucket makes', () => undefined],
    ['a key given to kms()', (stack: Stack) => new EncryptionKey(stack, 'Given')],
  ])('replication with %s: the replication role may decrypt only this bucket\'s objects, through S3', (_name, makeKey) => {
    const stack = new Stack(new App(), 'Replication', { env: { account: '111122223333', region: 'eu-west-1' } });
    const key = makeKey(stack);
    const destination = new EncryptedBucket(stack, 'Destination', { serverSideEncryption: ServerSideEncryption.kms() });
    const source = new EncryptedBucket(stack, 'Source', {
      bucketName: 'replication-source',
      serverSideEncryption: ServerSideEncryption.kms({ key }),
      replicationRules: [{ destination, priority: 1 }],
    });
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(source.encryptionKey!.node.defaultChild as kms.CfnKey), 'Arn'] };
    const onKey = kmsStatements(Template.fromStack(stack)).filter((s) => JSON.stringify(s.Resource) === JSON.stringify(keyArn));
    expect(onKey).toEqual([expect.objectContaining({
      Action: 'kms:Decrypt',
      Condition: {
        StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' },
        StringLike: { [S3_ARN_CONTEXT_KEY]: arnsOfNamedBucket('replication-source') },
      },
    })]);
  });

  test('every KMS statement of every grant kind carries both conditions (DescribeKey: kms:ViaService only)', () => {
    const stack = new Stack(new App(), 'All');
    const bucket = new EncryptedBucket(stack, 'Bucket', { bucketName: 'all-grants' });
    for (const [kind, { grant }] of Object.entries(GRANT_KINDS)) {
      grant(bucket, new iam.Role(stack, `${kind}Role`, { assumedBy: new iam.AccountRootPrincipal() }));
    }
    bucket.grantReadWrite(new iam.ArnPrincipal(`arn:aws:iam::${OTHER_ACCOUNT}:role/Partner`));
    const statements = kmsStatements(Template.fromStack(stack));
    expect(statements.length).toBeGreaterThanOrEqual(Object.keys(GRANT_KINDS).length + 1);
    for (const s of statements) {
      const describeOnly = [s.Action].flat().every((a: string) => a === 'kms:DescribeKey');
      expect(Object.keys(s.Condition ?? {}).sort()).toEqual(describeOnly ? ['StringEquals'] : ['StringEquals', 'StringLike']);
      expect(Object.keys(s.Condition.StringEquals)).toEqual(['kms:ViaService']);
      if (!describeOnly) {
        expect(Object.keys(s.Condition.StringLike)).toEqual([S3_ARN_CONTEXT_KEY]);
      }
    }
  });
});

test('with a generated bucket name, a key-policy statement is limited to S3 only, and a warning says so', () => {
  const stack = new Stack(new App(), 'Generated');
  const bucket = new EncryptedBucket(stack, 'Bucket');
  bucket.grantRead(new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() }));
  bucket.grantRead(new iam.ArnPrincipal(`arn:aws:iam::${OTHER_ACCOUNT}:role/Partner`));
  const template = Template.fromStack(stack);
  const keyPolicy: Array<Record<string, any>> = Object.values(template.findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement;
  const partner = keyPolicy.filter((s) => JSON.stringify(s.Principal).includes(OTHER_ACCOUNT));
  expect(partner.map((s) => [s.Action, s.Condition])).toEqual([
    ['kms:Decrypt', { StringEquals: { 'kms:ViaService': VIA_S3_AGNOSTIC } }],
    ['kms:DescribeKey', { StringEquals: { 'kms:ViaService': VIA_S3_AGNOSTIC } }],
  ]);
  // The same-account role's own statement still names the bucket (its policy may reference it).
  const roleDecrypt = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .find((s: any) => s.Action === 'kms:Decrypt');
  expect(Object.keys(roleDecrypt.Condition.StringLike)).toEqual([S3_ARN_CONTEXT_KEY]);
  Annotations.fromStack(stack).hasWarning('/Generated/Bucket', Match.stringLikeRegexp(
    `not limited to this bucket.*Set bucketName.*\\[ack: ${KEY_POLICY_NOT_SCOPED_TO_BUCKET.replace(/[/]/g, '\\/')}\\]`));
});

test('the warning can be acknowledged', () => {
  const stack = new Stack(new App(), 'Acknowledged');
  const bucket = new EncryptedBucket(stack, 'Bucket');
  CdkAnnotations.of(bucket).acknowledgeWarning(KEY_POLICY_NOT_SCOPED_TO_BUCKET);
  bucket.grantRead(new iam.ArnPrincipal(`arn:aws:iam::${OTHER_ACCOUNT}:role/Partner`));
  expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
});

test('s3.Bucket grants are unchanged: the scoping belongs to EncryptedBucket', () => {
  const stack = new Stack(new App(), 'Plain');
  const bucket = new s3.Bucket(stack, 'Bucket', { encryption: s3.BucketEncryption.KMS });
  bucket.grantRead(new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() }));
  const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement).filter((s: any) => [s.Action].flat().includes('kms:Decrypt'));
  expect(statements).toHaveLength(1);
  expect(statements[0].Condition).toBeUndefined();
});
