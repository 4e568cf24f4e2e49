/**
 * EncryptedBucket.fromBucketAttributes: a bucket the app does not own, with a known key, gets
 * the scoped grants of an EncryptedBucket. Proven with the independent evaluator: the grantee's
 * KMS permissions work through S3 in the bucket's region for this bucket only.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptedBucket, EncryptionValidationError } from '../lib';
import { evaluateKms, S3_ARN_CONTEXT_KEY } from './policy-eval/encryption-context';
import { evaluate } from './policy-eval/evaluate';
import { identityPoliciesOf } from './policy-eval/fixture';
import { CfnTemplate, TemplateResolver, TEST_ACCOUNT, TEST_REGION } from './policy-eval/resolve';

const KEY_ARN = `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OTHER_REGION_KEY_ARN = `arn:aws:kms:us-east-1:${TEST_ACCOUNT}:key/5678abcd-12ab-34cd-56ef-1234567890ab`;

const fixture = (() => {
  const stack = new Stack(new App(), 'Consumer', { env: { account: TEST_ACCOUNT, region: TEST_REGION } });
  const shared = EncryptedBucket.fromBucketAttributes(stack, 'Shared', {
    bucketName: 'shared-data-of-another-team',
    encryptionKey: kms.Key.fromKeyArn(stack, 'SharedKey', KEY_ARN),
  });
  const remote = EncryptedBucket.fromBucketAttributes(stack, 'Remote', {
    bucketArn: 'arn:aws:s3:::archive-in-virginia',
    region: 'us-east-1',
    encryptionKey: kms.Key.fromKeyArn(stack, 'RemoteKey', OTHER_REGION_KEY_ARN),
  });
  const unscoped = s3.Bucket.fromBucketAttributes(stack, 'Unscoped', {
    bucketName: 'plain-import', encryptionKey: kms.Key.fromKeyArn(stack, 'PlainKey', KEY_ARN),
  });
  const role = (name: string) => new iam.Role(stack, name, { assumedBy: new iam.AccountRootPrincipal() });
  const reader = role('Reader');
  const writer = role('Writer');
  const remoteReader = role('RemoteReader');
  const plainReader = role('PlainReader');
  shared.grantRead(reader);
  shared.grantWrite(writer);
  remote.grantRead(remoteReader);
  unscoped.grantRead(plainReader);
  const resolver = new TemplateResolver(Template.fromStack(stack).toJSON() as CfnTemplate);
  const principal = (r: iam.Role) => {
    const id = stack.getLogicalId(r.node.defaultChild as iam.CfnRole);
    return { arn: resolver.attribute(id, 'Arn'), identity: identityPoliciesOf(resolver, id) };
  };
  return { reader: principal(reader), writer: principal(writer), remoteReader: principal(remoteReader), plainReader: principal(plainReader) };
})();

type Who = 'reader' | 'writer' | 'remoteReader' | 'plainReader';

async function kmsVerdict(who: Who, action: string, key: string, via: string | undefined, s3Arn: string) {
  const context: Record<string, string> = { 'aws:SecureTransport': 'true', 'kms:CallerAccount': TEST_ACCOUNT, [S3_ARN_CONTEXT_KEY]: s3Arn };
  if (via) context['kms:ViaService'] = via;
  return evaluateKms({ principal: fixture[who].arn, action, resource: key, resourceAccount: TEST_ACCOUNT, context },
    { identity: fixture[who].identity, resource: DEFAULT_KEY_POLICY });
}

const SHARED = 'arn:aws:s3:::shared-data-of-another-team';
/**
 * The imported key's policy lives outside the app: here, KMS's default key policy, which lets
 * the account's IAM policies decide (what a key made for a bucket usually has).
 */
const DEFAULT_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
};
const VIA = `s3.${TEST_REGION}.amazonaws.com`;

test.each([
  ['reader', 'kms:Decrypt', KEY_ARN, VIA, `${SHARED}/a.csv`, 'Allowed'],
  ['reader', 'kms:Decrypt', KEY_ARN, VIA, SHARED, 'Allowed'],
  ['reader', 'kms:Decrypt', KEY_ARN, undefined, `${SHARED}/a.csv`, 'ImplicitlyDenied'],
  ['reader', 'kms:Decrypt', KEY_ARN, VIA, 'arn:aws:s3:::another-bucket/a.csv', 'ImplicitlyDenied'],
  ['reader', 'kms:Decrypt', KEY_ARN, 's3.us-east-1.amazonaws.com', `${SHARED}/a.csv`, 'ImplicitlyDenied'],
  ['reader', 'kms:GenerateDataKey', KEY_ARN, VIA, `${SHARED}/a.csv`, 'ImplicitlyDenied'],
  ['writer', 'kms:GenerateDataKey', KEY_ARN, VIA, `${SHARED}/a.csv`, 'Allowed'],
  ['writer', 'kms:GenerateDataKey', KEY_ARN, undefined, `${SHARED}/a.csv`, 'ImplicitlyDenied'],
  ['writer', 'kms:GenerateDataKey', KEY_ARN, VIA, 'arn:aws:s3:::another-bucket/a.csv', 'ImplicitlyDenied'],
  // A bucket in another region: S3 calls KMS from that region.
  ['remoteReader', 'kms:Decrypt', OTHER_REGION_KEY_ARN, 's3.us-east-1.amazonaws.com', 'arn:aws:s3:::archive-in-virginia/a', 'Allowed'],
  ['remoteReader', 'kms:Decrypt', OTHER_REGION_KEY_ARN, VIA, 'arn:aws:s3:::archive-in-virginia/a', 'ImplicitlyDenied'],
  // aws-cdk-lib's own import, for comparison: the grant holds on the whole key, also directly.
  ['plainReader', 'kms:Decrypt', KEY_ARN, undefined, 'arn:aws:s3:::another-bucket/a.csv', 'Allowed'],
] as Array<[Who, string, string, string | undefined, string, string]>)('%s %s on %s via %s for %s: %s', async (who, action, key, via, s3Arn, expected) => {
  expect(await kmsVerdict(who, action, key, via, s3Arn)).toBe(expected);
});

test('the S3 actions are those of aws-cdk-lib, on this bucket', async () => {
  const request = (resource: string) => ({
    principal: fixture.reader.arn, action: 's3:GetObject', resource, resourceAccount: TEST_ACCOUNT, context: { 'aws:SecureTransport': 'true' },
  });
  expect(await evaluate(request(`${SHARED}/a.csv`), { identity: fixture.reader.identity })).toBe('Allowed');
  expect(await evaluate(request('arn:aws:s3:::another-bucket/a.csv'), { identity: fixture.reader.identity })).toBe('ImplicitlyDenied');
});

test('without a key, grants carry no KMS permission; bad attributes are reported', () => {
  const stack = new Stack(new App(), 'S');
  const bucket = EncryptedBucket.fromBucketAttributes(stack, 'NoKey', { bucketName: 'no-key' });
  const role = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
  bucket.grantRead(role);
  const actions = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement).flatMap((st: any) => [st.Action].flat());
  expect(actions.filter((a: string) => a.startsWith('kms:'))).toEqual([]);
  expect(() => EncryptedBucket.fromBucketAttributes(stack, 'Bad', { bucketName: 'b', encryptionKey: KEY_ARN as any }))
    .toThrow(EncryptionValidationError);
  expect(() => EncryptedBucket.fromBucketAttributes(stack, 'Bad2', { bucketName: 'b', encryptionKey: KEY_ARN as any }))
    .toThrow(/EncryptedBucket.fromBucketAttributes 'S\/Bad2': encryptionKey: key must be a KMS key construct/);
});
