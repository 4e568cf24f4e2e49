/**
 * Proves every bucket policy with an independent IAM policy evaluator (@cloud-copilot/iam-simulate,
 * a test-only devDependency): the synthesized template is resolved to literal ARNs for a fixed
 * account and region, and each request of the matrix in test/policy-eval/cases.ts is authorized
 * against the bucket policy plus the caller's identity policy. Expected verdicts come from the
 * S3/IAM semantics, written down in cases.ts, not from the library.
 */
import { allCases, CONFIGS, PolicyCase, requestContext, UPLOADS } from './policy-eval/cases';
import { evaluate, EvalRequest, EvaluationInputError, PolicyDocument, unknownConditionKeys } from './policy-eval/evaluate';
import { bucketFixture, BucketUnderTest, PrincipalUnderTest } from './policy-eval/fixture';
import { TEST_ACCOUNT } from './policy-eval/resolve';

const CASES = allCases();

function requestFor(c: PolicyCase, bucket: BucketUnderTest, principal: PrincipalUnderTest): EvalRequest {
  return {
    principal: principal.arn,
    action: c.action,
    resource: c.action === 's3:ListBucket' ? bucket.bucketArn : `${bucket.bucketArn}/reports/2026/data.csv`,
    resourceAccount: TEST_ACCOUNT,
    context: requestContext(c, bucket.keyArn),
  };
}

function principalFor(c: PolicyCase): PrincipalUnderTest {
  const fixture = bucketFixture();
  return c.principal === 'sameAccount' ? fixture.client : fixture.otherAccountClient;
}

beforeAll(() => {
  bucketFixture(); // synthesize once, outside the first test's timing
});

describe('the matrix itself', () => {
  test('has at least 150 cases, and covers every configuration, action, upload variant and principal', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(150);
    for (const config of CONFIGS) {
      expect(CASES.filter((c) => c.config === config).length).toBeGreaterThan(0);
    }
    for (const upload of UPLOADS) {
      expect(CASES.some((c) => c.upload === upload)).toBe(true);
    }
    for (const action of ['s3:PutObject', 's3:GetObject', 's3:ListBucket']) {
      expect(CASES.some((c) => c.action === action && c.expected === 'Allowed')).toBe(true);
      expect(CASES.some((c) => c.action === action && c.expected === 'ExplicitlyDenied')).toBe(true);
    }
    expect(CASES.some((c) => c.principal === 'otherAccount' && c.expected === 'ImplicitlyDenied')).toBe(true);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  test('each configuration allows some upload and denies some upload (no all-open or all-closed mode)', () => {
    for (const config of CONFIGS) {
      const uploads = CASES.filter((c) => c.config === config && c.action === 's3:PutObject' && c.principal === 'sameAccount');
      expect(uploads.some((c) => c.expected === 'Allowed')).toBe(true);
      expect(uploads.some((c) => c.expected === 'ExplicitlyDenied')).toBe(true);
    }
  });
});

describe('bucket policy decisions', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const bucket = bucketFixture().buckets[c.config.id];
    const principal = principalFor(c);
    const verdict = await evaluate(requestFor(c, bucket, principal), { identity: principal.identity, resource: bucket.policy });
    expect(verdict).toBe(c.expected);
  });
});

describe('the evaluator cannot pass silently', () => {
  const kmsCase = () => CASES.find((c) => c.config.id === 'Kms' && c.upload?.id === 'aes256' &&
    c.transport.id === 'tls1.2' && c.principal === 'sameAccount')!;

  test('the control case: an AES256 upload to the kms() bucket is explicitly denied', async () => {
    const c = kmsCase();
    const bucket = bucketFixture().buckets.Kms;
    const principal = principalFor(c);
    expect(await evaluate(requestFor(c, bucket, principal), { identity: principal.identity, resource: bucket.policy }))
      .toBe('ExplicitlyDenied');
  });

  test('a misspelled condition key in the bucket policy fails the evaluation', async () => {
    const c = kmsCase();
    const bucket = bucketFixture().buckets.Kms;
    const principal = principalFor(c);
    const misspelled = misspell(bucket.policy, 's3:x-amz-server-side-encryption', 's3:x-amz-server-side-encyption');
    const policies = { identity: principal.identity, resource: misspelled };

    expect(await unknownConditionKeys(requestFor(c, bucket, principal), policies)).toEqual(['s3:x-amz-server-side-encyption']);
    await expect(evaluate(requestFor(c, bucket, principal), policies)).rejects.toThrow(EvaluationInputError);
    await expect(evaluate(requestFor(c, bucket, principal), policies)).rejects.toThrow(/s3:x-amz-server-side-encyption/);
  });

  test('a misspelled context key in the request fails the evaluation', async () => {
    const c = kmsCase();
    const bucket = bucketFixture().buckets.Kms;
    const principal = principalFor(c);
    const request = requestFor(c, bucket, principal);
    const { ['s3:x-amz-server-side-encryption']: value, ...rest } = request.context;
    const misspelled = { ...request, context: { ...rest, 's3:x-amz-server-side-encyption': value } };

    await expect(evaluate(misspelled, { identity: principal.identity, resource: bucket.policy }))
      .rejects.toThrow(/ignored request context keys.*s3:x-amz-server-side-encyption/);
  });

  test('a key that exists, but not for the action, fails too (s3:x-amz-server-side-encryption on GetObject)', async () => {
    const c = CASES.find((x) => x.config.id === 'Kms' && x.action === 's3:GetObject' && x.transport.id === 'tls1.2')!;
    const bucket = bucketFixture().buckets.Kms;
    const principal = principalFor(c);
    const request = requestFor(c, bucket, principal);
    const withHeader = { ...request, context: { ...request.context, 's3:x-amz-server-side-encryption': 'AES256' } };

    await expect(evaluate(withHeader, { identity: principal.identity, resource: bucket.policy })).rejects.toThrow(/ignored/);
  });
});

/** A deep copy of the policy with one condition key renamed everywhere. */
function misspell(policy: PolicyDocument, key: string, wrong: string): PolicyDocument {
  const copy = JSON.parse(JSON.stringify(policy)) as PolicyDocument;
  let renamed = 0;
  for (const statement of [copy.Statement].flat()) {
    for (const operator of Object.values(statement.Condition ?? {})) {
      if (key in operator) {
        operator[wrong] = operator[key];
        delete operator[key];
        renamed++;
      }
    }
  }
  if (renamed === 0) throw new Error(`${key} is not in the policy`);
  return copy;
}
