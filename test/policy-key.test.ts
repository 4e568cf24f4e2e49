/**
 * Proves, with the independent IAM policy evaluator, who may use a bucket's customer managed key
 * through S3: the caller's identity policies as synthesized (grants included) plus the key policy.
 *
 * From the semantics: S3 calls KMS as the requesting principal, with kms:ViaService
 * s3.<region>.amazonaws.com and the encryption context aws:s3:arn (the bucket ARN with S3 Bucket
 * Keys, the object ARN without them and with DSSE-KMS). A writer needs kms:GenerateDataKey, a reader kms:Decrypt, and a
 * multipart writer both. A same-account principal needs an Allow in its IAM policy, which the
 * key policy honours by trusting the account; another account's principal would also need the
 * key policy to name it, and these key policies trust only their own account.
 */
import { KEY_EXPECTED, KEY_MODES, KeyUser, KmsAction } from './policy-eval/cases';
import { evaluateKms, withS3ArnContext } from './policy-eval/encryption-context';
import { KEY_CONFIGS, keyFixture, KeyUnderTest, PrincipalUnderTest } from './policy-eval/fixture';
import { OTHER_ACCOUNT, TEST_ACCOUNT, TEST_REGION } from './policy-eval/resolve';

// The expected verdicts (KEY_EXPECTED) are written down in cases.ts, from the semantics.
const CASES = KEY_CONFIGS.flatMap(({ id }) =>
  (Object.keys(KEY_EXPECTED) as KeyUser[]).flatMap((who) =>
    (Object.keys(KEY_EXPECTED[who]) as KmsAction[]).map((action) => ({ id, who, action, expected: KEY_EXPECTED[who][action] }))));

function s3Request(key: KeyUnderTest, principal: PrincipalUnderTest, action: KmsAction, callerAccount: string) {
  // Kms and KmsWithKey use S3 Bucket Keys (the default of kms()), DSSE-KMS cannot.
  const s3Arn = key.id === 'DsseKms' ? `${key.bucketArn}/some/object` : key.bucketArn;
  return withS3ArnContext({
    principal: principal.arn,
    action,
    resource: key.keyArn,
    resourceAccount: TEST_ACCOUNT,
    context: {
      'kms:ViaService': `s3.${TEST_REGION}.amazonaws.com`,
      'kms:CallerAccount': callerAccount,
      'aws:SecureTransport': 'true',
    },
  }, s3Arn);
}

beforeAll(() => {
  keyFixture();
});

test('the key matrix covers every mode with a customer managed key', () => {
  expect(CASES).toHaveLength(KEY_CONFIGS.length * 8);
  expect(KEY_CONFIGS.map((k) => k.mode).sort()).toEqual([...KEY_MODES].sort());
  expect(KEY_MODES.length).toBe(3);
});

test.each(CASES)('$id: $who calls $action through S3 -> $expected', async ({ id, who, action, expected }) => {
  const key = keyFixture()[id];
  const principal = key[who];
  const verdict = await evaluateKms(
    s3Request(key, principal, action, who === 'otherAccount' ? OTHER_ACCOUNT : TEST_ACCOUNT),
    { identity: principal.identity, resource: key.keyPolicy },
  );
  expect(verdict).toBe(expected);
});

test('without its identity policy the writer is denied: the key policy alone grants no role anything', async () => {
  const key = keyFixture().Kms;
  const verdict = await evaluateKms(s3Request(key, key.writer, 'kms:GenerateDataKey', TEST_ACCOUNT),
    { identity: [], resource: key.keyPolicy });
  expect(verdict).toBe('ImplicitlyDenied');
});

test('the writer grant names this key only: another key of the same account is not usable', async () => {
  const fixture = keyFixture();
  const verdict = await evaluateKms(
    { ...s3Request(fixture.Kms, fixture.Kms.writer, 'kms:GenerateDataKey', TEST_ACCOUNT), resource: fixture.DsseKms.keyArn },
    { identity: fixture.Kms.writer.identity, resource: fixture.DsseKms.keyPolicy },
  );
  expect(verdict).toBe('ImplicitlyDenied');
});
