import { App, AspectPriority, Aspects, IAspect, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { EncryptionGuard, EncryptionGuardCheck as Check } from '../lib';

/*
 * EncryptionGuard finds bucket policies and keys through an index of the app built once, not
 * by searching the tree per bucket. These cases change the tree after the index was built (by
 * another Aspect, which runs between the guard's visits), or look keys up by logical id: the
 * guard must judge each bucket on the tree as it is when the bucket is judged.
 */

const SSE_S3_BLOCKING_SSE_C = {
  serverSideEncryptionConfiguration: [{
    serverSideEncryptionByDefault: { sseAlgorithm: 'AES256' },
    blockedEncryptionTypes: { encryptionType: ['SSE-C'] },
  }],
};

function tlsDeny(arn: string) {
  return { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [arn, `${arn}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } };
}

/** Every error annotation, as construct path -> the check codes its message lists. */
function errorChecks(stack: Stack): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const error of Annotations.fromStack(stack).findError('*', Match.anyValue())) {
    result[error.id] = [...String(error.entry.data).matchAll(/^- \[(\w+)\] /gm)].map((m) => m[1]);
  }
  return result;
}

/** An Aspect that runs `action` once on each construct that `when` picks. */
class OnVisit implements IAspect {
  constructor(private readonly when: (node: IConstruct) => boolean, private readonly action: (node: IConstruct) => void) {}
  public visit(node: IConstruct): void {
    if (this.when(node)) this.action(node);
  }
}

/** A first stack whose bucket the guard judges first (which builds the index), and a second one. */
function twoStacks() {
  const app = new App();
  const first = new Stack(app, 'First');
  new s3.Bucket(first, 'Bucket', { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true, blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C] });
  const second = new Stack(app, 'Second');
  return { app, first, second };
}

test('a statement that another Aspect adds to an L2 bucket after the index was built counts', () => {
  const { app, first, second } = twoStacks();
  new s3.Bucket(second, 'Late', { encryption: s3.BucketEncryption.S3_MANAGED, blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C] });
  Aspects.of(app).add(new OnVisit((n) => n instanceof s3.Bucket && n.node.id === 'Late' && !n.policy, (n) => {
    const bucket = n as s3.Bucket;
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      effect: iam.Effect.DENY, principals: [new iam.StarPrincipal()], actions: ['s3:*'],
      resources: [bucket.bucketArn, bucket.arnForObjects('*')], conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    }));
  }), { priority: AspectPriority.MUTATING });
  Aspects.of(app).add(new EncryptionGuard(), { priority: AspectPriority.READONLY });
  expect(errorChecks(first)).toEqual({});
  expect(errorChecks(second)).toEqual({});
});

test('a bucket policy that another Aspect creates after the index was built, before the bucket in the tree, counts', () => {
  const { app, first, second } = twoStacks();
  const holder = new Construct(second, 'Holder');
  const bucket = new s3.CfnBucket(second, 'L1', { bucketEncryption: SSE_S3_BLOCKING_SSE_C });
  Aspects.of(app).add(new OnVisit((n) => n === holder && !holder.node.tryFindChild('Policy'), () => {
    new s3.CfnBucketPolicy(holder, 'Policy', { bucket: bucket.ref, policyDocument: { Statement: [tlsDeny(bucket.attrArn)] } });
  }), { priority: AspectPriority.MUTATING });
  Aspects.of(app).add(new EncryptionGuard(), { priority: AspectPriority.READONLY });
  expect(errorChecks(first)).toEqual({});
  expect(errorChecks(second)).toEqual({});
});

test('a bucket policy removed from the tree after the index was built no longer counts', () => {
  const { app, first, second } = twoStacks();
  const bucket = new s3.CfnBucket(second, 'L1', { bucketEncryption: SSE_S3_BLOCKING_SSE_C });
  new s3.CfnBucketPolicy(second, 'Policy', { bucket: bucket.ref, policyDocument: { Statement: [tlsDeny(bucket.attrArn)] } });
  Aspects.of(app).add(new OnVisit((n) => n === second, () => second.node.tryRemoveChild('Policy')), { priority: AspectPriority.MUTATING });
  Aspects.of(app).add(new EncryptionGuard(), { priority: AspectPriority.READONLY });
  expect(errorChecks(first)).toEqual({});
  expect(errorChecks(second)).toEqual({ '/Second/L1': [Check.TLS_NOT_REQUIRED] });
});

test('the policy that remediation creates for one bucket is seen by a later guard, bucket by bucket', () => {
  const app = new App();
  const stacks = [new Stack(app, 'A'), new Stack(app, 'B')];
  for (const stack of stacks) {
    for (const id of ['One', 'Two']) new s3.Bucket(stack, id);
  }
  Aspects.of(app).add(new EncryptionGuard({ remediate: true }), { priority: AspectPriority.MUTATING });
  Aspects.of(app).add(new EncryptionGuard(), { priority: AspectPriority.READONLY });
  for (const stack of stacks) {
    expect(errorChecks(stack)).toEqual({});
    Template.fromStack(stack).resourceCountIs('AWS::S3::BucketPolicy', 2);
  }
});

describe('a key named by a hand-written intrinsic is found by its logical id', () => {
  function bucketWithKey(intrinsic: (logicalId: string) => unknown) {
    const app = new App();
    const stack = new Stack(app, 'App');
    const key = new kms.Key(stack, 'Key'); // no rotation
    const logicalId = stack.getLogicalId(key.node.defaultChild as kms.CfnKey);
    const bucket = new s3.CfnBucket(stack, 'Bucket', {
      bucketEncryption: { serverSideEncryptionConfiguration: [{
        serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: intrinsic(logicalId) as string },
        blockedEncryptionTypes: { encryptionType: ['SSE-C'] },
      }] },
    });
    new s3.CfnBucketPolicy(stack, 'Policy', { bucket: bucket.ref, policyDocument: { Statement: [tlsDeny(bucket.attrArn)] } });
    return { app, stack, key };
  }

  test('by Fn::GetAtt Arn: the key must rotate', () => {
    const { app, stack } = bucketWithKey((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }));
    Aspects.of(app).add(new EncryptionGuard(), { priority: AspectPriority.READONLY });
    expect(errorChecks(stack)).toEqual({ '/App/Bucket': [Check.KEY_NOT_ROTATING] });
  });

  test('by Ref: named by key id, and the key must rotate', () => {
    const { app, stack } = bucketWithKey((id) => ({ Ref: id }));
    Aspects.of(app).add(new EncryptionGuard(), { priority: AspectPriority.READONLY });
    expect(errorChecks(stack)).toEqual({ '/App/Bucket': [Check.KEY_NOT_NAMED_BY_ARN, Check.KEY_NOT_ROTATING] });
  });

  test('remediate turns rotation on', () => {
    const { app, stack } = bucketWithKey((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }));
    Aspects.of(app).add(new EncryptionGuard({ remediate: true }), { priority: AspectPriority.MUTATING });
    expect(errorChecks(stack)).toEqual({});
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('an unknown logical id is not a key of the app', () => {
    const { app, stack } = bucketWithKey(() => ({ 'Fn::GetAtt': ['SomethingElse', 'Arn'] }));
    Aspects.of(app).add(new EncryptionGuard(), { priority: AspectPriority.READONLY });
    expect(errorChecks(stack)).toEqual({});
  });
});
