/**
 * Proves every bucket policy with an independent IAM policy evaluator (@cloud-copilot/iam-simulate,
 * a test-only devDependency): the synthesized template is resolved to literal ARNs for a fixed
 * account and region, and each request of the matrix in test/policy-eval/cases.ts is authorized
 * against the bucket policy plus the caller's identity policy. Expected verdicts come from the
 * S3/IAM semantics, written down in cases.ts, not from the library.
 */
import { ACTIONS, allCases, CONFIGS, KEY_ID_READINGS, KeyIdReading, PolicyCase, WRITES } from './policy-eval/cases';
import { evaluate, EvalRequest, EvaluationInputError, PolicyDocument, unknownConditionKeys } from './policy-eval/evaluate';
import { bucketFixture, BucketUnderTest, PrincipalUnderTest } from './policy-eval/fixture';
import { KEY_ID, requestContext } from './policy-eval/request-context';
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
  test('has at least 2,164 cases (twice the 1,082 of one reading), and covers every configuration, action, write, principal and reading', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(2 * 1082);
    for (const config of CONFIGS) {
      expect(CASES.filter((c) => c.config === config).length).toBeGreaterThan(0);
    }
    for (const write of WRITES) {
      expect(CASES.some((c) => c.write === write)).toBe(true);
    }
    for (const action of ACTIONS) {
      expect(CASES.some((c) => c.action === action && c.expected === 'Allowed')).toBe(true);
      expect(CASES.some((c) => c.action === action && c.expected === 'ExplicitlyDenied')).toBe(true);
    }
    expect(CASES.some((c) => c.principal === 'otherAccount' && c.expected === 'ImplicitlyDenied')).toBe(true);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  test('every reading runs the same cases with the same expected verdicts', () => {
    const readings = Object.keys(KEY_ID_READINGS) as KeyIdReading[];
    const byReading = readings.map((reading) => CASES.filter((c) => c.reading === reading)
      .map((c) => `${c.name.replace(`key id ${reading}`, '')} ${c.expected}`));
    for (const cases of byReading.slice(1)) {
      expect(cases).toEqual(byReading[0]);
    }
  });

  test('the readings differ where they should: a header-less upload into a kms() bucket carries the key id only when S3 fills it in', () => {
    const noHeader = (reading: KeyIdReading) => CASES.find((c) => c.config.id === 'Kms' && c.write?.id === 'none' &&
      c.transport.id === 'tls1.2' && c.principal === 'sameAccount' && c.reading === reading)!;
    const bucket = bucketFixture().buckets.Kms;
    expect(requestContext(noHeader('headerOnly'), bucket.keyArn)[KEY_ID]).toBeUndefined();
    expect(requestContext(noHeader('effectiveKeyArn'), bucket.keyArn)[KEY_ID]).toBe(bucket.keyArn);
  });

  test('each configuration allows some upload and denies some upload (no all-open or all-closed mode)', () => {
    for (const config of CONFIGS) {
      const uploads = CASES.filter((c) => c.config === config && c.action === 's3:PutObject' && c.principal === 'sameAccount');
      expect(uploads.length).toBeGreaterThan(0);
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
  const kmsCase = () => CASES.find((c) => c.config.id === 'Kms' && c.write?.id === 'aes256' &&
    c.transport.id === 'tls1.2' && c.principal === 'sameAccount' && c.reading === 'headerOnly')!;

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
    const c = CASES.find((x) => x.config.id === 'Kms' && x.action === 's3:GetObject' && x.transport.id === 'tls1.2' &&
      x.reading === 'headerOnly')!;
    const bucket = bucketFixture().buckets.Kms;
    const principal = principalFor(c);
    const request = requestFor(c, bucket, principal);
    const withHeader = { ...request, context: { ...request.context, 's3:x-amz-server-side-encryption': 'AES256' } };

    await expect(evaluate(withHeader, { identity: principal.identity, resource: bucket.policy })).rejects.toThrow(/ignored/);
  });
});

describe('the readings catch what a single reading would miss', () => {
  const putCase = (configId: string, writeId: string, reading: KeyIdReading) => CASES.find((c) => c.config.id === configId &&
    c.write?.id === writeId && c.transport.id === 'tls1.2' && c.principal === 'sameAccount' && c.reading === reading)!;

  test('a kmsManaged() deny on "any key id present" passes under headerOnly but denies header-less uploads once S3 fills in aws/s3', async () => {
    const bucket = bucketFixture().buckets.KmsManaged;
    const principal = bucketFixture().client;
    const keyStatement = [bucket.policy.Statement].flat().find((st) => st.Sid === 'DenyIncorrectEncryptionKey')!;
    const naive = {
      ...bucket.policy,
      Statement: [bucket.policy.Statement].flat().map((st) => st === keyStatement
        ? { ...st, Condition: { Null: { [KEY_ID]: 'false' } } } : st),
    };
    const verdict = (reading: KeyIdReading) => {
      const c = putCase('KmsManaged', 'none', reading);
      return evaluate(requestFor(c, bucket, principal), { identity: principal.identity, resource: naive });
    };
    expect(await verdict('headerOnly')).toBe('Allowed');
    expect(await verdict('effectiveKeyArn')).toBe('ExplicitlyDenied');
    expect(await verdict('effectiveKeyAliasArn')).toBe('ExplicitlyDenied');
  });

  test('if S3 put no key id into the context of UpdateObjectEncryption, every re-encryption would be denied (fail closed)', async () => {
    const principal = bucketFixture().client;
    let evaluated = 0;
    for (const config of CONFIGS) {
      const bucket = bucketFixture().buckets[config.id];
      for (const c of CASES.filter((x) => x.config === config && x.action === 's3:UpdateObjectEncryption' &&
          x.transport.id === 'tls1.2' && x.principal === 'sameAccount' && x.reading === 'headerOnly')) {
        const request = requestFor(c, bucket, principal);
        const { [KEY_ID]: _dropped, ...context } = request.context;
        expect([c.name, await evaluate({ ...request, context }, { identity: principal.identity, resource: bucket.policy })])
          .toEqual([c.name, 'ExplicitlyDenied']);
        evaluated++;
      }
    }
    expect(evaluated).toBeGreaterThanOrEqual(CONFIGS.length * 3);
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
