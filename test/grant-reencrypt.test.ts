/**
 * grantReencrypt: what UpdateObjectEncryption needs, one object at a time or as the role of an S3
 * Batch Operations job, proven with the independent evaluator. The grantee may re-encrypt this
 * bucket's objects, use the bucket's key and the previous key only through S3 for this bucket,
 * and nothing of the neighbour bucket that shares the key.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptedBucket, EncryptionKey, ServerSideEncryption } from '../lib';
import { evaluateKms, S3_ARN_CONTEXT_KEY } from './policy-eval/encryption-context';
import { evaluate, EvalPolicies } from './policy-eval/evaluate';
import { identityPoliciesOf } from './policy-eval/fixture';
import { CfnTemplate, TemplateResolver, TEST_ACCOUNT, TEST_REGION } from './policy-eval/resolve';

const VIA_S3 = `s3.${TEST_REGION}.amazonaws.com`;

const fixture = (() => {
  const app = new App();
  const stack = new Stack(app, 'Reencrypt', { env: { account: TEST_ACCOUNT, region: TEST_REGION } });
  const previousKey = new EncryptionKey(stack, 'PreviousKey');
  const key = new EncryptionKey(stack, 'Key');
  const bucket = new EncryptedBucket(stack, 'Data', { serverSideEncryption: ServerSideEncryption.kms({ key }) });
  const neighbour = new EncryptedBucket(stack, 'Neighbour', { serverSideEncryption: ServerSideEncryption.kms({ key }) });
  // The role of an S3 Batch Operations job.
  const role = new iam.Role(stack, 'BatchRole', { assumedBy: new iam.ServicePrincipal('batchoperations.s3.amazonaws.com') });
  bucket.grantReencrypt(role, previousKey);
  const resolver = new TemplateResolver(Template.fromStack(stack).toJSON() as CfnTemplate);
  const id = (c: kms.Key | s3.Bucket | iam.Role) => stack.getLogicalId(c.node.defaultChild as any);
  const keyPolicy = (k: kms.Key) => resolver.resolve(resolver.resource(id(k), 'AWS::KMS::Key').Properties!.KeyPolicy);
  return {
    roleArn: resolver.attribute(id(role), 'Arn'),
    identity: identityPoliciesOf(resolver, id(role)),
    bucketArn: resolver.attribute(id(bucket), 'Arn'),
    neighbourArn: resolver.attribute(id(neighbour), 'Arn'),
    key: { arn: resolver.attribute(id(key), 'Arn'), policy: keyPolicy(key) },
    previousKey: { arn: resolver.attribute(id(previousKey), 'Arn'), policy: keyPolicy(previousKey) },
  };
})();

describe('S3 actions (identity policy of the job role, same account)', () => {
  test.each([
    ['s3:UpdateObjectEncryption', 'granted', 'Allowed'],
    ['s3:PutObject', 'granted', 'Allowed'],
    ['s3:UpdateObjectEncryption', 'neighbour', 'ImplicitlyDenied'],
    ['s3:PutObject', 'neighbour', 'ImplicitlyDenied'],
    ['s3:DeleteObject', 'granted', 'ImplicitlyDenied'],
    ['s3:GetObject', 'granted', 'ImplicitlyDenied'],
  ])('%s on an object of the %s bucket: %s', async (action, which, expected) => {
    const bucketArn = which === 'granted' ? fixture.bucketArn : fixture.neighbourArn;
    const policies: EvalPolicies = { identity: fixture.identity };
    expect(await evaluate({
      principal: fixture.roleArn, action, resource: `${bucketArn}/old/object.csv`, resourceAccount: TEST_ACCOUNT,
      context: { 'aws:SecureTransport': 'true' },
    }, policies)).toBe(expected);
  });
});

describe('KMS: both keys only through S3 for this bucket, each with the actions re-encryption needs', () => {
  const cases: Array<[string, 'key' | 'previousKey', string, 'granted' | 'neighbour', boolean, string]> = [];
  const newKeyActions = ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptTo', 'kms:Decrypt'];
  const previousKeyActions = ['kms:Decrypt', 'kms:ReEncryptFrom'];
  for (const [which, allowedActions] of [['key', newKeyActions], ['previousKey', previousKeyActions]] as const) {
    for (const action of ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptTo', 'kms:ReEncryptFrom', 'kms:Decrypt']) {
      const grantedAction = allowedActions.includes(action);
      cases.push([which, which, action, 'granted', true, grantedAction ? 'Allowed' : 'ImplicitlyDenied']);
      cases.push([which, which, action, 'granted', false, 'ImplicitlyDenied']);
      cases.push([which, which, action, 'neighbour', true, 'ImplicitlyDenied']);
    }
  }
  test.each(cases.map(([name, which, action, bucket, viaS3, expected]) =>
    [`${name}: ${action}, ${bucket} bucket, ${viaS3 ? 'through S3' : 'directly'}`, which, action, bucket, viaS3, expected] as const))(
    '%s', async (_name, which, action, bucket, viaS3, expected) => {
      const k = fixture[which];
      const bucketArn = bucket === 'granted' ? fixture.bucketArn : fixture.neighbourArn;
      const context: Record<string, string> = {
        'aws:SecureTransport': 'true', 'kms:CallerAccount': TEST_ACCOUNT, [S3_ARN_CONTEXT_KEY]: `${bucketArn}/old/object.csv`,
      };
      if (viaS3) context['kms:ViaService'] = VIA_S3;
      expect(await evaluateKms({ principal: fixture.roleArn, action, resource: k.arn, resourceAccount: TEST_ACCOUNT, context },
        { identity: fixture.identity, resource: k.policy })).toBe(expected);
    });
});

describe('modes', () => {
  function bucketIn(sse: ServerSideEncryption) {
    const stack = new Stack(new App(), 'S', { env: { account: TEST_ACCOUNT, region: TEST_REGION } });
    return { stack, bucket: new EncryptedBucket(stack, 'B', { serverSideEncryption: sse }) };
  }

  test.each([
    ['s3Managed', () => ServerSideEncryption.s3Managed()],
    ['dsseKms', () => ServerSideEncryption.dsseKms()],
    ['customerProvided', () => ServerSideEncryption.customerProvided()],
  ])('%s: an error naming the modes that accept re-encryption', (_, sse) => {
    const { stack, bucket } = bucketIn(sse());
    expect(() => bucket.grantReencrypt(new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() })))
      .toThrow(/grantReencrypt needs a bucket whose policy allows re-encryption in place, ServerSideEncryption.kms\(\) or kmsManaged\(\)/);
  });

  test('kmsManaged: the S3 actions, nothing on KMS', () => {
    const { stack, bucket } = bucketIn(ServerSideEncryption.kmsManaged());
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    bucket.grantReencrypt(role);
    const roleRef = { Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) };
    const actions = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([roleRef]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement).flatMap((st: any) => [st.Action].flat());
    expect(actions.sort()).toEqual(['s3:PutObject', 's3:UpdateObjectEncryption']);
  });
});
