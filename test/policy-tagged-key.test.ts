/**
 * Proves `requireTaggedKey` of OrganizationEncryptionPolicy and `keyArnTag` of EncryptedBucket with
 * the independent IAM evaluator:
 * - the resource control policy, evaluated as an RCP, against the matrix of
 *   test/policy-eval/tagged-key-cases.ts (tagged and untagged buckets, every write, every reading);
 * - the service control policy that guards the tag, evaluated as an SCP (beside AWS's default
 *   FullAWSAccess), for a member role and a tag administrator;
 * - that the evaluator really reads the bucket tag: `s3:BucketTag/...` reaches it only when the
 *   simulation says the bucket has ABAC on, and a tag naming another key changes the verdicts.
 * Expected verdicts come from the data file, not from the library.
 */
import { App, Stack, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { EncryptedBucket, EncryptionValidationError, KEY_ARN_TAG_KEY, OrganizationEncryptionPolicy, ServerSideEncryption } from '../lib';
import { scpGrammarViolations } from '../lib/private/rcp-grammar';
import { KeyRef } from './policy-eval/cases';
import { evaluate, EvalPolicies, EvalRequest, EvaluationInputError, PolicyDocument } from './policy-eval/evaluate';
import { OTHER_ACCOUNT_KEY_ARN, OTHER_KEY_ARN, requestContext } from './policy-eval/request-context';
import { CfnTemplate, OTHER_ACCOUNT, TemplateResolver, TEST_ACCOUNT, TEST_PARTITION, TEST_REGION } from './policy-eval/resolve';
import {
  allGuardCases, allTaggedKeyCases, GuardCase, TAG_KEY, TAGGED_BUCKETS, TaggedKeyCase, tagVisible,
} from './policy-eval/tagged-key-cases';

const BUCKET_ARN = `arn:${TEST_PARTITION}:s3:::member-data`;
const BUCKET_KEY_ARN = `arn:${TEST_PARTITION}:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/12345678-aaaa-bbbb-cccc-${TEST_ACCOUNT}`;
const TAG_CONDITION_KEY = `s3:BucketTag/${TAG_KEY}`;
const MEMBER_ROLE = `arn:${TEST_PARTITION}:iam::${TEST_ACCOUNT}:role/Writer`;
const OTHER_ACCOUNT_ROLE = `arn:${TEST_PARTITION}:iam::${OTHER_ACCOUNT}:role/Partner`;
const TAG_ADMIN_PATTERN = `arn:${TEST_PARTITION}:iam::${TEST_ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-*`;
const TAG_ADMIN_ROLE = `arn:${TEST_PARTITION}:iam::${TEST_ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${TEST_ACCOUNT}-${TEST_REGION}`;

const RCP_CASES = allTaggedKeyCases();
const GUARD_CASES = allGuardCases();

const KEY_ARNS: Record<KeyRef, string | undefined> = {
  bucket: BUCKET_KEY_ARN, other: OTHER_KEY_ARN, otherAccount: OTHER_ACCOUNT_KEY_ARN, awsManaged: undefined,
};

// ---------------------------------------------------------------------------------------------
// The policies, synthesized once.
// ---------------------------------------------------------------------------------------------
const orgStack = new Stack(new App(), 'Organization');
const orgPolicy = new OrganizationEncryptionPolicy(orgStack, 'S3Encryption', {
  targetIds: ['ou-test-11111111'], requireTaggedKey: true, tagAdminPrincipalArns: [TAG_ADMIN_PATTERN],
});
const orgTemplate = Template.fromStack(orgStack).toJSON() as CfnTemplate;
const resolver = new TemplateResolver(orgTemplate);
const policyOfType = (type: string): PolicyDocument => {
  const found = Object.values<any>(orgTemplate.Resources).filter((r) => r.Type === 'AWS::Organizations::Policy' && r.Properties.Type === type);
  expect(found).toHaveLength(1);
  return resolver.resolve(found[0].Properties.Content);
};
const RCP = policyOfType('RESOURCE_CONTROL_POLICY');
const SCP = policyOfType('SERVICE_CONTROL_POLICY');

/**
 * How AWS treats the policy variable `${s3:BucketTag/...}` is not documented for RCPs, nor what a
 * variable with no value does. Two readings, each a way to run the same policy:
 * - `resolved`: the variable takes the tag's value; with no value, a condition that uses it does
 *   not match (the evaluator's reading);
 * - `literal`: the variable is taken as its own text, which no key id equals (what a policy type
 *   without variables would do, and one reading of "no value"); written here with IAM's escape
 *   `${$}` for a literal `$`.
 */
type VariableReading = 'resolved' | 'literal';
const literalVariables = (doc: PolicyDocument): PolicyDocument => JSON.parse(JSON.stringify(doc).split('${s3:BucketTag/').join('${$}{s3:BucketTag/'));
const RCP_BY_READING: Record<VariableReading, PolicyDocument> = { resolved: RCP, literal: literalVariables(RCP) };

// ---------------------------------------------------------------------------------------------
// Requests.
// ---------------------------------------------------------------------------------------------
const ALL_ACTIONS = ['s3:PutObject', 's3:ReplicateObject', 's3:UpdateObjectEncryption'];

function rcpRequest(c: TaggedKeyCase): EvalRequest {
  const principal = c.principal === 'memberRole' ? MEMBER_ROLE : OTHER_ACCOUNT_ROLE;
  const context: Record<string, string> = {
    ...requestContext({ config: { id: c.bucket.id, mode: c.bucket.mode }, transport: c.transport, write: c.write, reading: c.reading },
      BUCKET_KEY_ARN),
    'aws:ResourceAccount': TEST_ACCOUNT,
    'aws:PrincipalArn': principal,
    'aws:PrincipalAccount': principal.split(':')[4],
    'aws:PrincipalIsAWSService': 'false',
  };
  if (tagVisible(c.bucket)) context[TAG_CONDITION_KEY] = KEY_ARNS[c.bucket.tag!]!;
  return {
    principal,
    action: c.write.action,
    resource: `${BUCKET_ARN}/data/part-0001.parquet`,
    resourceAccount: TEST_ACCOUNT,
    context,
    bucketAbacEnabled: c.bucket.abac,
  };
}

function rcpPolicies(rcp: PolicyDocument | undefined): EvalPolicies {
  return {
    identity: [{ name: 'AllowWrites', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ALL_ACTIONS, Resource: '*' }] } }],
    resource: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: OTHER_ACCOUNT_ROLE }, Action: ALL_ACTIONS, Resource: `${BUCKET_ARN}/*` }],
    },
    resourceControlPolicies: rcp ? [{ name: 'S3Encryption', policy: rcp }] : undefined,
  };
}

/** One evaluation per distinct request and policy: many cases differ only in a reading that does not change the context. */
const verdicts = new Map<string, Promise<string>>();
function verdictOf(request: EvalRequest, policies: EvalPolicies): Promise<string> {
  const key = JSON.stringify([request, policies]);
  let verdict = verdicts.get(key);
  if (!verdict) {
    verdict = evaluate(request, policies);
    verdicts.set(key, verdict);
  }
  return verdict;
}

function guardRequest(c: GuardCase): EvalRequest {
  const principal = c.principal === 'memberRole' ? MEMBER_ROLE : TAG_ADMIN_ROLE;
  const context: Record<string, string | string[]> = {
    'aws:SecureTransport': 'true',
    'aws:PrincipalArn': principal,
    'aws:PrincipalAccount': TEST_ACCOUNT,
  };
  if (c.tagKeys) context['aws:TagKeys'] = c.tagKeys;
  return {
    principal,
    action: c.action,
    resource: c.onObject ? `${BUCKET_ARN}/data/part-0001.parquet` : BUCKET_ARN,
    resourceAccount: TEST_ACCOUNT,
    context,
  };
}

function guardPolicies(scp: PolicyDocument | undefined): EvalPolicies {
  return {
    identity: [{ name: 'Admin', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } }],
    serviceControlPolicies: scp ? [{ name: 'TagGuard', policy: scp }] : [],
  };
}

const statementOf = (doc: PolicyDocument, sid: string) => [doc.Statement].flat().find((s) => s.Sid === sid)!;
const withStatement = (doc: PolicyDocument, sid: string, change: (s: any) => void): PolicyDocument => {
  const copy = JSON.parse(JSON.stringify(doc));
  change([copy.Statement].flat().find((s: any) => s.Sid === sid));
  return copy;
};

// ---------------------------------------------------------------------------------------------
describe('the matrices themselves', () => {
  test('the RCP matrix has tagged, untagged and ABAC-off buckets, every reading, and both verdicts on tagged buckets', () => {
    expect(new Set(RCP_CASES.map((c) => c.name)).size).toBe(RCP_CASES.length);
    for (const bucket of TAGGED_BUCKETS) {
      const own = RCP_CASES.filter((c) => c.bucket === bucket);
      expect(own.some((c) => c.deniedBecause === undefined)).toBe(true);
      expect(own.some((c) => c.deniedBecause !== undefined)).toBe(true); // SSE-C at least
    }
  });

  test.each([
    // [bucket, write, reading, expected]: the requests the rule is for, written out.
    ['KmsTagged', 'none', 'headerOnly', undefined],
    ['KmsTagged', 'none', 'effectiveKeyArn', undefined],
    ['KmsTagged', 'kmsBucketKey', 'headerOnly', undefined],
    ['KmsTagged', 'kmsOtherKey', 'headerOnly', 'key other is not the tagged key'],
    ['KmsTagged', 'kmsOtherAccountKey', 'effectiveKeyArn', 'key otherAccount is not the tagged key'],
    ['KmsTagged', 'kmsNoKey', 'headerOnly', 'KMS algorithm without a key id (aws/s3)'],
    ['KmsTagged', 'aes256', 'headerOnly', 'algorithm without a KMS key'],
    ['KmsTagged', 'replicaKmsOtherKey', 'effectiveKeyAliasArn', 'key other is not the tagged key'],
    ['KmsTagged', 'replicaNoHeaders', 'effectiveKeyArn', undefined],
    ['KmsTagged', 'updateToBucketKey', 'headerOnly', undefined],
    ['KmsTagged', 'updateToAwsManagedKey', 'headerOnly', 're-encryption to another key than the tagged one'],
    ['KmsTaggedOtherKey', 'none', 'effectiveKeyArn', 'key bucket is not the tagged key'],
    ['KmsTaggedOtherKey', 'kmsOtherKey', 'headerOnly', undefined],
    ['KmsUntagged', 'kmsOtherKey', 'headerOnly', undefined],
    ['KmsTagWithoutAbac', 'kmsOtherKey', 'headerOnly', undefined],
  ])('%s, %s, key id %s -> %s', (bucket, write, reading, expected) => {
    const c = RCP_CASES.find((x) => x.bucket.id === bucket && x.write.id === write && x.reading === reading && x.principal === 'memberRole')!;
    expect(c.deniedBecause).toBe(expected);
  });

  test('the SCP matrix denies each guarded action to the member role only', () => {
    for (const action of ['s3:TagResource', 's3:UntagResource', 's3:PutBucketTagging', 's3:PutBucketAbac', 's3:PutEncryptionConfiguration']) {
      expect(GUARD_CASES.some((c) => c.action === action && c.principal === 'memberRole' && c.deniedBecause)).toBe(true);
    }
    expect(GUARD_CASES.filter((c) => c.principal === 'tagAdmin').every((c) => c.deniedBecause === undefined)).toBe(true);
  });
});

describe('resource control policy decisions (requireTaggedKey)', () => {
  // Buckets whose tag S3 does not show run under both readings of a variable with no value: the
  // Null guard must keep them out of the rule either way. Where the tag is shown, the readings
  // agree (the variable has a value).
  const runs = RCP_CASES.flatMap((c) => (tagVisible(c.bucket) ? ['resolved'] as const : ['resolved', 'literal'] as const)
    .map((reading) => [`${c.name} [variable ${reading}]`, c, reading] as const));
  test.each(runs)('%s', async (_name, c, reading) => {
    expect(await verdictOf(rcpRequest(c), rcpPolicies(RCP_BY_READING[reading]))).toBe(c.deniedBecause === undefined ? 'Allowed' : 'ExplicitlyDenied');
  });

  test('if RCPs did not resolve variables at all, no write the rule denies would be allowed (it fails closed)', async () => {
    // Under the literal reading everywhere, a tagged bucket's rule compares key ids with text no
    // key id equals: writes that should pass may be denied (visible, and fixed by AWS's answer),
    // but none that should be denied passes.
    const denied = RCP_CASES.filter((c) => tagVisible(c.bucket) && c.deniedBecause !== undefined);
    expect(denied.length).toBeGreaterThan(50);
    for (const c of denied) {
      expect(await verdictOf(rcpRequest(c), rcpPolicies(RCP_BY_READING.literal))).toBe('ExplicitlyDenied');
    }
  });
});

describe('service control policy decisions (the tag guard)', () => {
  test.each(GUARD_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(await verdictOf(guardRequest(c), guardPolicies(SCP))).toBe(c.deniedBecause === undefined ? 'Allowed' : 'ExplicitlyDenied');
  });

  test('the SCP is evaluated as an SCP: one with a Principal is rejected by the evaluator', async () => {
    const c = GUARD_CASES.find((x) => x.deniedBecause !== undefined)!;
    const broken = withStatement(SCP, 'DenyBucketAbacChange', (s) => { s.Principal = '*'; });
    await expect(evaluate(guardRequest(c), guardPolicies(broken))).rejects.toThrow(EvaluationInputError);
  });
});

describe('the evaluation cannot pass silently', () => {
  const find = (bucket: string, write: string, reading = 'headerOnly') =>
    RCP_CASES.find((c) => c.bucket.id === bucket && c.write.id === write && c.reading === reading && c.principal === 'memberRole')!;

  test('the evaluator reads the bucket tag only with ABAC on: the tag key without it is an error, not an absent key', async () => {
    const c = find('KmsTagged', 'kmsOtherKey');
    await expect(evaluate({ ...rcpRequest(c), bucketAbacEnabled: false }, rcpPolicies(RCP))).rejects.toThrow(/ignored request context keys/);
  });

  test('the verdicts follow the tag\'s value: a tag naming another key allows that key and refuses the default', async () => {
    // The same explicit write, into buckets that differ only in the tag's value.
    expect(await verdictOf(rcpRequest(find('KmsTagged', 'kmsOtherKey')), rcpPolicies(RCP))).toBe('ExplicitlyDenied');
    expect(await verdictOf(rcpRequest(find('KmsTaggedOtherKey', 'kmsOtherKey')), rcpPolicies(RCP))).toBe('Allowed');
    expect(await verdictOf(rcpRequest(find('KmsTagged', 'kmsBucketKey')), rcpPolicies(RCP))).toBe('Allowed');
    expect(await verdictOf(rcpRequest(find('KmsTaggedOtherKey', 'kmsBucketKey')), rcpPolicies(RCP))).toBe('ExplicitlyDenied');
  });

  test('without the RCP, every write it denies on a tagged bucket is allowed (the denials come from the RCP alone)', async () => {
    const denied = RCP_CASES.filter((c) => c.deniedBecause !== undefined && c.deniedBecause !== 'SSE-C' && c.reading === 'effectiveKeyArn');
    expect(denied.length).toBeGreaterThan(20);
    for (const c of denied.filter((_c, i) => i % 8 === 0)) {
      expect(await verdictOf(rcpRequest(c), rcpPolicies(undefined))).toBe('Allowed');
    }
  });

  test('without the tag condition, the bucket\'s own key is denied', async () => {
    const c = find('KmsTagged', 'kmsBucketKey');
    expect(c.deniedBecause).toBeUndefined();
    const noTagCondition = withStatement(RCP, 'DenyKeyOtherThanTaggedKey', (s) => { delete s.Condition.StringNotEquals; });
    expect(await evaluate(rcpRequest(c), rcpPolicies(noTagCondition))).toBe('ExplicitlyDenied');
  });

  test('without the Null guard on the tag, writes into untagged buckets are denied under the literal reading', async () => {
    const c = find('KmsUntagged', 'kmsBucketKey');
    expect(c.deniedBecause).toBeUndefined();
    const noGuard = withStatement(RCP, 'DenyKeyOtherThanTaggedKey', (s) => { delete s.Condition.Null[TAG_CONDITION_KEY]; });
    expect(await evaluate(rcpRequest(c), rcpPolicies(literalVariables(noGuard)))).toBe('ExplicitlyDenied');
    const reencrypt = find('KmsUntagged', 'updateToBucketKey');
    const noUpdateGuard = withStatement(RCP, 'DenyUpdateObjectEncryptionToOtherThanTaggedKey', (s) => { delete s.Condition.Null; });
    expect(await evaluate(rcpRequest(reencrypt), rcpPolicies(literalVariables(noUpdateGuard)))).toBe('ExplicitlyDenied');
    // The statements that use no variable need the guard under every reading: without it, AES256
    // into an untagged bucket is denied.
    const aes = find('SseS3Untagged', 'aes256');
    const noAlgorithmGuard = withStatement(RCP, 'DenyTaggedBucketAlgorithmWithoutKms', (s) => { delete s.Condition.Null[TAG_CONDITION_KEY]; });
    expect(await evaluate(rcpRequest(aes), rcpPolicies(noAlgorithmGuard))).toBe('ExplicitlyDenied');
  });

  test('without the exemption, the tag administrator is denied too', async () => {
    const c = GUARD_CASES.find((x) => x.principal === 'tagAdmin' && x.action === 's3:PutBucketAbac')!;
    const noExemption = withStatement(SCP, 'DenyBucketAbacChange', (s) => { delete s.Condition; });
    expect(await evaluate(guardRequest(c), guardPolicies(noExemption))).toBe('ExplicitlyDenied');
  });

  test('without the SCP, a member role may change the tag (the denials come from the SCP alone)', async () => {
    for (const c of GUARD_CASES.filter((x) => x.deniedBecause !== undefined)) {
      expect(await verdictOf(guardRequest(c), guardPolicies(undefined))).toBe('Allowed');
    }
  });
});

describe('OrganizationEncryptionPolicy with requireTaggedKey', () => {
  test('a second policy, a SERVICE_CONTROL_POLICY with the same targets and no Principal', () => {
    const scp = Object.values<any>(orgTemplate.Resources).find((r) => r.Properties?.Type === 'SERVICE_CONTROL_POLICY');
    const rcp = Object.values<any>(orgTemplate.Resources).find((r) => r.Properties?.Type === 'RESOURCE_CONTROL_POLICY');
    expect(scp.Properties.TargetIds).toEqual(rcp.Properties.TargetIds);
    expect(scpGrammarViolations(SCP)).toEqual([]);
    expect(orgPolicy.tagGuardPolicyDocument).toBeDefined();
    expect(statementOf(SCP, 'DenyKeyArnTagChange').Condition).toEqual({
      'ForAnyValue:StringEquals': { 'aws:TagKeys': KEY_ARN_TAG_KEY },
      'ArnNotLike': { 'aws:PrincipalArn': TAG_ADMIN_PATTERN },
    });
    expect(statementOf(SCP, 'DenyBucketTaggingReplace').Condition).toEqual({ ArnNotLike: { 'aws:PrincipalArn': TAG_ADMIN_PATTERN } });
  });

  test('the tag administrators are named only in the SCP, which binds only the target accounts\' principals', () => {
    // So a wildcard account in tagAdminPrincipalArns exempts no one outside the organization.
    const stack = new Stack(new App(), 'Wildcard');
    const policy = new OrganizationEncryptionPolicy(stack, 'S3Encryption', {
      targetIds: ['ou-test-11111111'], requireTaggedKey: true, exemptPrincipalArns: [`arn:aws:iam::${TEST_ACCOUNT}:role/BreakGlass`],
      tagAdminPrincipalArns: ['arn:aws:iam::*:role/stacksets-exec-*'],
    });
    expect(JSON.stringify(policy.policyDocument)).not.toContain('stacksets-exec');
    expect(JSON.stringify(policy.tagGuardPolicyDocument)).toContain('arn:aws:iam::*:role/stacksets-exec-*');
    expect(JSON.stringify(RCP)).not.toContain('cfn-exec-role');
    // The RCP's own exemption (exemptPrincipalArns) applies to the tag rules, as to every rule about objects.
    expect(statementOf(policy.policyDocument, 'DenyKeyOtherThanTaggedKey').Condition!.ArnNotLike)
      .toEqual({ 'aws:PrincipalArn': `arn:aws:iam::${TEST_ACCOUNT}:role/BreakGlass` });
  });

  test('without requireTaggedKey there is no SCP and no tag rule', () => {
    const stack = new Stack(new App(), 'Plain');
    const plain = new OrganizationEncryptionPolicy(stack, 'S3Encryption', { targetIds: ['ou-test-11111111'] });
    Template.fromStack(stack).resourceCountIs('AWS::Organizations::Policy', 1);
    expect(plain.tagGuardPolicyId).toBeUndefined();
    expect(JSON.stringify(plain.policyDocument)).not.toContain('BucketTag');
  });

  test('the data file and the library name the same tag', () => {
    expect(KEY_ARN_TAG_KEY).toBe(TAG_KEY);
    expect(EncryptedBucket.KEY_ARN_TAG_KEY).toBe(TAG_KEY);
  });

  describe('bad input', () => {
    const fails = (props: object, message: RegExp) => {
      const make = () => new OrganizationEncryptionPolicy(new Stack(new App(), 'Org'), 'S3Encryption',
        { targetIds: ['ou-test-11111111'], requireTaggedKey: true, ...props });
      expect(make).toThrow(EncryptionValidationError);
      expect(make).toThrow(message);
    };
    test('fails without tagAdminPrincipalArns', () => fails({}, /requireTaggedKey needs tagAdminPrincipalArns \(got undefined\)/));
    test('fails with empty tagAdminPrincipalArns', () => fails({ tagAdminPrincipalArns: [] }, /requireTaggedKey needs tagAdminPrincipalArns \(got \[\]\)/));
    test.each([['cdk-exec-role'], ['arn:aws:s3:::bucket'], ['arn:aws:iam::1234:role/X']])('fails with a malformed ARN (%s)', (arn) =>
      fails({ tagAdminPrincipalArns: [arn] }, /tagAdminPrincipalArns must hold IAM principal ARNs such as/));
    test('fails when requireTaggedKey is not a boolean', () => fails({ requireTaggedKey: 'yes', tagAdminPrincipalArns: [TAG_ADMIN_PATTERN] },
      /requireTaggedKey must be true or false \(got "yes"\)/));
    test('fails with tagAdminPrincipalArns but without requireTaggedKey', () => fails({ requireTaggedKey: false, tagAdminPrincipalArns: [TAG_ADMIN_PATTERN] },
      /tagAdminPrincipalArns has no effect without requireTaggedKey: true/));
  });
});

describe('EncryptedBucket keyArnTag', () => {
  const stack = new Stack(new App(), 'Buckets', { env: { account: TEST_ACCOUNT, region: TEST_REGION } });
  const own = new EncryptedBucket(stack, 'Own', { keyArnTag: true });
  const given = kms.Key.fromKeyArn(stack, 'Given', BUCKET_KEY_ARN);
  new EncryptedBucket(stack, 'Dsse', { keyArnTag: true, serverSideEncryption: ServerSideEncryption.dsseKms({ key: given }) });
  new EncryptedBucket(stack, 'Plain');
  Tags.of(stack).add(KEY_ARN_TAG_KEY, 'arn:aws:kms:eu-west-1:999999999999:key/not-the-bucket-key');
  Tags.of(stack).add('team', 'data');
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const bucketProps = (bucket: string) => template.Resources[stack.getLogicalId((stack.node.findChild(bucket).node.defaultChild as any))].Properties!;
  const tagValue = (props: any) => (props.Tags ?? []).find((t: any) => t.Key === KEY_ARN_TAG_KEY)?.Value;

  test('kms(): ABAC on, and the tag names the bucket\'s own default key (the same key as KMSMasterKeyID)', () => {
    const props = bucketProps('Own');
    expect(props.AbacStatus).toBe('Enabled');
    const defaultKey = props.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID;
    expect(defaultKey).toEqual({ 'Fn::GetAtt': [stack.getLogicalId((own.encryptionKey!.node.defaultChild as any)), 'Arn'] });
    expect(tagValue(props)).toEqual(defaultKey);
  });

  test('dsseKms({ key }): the tag is the given key\'s full ARN', () => {
    const props = bucketProps('Dsse');
    expect(props.AbacStatus).toBe('Enabled');
    expect(tagValue(props)).toBe(BUCKET_KEY_ARN);
    expect(props.Tags).toEqual(expect.arrayContaining([{ Key: 'team', Value: 'data' }]));
  });

  test('without keyArnTag: no ABAC setting; a tag of the same key from Tags.of is the user\'s own', () => {
    const props = bucketProps('Plain');
    expect(props.AbacStatus).toBeUndefined();
    expect(tagValue(props)).toBe('arn:aws:kms:eu-west-1:999999999999:key/not-the-bucket-key');
  });

  describe('bad input', () => {
    const fails = (props: object, message: RegExp) => {
      const make = () => new EncryptedBucket(new Stack(new App(), 'S'), 'Data', props);
      expect(make).toThrow(EncryptionValidationError);
      expect(make).toThrow(message);
    };
    test.each([
      ['s3Managed', ServerSideEncryption.s3Managed()],
      ['kmsManaged', ServerSideEncryption.kmsManaged()],
      ['customerProvided', ServerSideEncryption.customerProvided()],
    ])('fails in %s, naming the prop', (_mode, serverSideEncryption) =>
      fails({ keyArnTag: true, serverSideEncryption }, /EncryptedBucket 'S\/Data': keyArnTag is only supported with a customer managed key/));
    test('fails with abacStatus: false', () => fails({ keyArnTag: true, abacStatus: false }, /keyArnTag turns ABAC on, which abacStatus turns off/));
    test('fails when not a boolean', () => fails({ keyArnTag: 'yes' }, /keyArnTag must be true or false \(got "yes"\)/));
  });
});
