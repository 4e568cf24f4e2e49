/**
 * Proves the resource control policy of OrganizationEncryptionPolicy with the independent IAM
 * evaluator, evaluated as an RCP (beside AWS's default RCPFullAWSAccess): each request of the
 * matrix in test/policy-eval/rcp-cases.ts is authorized against the RCP, the caller's identity
 * policy and a bucket policy that only allows (so that every denial comes from the RCP). Expected
 * verdicts come from the semantics written down in rcp-cases.ts, not from the library.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EncryptionMode } from '../lib';
import { OrganizationEncryptionPolicy } from '../lib/organization-encryption-policy';
import { encryptionPolicyStatements } from '../lib/policy-statements';
import { KEY_ID_READINGS, WRITES } from './policy-eval/cases';
import { evaluate, EvalPolicies, EvalRequest, EvaluationInputError, PolicyDocument, unknownConditionKeys } from './policy-eval/evaluate';
import { allRcpCases, MEMBER_BUCKETS, RCP_CONFIGS, RcpCase, RcpConfig, RcpPrincipal } from './policy-eval/rcp-cases';
import { OTHER_ACCOUNT_KEY_ARN, requestContext } from './policy-eval/request-context';
import { CfnTemplate, OTHER_ACCOUNT, TemplateResolver, TEST_ACCOUNT, TEST_PARTITION, TEST_REGION } from './policy-eval/resolve';

const CASES = allRcpCases();
const BUCKET_ARN = `arn:${TEST_PARTITION}:s3:::member-data`;
const ACTIONS = ['s3:PutObject', 's3:ReplicateObject', 's3:UpdateObjectEncryption', 's3:GetObject', 's3:ListBucket'];
const LOG_DELIVERY = 'logging.s3.amazonaws.com';

const PRINCIPAL_ARNS: Record<Exclude<RcpPrincipal, 'logDelivery'>, string> = {
  memberRole: `arn:${TEST_PARTITION}:iam::${TEST_ACCOUNT}:role/Writer`,
  breakGlassRole: `arn:${TEST_PARTITION}:iam::${TEST_ACCOUNT}:role/BreakGlassAdmin`,
  otherAccountRole: `arn:${TEST_PARTITION}:iam::${OTHER_ACCOUNT}:role/Partner`,
  foreignBreakGlassRole: `arn:${TEST_PARTITION}:iam::${OTHER_ACCOUNT}:role/BreakGlassAdmin`,
};

/** Each role's own account allows it every action of the matrix. */
const ALLOW_ALL_IDENTITY: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ACTIONS, Resource: '*' }],
};

/** The member bucket's own policy: it lets in the other account's role and log delivery, and denies nothing. */
const ALLOWING_BUCKET_POLICY: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{
    Effect: 'Allow',
    Principal: { AWS: [PRINCIPAL_ARNS.otherAccountRole, PRINCIPAL_ARNS.foreignBreakGlassRole], Service: LOG_DELIVERY },
    Action: ACTIONS,
    Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
  }],
};

/** ARN of a member bucket's default key, by the account that holds it. */
function defaultKeyArn(account: string | undefined): string | undefined {
  return account && `arn:${TEST_PARTITION}:kms:${TEST_REGION}:${account}:key/12345678-aaaa-bbbb-cccc-${account}`;
}

let rcpCache: Map<string, PolicyDocument> | undefined;

/** The resolved policy document of each configuration, synthesized once per test file. */
function rcps(): Map<string, PolicyDocument> {
  if (rcpCache) return rcpCache;
  const stack = new Stack(new App(), 'Organization');
  for (const config of RCP_CONFIGS) {
    new OrganizationEncryptionPolicy(stack, config.id, { targetIds: ['ou-test-11111111'], ...propsOf(config) });
  }
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const resolver = new TemplateResolver(template);
  rcpCache = new Map();
  for (const config of RCP_CONFIGS) {
    const policy = stack.node.findChild(config.id).node.defaultChild as any;
    const resource = resolver.resource(stack.getLogicalId(policy), 'AWS::Organizations::Policy');
    expect(typeof resource.Properties!.Content).toBe('object');
    rcpCache.set(config.id, resolver.resolve(resource.Properties!.Content));
  }
  return rcpCache;
}

function propsOf(config: RcpConfig) {
  const { id: _id, ...props } = config;
  return props;
}

function requestFor(c: RcpCase): EvalRequest {
  const context: Record<string, string> = {
    ...requestContext({ config: { id: c.bucket.id, mode: c.bucket.mode }, transport: c.transport, write: c.write, reading: c.reading },
      defaultKeyArn(c.bucket.keyAccount)),
    'aws:ResourceAccount': TEST_ACCOUNT,
  };
  if (c.principal === 'logDelivery') {
    context['aws:PrincipalIsAWSService'] = 'true';
    context['aws:PrincipalServiceName'] = LOG_DELIVERY;
  } else {
    context['aws:PrincipalIsAWSService'] = 'false';
    context['aws:PrincipalArn'] = PRINCIPAL_ARNS[c.principal];
    context['aws:PrincipalAccount'] = PRINCIPAL_ARNS[c.principal].split(':')[4];
  }
  return {
    principal: c.principal === 'logDelivery' ? LOG_DELIVERY : PRINCIPAL_ARNS[c.principal],
    action: c.action,
    resource: c.action === 's3:ListBucket' ? BUCKET_ARN : `${BUCKET_ARN}/logs/2026/part-0001.parquet`,
    resourceAccount: TEST_ACCOUNT,
    context,
  };
}

function policiesFor(c: RcpCase, rcp: PolicyDocument | undefined): EvalPolicies {
  return {
    identity: c.principal === 'logDelivery' ? [] : [{ name: 'AllowAll', policy: ALLOW_ALL_IDENTITY }],
    resource: ALLOWING_BUCKET_POLICY,
    resourceControlPolicies: rcp ? [{ name: 'S3Encryption', policy: rcp }] : undefined,
  };
}

beforeAll(() => {
  rcps();
});

describe('the RCP matrix itself', () => {
  test('covers every configuration, member bucket, write, principal and reading, with both verdicts', () => {
    expect(CASES.length).toBeGreaterThan(4000);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    for (const config of RCP_CONFIGS) {
      const own = CASES.filter((c) => c.rcp === config);
      expect(own.some((c) => c.deniedBecause === undefined)).toBe(true);
      expect(own.some((c) => c.deniedBecause !== undefined)).toBe(true);
    }
    for (const bucket of MEMBER_BUCKETS) expect(CASES.some((c) => c.bucket === bucket)).toBe(true);
    for (const write of WRITES) expect(CASES.some((c) => c.write === write)).toBe(true);
    for (const reading of Object.keys(KEY_ID_READINGS)) expect(CASES.some((c) => c.reading === reading)).toBe(true);
    for (const principal of ['memberRole', 'otherAccountRole', 'breakGlassRole', 'logDelivery']) {
      expect(CASES.some((c) => c.principal === principal && c.deniedBecause === undefined)).toBe(true);
    }
    // The look-alike of the break-glass role is denied where the member's break-glass role is exempt.
    const lookAlike = CASES.filter((c) => c.principal === 'foreignBreakGlassRole');
    expect(lookAlike.filter((c) => c.deniedBecause !== undefined).length).toBeGreaterThan(10);
    for (const c of lookAlike) {
      const member = CASES.find((x) => x.principal === 'breakGlassRole' && x.rcp === c.rcp && x.bucket === c.bucket &&
        x.write === c.write && x.reading === c.reading && x.transport === c.transport)!;
      expect(member.deniedBecause).toBeUndefined();
    }
  });

  test.each([
    // The requests the organization policy is for, written out: they must hold under every reading.
    ['a header-less upload into a bucket whose default is aws/s3', 'KmsCentralKeys', 'AwsManagedKeyDefault', 'none', undefined],
    ['a header-less upload into a bucket whose default is an own customer managed key', 'KmsCentralKeys', 'OwnKeyDefault', 'none', undefined],
    ['a header-less upload into a bucket whose default is a central key', 'KmsCentralKeys', 'CentralKeyDefault', 'none', undefined],
    ['aws:kms without a key id (S3 uses aws/s3)', 'KmsCentralKeys', 'OwnKeyDefault', 'kmsNoKey', undefined],
    ['an explicit key of a foreign account', 'KmsCentralKeys', 'OwnKeyDefault', 'kmsOtherAccountKey', 'key of an account outside keyAccounts'],
    ['re-encryption to a foreign key', 'KmsCentralKeys', 'OwnKeyDefault', 'updateToOtherAccountKey', 'key of an account outside keyAccounts'],
    ['an AES256 upload where only aws:kms is allowed', 'KmsCentralKeys', 'SseS3Default', 'aes256', 'algorithm AES256 not allowed'],
    ['SSE-C', 'Baseline', 'SseS3Default', 'sseC', 'SSE-C'],
    ['a strict-mode UploadPart', 'Strict', 'OwnKeyDefault', 'uploadPart', 'no SSE header (strict)'],
  ])('%s', (_title, rcp, bucket, write, expected) => {
    const matching = CASES.filter((c) => c.rcp.id === rcp && c.bucket.id === bucket && c.write?.id === write && c.principal === 'memberRole' && c.transport.id === 'tls1.2');
    expect(matching.length).toBe(Object.keys(KEY_ID_READINGS).length);
    for (const c of matching) expect(c.deniedBecause).toBe(expected);
  });
});

describe('resource control policy decisions', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const verdict = await evaluate(requestFor(c), policiesFor(c, rcps().get(c.rcp.id)));
    expect(verdict).toBe(c.deniedBecause === undefined ? 'Allowed' : 'ExplicitlyDenied');
  });
});

describe('the evaluation cannot pass silently', () => {
  const denied = () => CASES.filter((c) => c.deniedBecause !== undefined && c.reading === 'effectiveKeyArn');

  test('without the RCP, every request the RCP denies is allowed (the denials come from the RCP alone)', async () => {
    const sample = denied().filter((_c, i) => i % 25 === 0);
    expect(sample.length).toBeGreaterThan(10);
    for (const c of sample) {
      expect(await evaluate(requestFor(c), policiesFor(c, undefined))).toBe('Allowed');
    }
  });

  test('the RCP is evaluated as an RCP: one with NotAction is rejected by the evaluator', async () => {
    const c = denied()[0];
    const rcp = rcps().get(c.rcp.id)!;
    const broken = JSON.parse(JSON.stringify(rcp));
    broken.Statement[0].NotAction = broken.Statement[0].Action;
    delete broken.Statement[0].Action;
    await expect(evaluate(requestFor(c), policiesFor(c, broken))).rejects.toThrow(EvaluationInputError);
  });

  test('a misspelled condition key in the RCP fails the evaluation', async () => {
    const c = CASES.find((x) => x.rcp.id === 'KmsCentralKeys' && x.write?.id === 'kmsOtherAccountKey' && x.principal === 'memberRole')!;
    const rcp = JSON.stringify(rcps().get('KmsCentralKeys'));
    const misspelled = JSON.parse(rcp.split('s3:x-amz-server-side-encryption-aws-kms-key-id').join('s3:x-amz-server-side-encryption-kms-key-id'));
    const policies = policiesFor(c, misspelled);
    expect(await unknownConditionKeys(requestFor(c), policies)).toEqual(['s3:x-amz-server-side-encryption-kms-key-id']);
    await expect(evaluate(requestFor(c), policies)).rejects.toThrow(/do not exist/);
  });

  test('a wildcard account in an exemption would exempt a same-named role outside the organization (why it is refused)', async () => {
    // The same RCP with the account of the exemption widened to "*", as exemptPrincipalArns used to allow.
    const c = CASES.find((x) => x.rcp.id === 'StrictCentralKeysBreakGlass' && x.principal === 'foreignBreakGlassRole' &&
      x.write?.id === 'kmsOtherAccountKey' && x.reading === 'headerOnly')!;
    expect(c.deniedBecause).toBeDefined();
    const rcp = JSON.stringify(rcps().get('StrictCentralKeysBreakGlass'));
    expect(rcp).toContain(`iam::${TEST_ACCOUNT}:role/BreakGlass*`);
    const widened = JSON.parse(rcp.split(`iam::${TEST_ACCOUNT}:role/BreakGlass*`).join('iam::*:role/BreakGlass*'));
    expect(await evaluate(requestFor(c), policiesFor(c, widened))).toBe('Allowed');
    expect(await evaluate(requestFor(c), policiesFor(c, rcps().get('StrictCentralKeysBreakGlass')))).toBe('ExplicitlyDenied');
  });

  test('the key-account rule reads aws:ResourceAccount: a foreign key is allowed when the resource is in that account', async () => {
    // Sanity check of the policy variable: the same foreign-key upload, to a bucket of the key's own account.
    const c = CASES.find((x) => x.rcp.id === 'KmsCentralKeys' && x.write?.id === 'kmsOtherAccountKey' &&
      x.principal === 'memberRole' && x.reading === 'headerOnly')!;
    expect(requestFor(c).context['s3:x-amz-server-side-encryption-aws-kms-key-id']).toBe(OTHER_ACCOUNT_KEY_ARN);
    const request = { ...requestFor(c), resourceAccount: OTHER_ACCOUNT };
    const inKeyAccount = { ...request, context: { ...request.context, 'aws:ResourceAccount': OTHER_ACCOUNT } };
    const policies = policiesFor(c, rcps().get('KmsCentralKeys'));
    expect(await evaluate(inKeyAccount, { ...policies, resource: { Version: '2012-10-17', Statement: [{
      Effect: 'Allow', Principal: { AWS: PRINCIPAL_ARNS.memberRole }, Action: 's3:PutObject', Resource: `${BUCKET_ARN}/*` }] } }))
      .toBe('Allowed');
    expect(await evaluate(requestFor(c), policiesFor(c, rcps().get('KmsCentralKeys')))).toBe('ExplicitlyDenied');
  });
});

describe('the RCP and the bucket policy share their statements', () => {
  // The same builder makes both: where the Sid is the same, so are the actions and the conditions
  // (the RCP's Resource is "*"; a bucket policy names its bucket).
  const bucket = (mode: EncryptionMode, extra: object = {}) => Object.fromEntries(encryptionPolicyStatements({
    bucketArn: BUCKET_ARN, mode, keyArn: defaultKeyArn(TEST_ACCOUNT), requireEncryptionHeaders: true, minimumTlsVersion: 1.3, ...extra,
  }).map((s) => [s.sid, s.toStatementJson()]));

  test.each(['DenyInsecureTransport', 'DenyOutdatedTlsVersion', 'DenyCustomerProvidedKeys'])('%s', (sid) => {
    const fromRcp = [rcps().get('KmsOrDsseTls13')!.Statement].flat().find((s) => s.Sid === sid)!;
    const fromBucket = bucket(EncryptionMode.KMS)[sid];
    expect(fromRcp.Resource).toBe('*');
    expect({ ...fromRcp, Resource: undefined }).toEqual({ ...fromBucket, Resource: undefined });
  });

  test('DenyIncorrectEncryptionHeader: same shape, with the allowed list in place of the mode\'s algorithm', () => {
    const fromRcp = [rcps().get('KmsCentralKeys')!.Statement].flat().find((s) => s.Sid === 'DenyIncorrectEncryptionHeader')!;
    const fromBucket = bucket(EncryptionMode.KMS).DenyIncorrectEncryptionHeader;
    expect(fromRcp.Action).toEqual(fromBucket.Action);
    expect(fromRcp.Condition).toEqual(fromBucket.Condition);
  });

  test('DenyUnencryptedObjectUploads: the bucket\'s condition, plus the AWS-service exemption', () => {
    const fromRcp = [rcps().get('Strict')!.Statement].flat().find((s) => s.Sid === 'DenyUnencryptedObjectUploads')!;
    const fromBucket = bucket(EncryptionMode.KMS).DenyUnencryptedObjectUploads;
    expect(fromRcp.Condition).toEqual({ ...fromBucket.Condition, BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' } });
  });
});
