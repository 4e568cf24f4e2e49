/**
 * Compositions proven as deployed: each test writes down the calls that a client or an AWS service
 * makes (test/policy-eval/REQUEST-CONTEXT.md, "Request chains", names the AWS document behind each)
 * and evaluates every call against every policy that decides it (test/policy-eval/chain.ts). A
 * chain holds only if every call is allowed under every reading; the negatives beside each must be
 * denied under every reading. Each configuration is synthesized once, at module scope.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptedBucket } from '../lib';
import { allowedUnder, Chain, chainFailures, ChainCall, directKmsContext, kmsViaS3Context, s3Context } from './policy-eval/chain';
import type { PolicyDocument } from './policy-eval/evaluate';
import { bucketPolicyOf, identityPoliciesOf, PrincipalUnderTest } from './policy-eval/fixture';
import { CfnTemplate, TemplateResolver, TEST_ACCOUNT } from './policy-eval/resolve';

/** What a chain needs of a synthesized stack. */
class Synthesized {
  public readonly resolver: TemplateResolver;
  constructor(public readonly stack: Stack, resolver?: TemplateResolver) {
    this.resolver = resolver ?? new TemplateResolver(Template.fromStack(stack).toJSON() as CfnTemplate);
  }
  public bucketArn(bucket: s3.IBucket): string {
    return this.resolver.attribute(this.stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket), 'Arn');
  }
  public bucketPolicy(bucket: s3.IBucket): PolicyDocument {
    return bucketPolicyOf(this.resolver, this.stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket));
  }
  public keyArn(key: kms.IKey): string {
    return this.resolver.attribute(this.stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn');
  }
  public keyPolicy(key: kms.IKey): PolicyDocument {
    const id = this.stack.getLogicalId(key.node.defaultChild as kms.CfnKey);
    return this.resolver.resolve(this.resolver.resource(id, 'AWS::KMS::Key').Properties!.KeyPolicy);
  }
  public role(role: iam.IRole): PrincipalUnderTest {
    const id = this.stack.getLogicalId(role.node.defaultChild as iam.CfnRole);
    return { arn: this.resolver.attribute(id, 'Arn'), identity: identityPoliciesOf(this.resolver, id) };
  }
}

const OBJECT = 'reports/2026/data.csv';

// ---------------------------------------------------------------------------------------------
// Lambda readers and writers (the README recipe)
// ---------------------------------------------------------------------------------------------

const lambdaApp = (() => {
  const stack = new Stack(new App(), 'LambdaChains');
  const bucket = new EncryptedBucket(stack, 'Data');
  const neighbour = new EncryptedBucket(stack, 'Neighbour');
  const code = lambda.Code.fromInline('exports.handler = async () => {};');
  const fn = (id: string) => new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_20_X, handler: 'index.handler', code });
  const reader = fn('Reader');
  const writer = fn('Writer');
  bucket.grantRead(reader);
  bucket.grantWrite(writer);
  const s = new Synthesized(stack);
  return {
    bucketArn: s.bucketArn(bucket), bucketPolicy: s.bucketPolicy(bucket),
    keyArn: s.keyArn(bucket.encryptionKey!), keyPolicy: s.keyPolicy(bucket.encryptionKey!),
    neighbourArn: s.bucketArn(neighbour), neighbourPolicy: s.bucketPolicy(neighbour),
    neighbourKeyArn: s.keyArn(neighbour.encryptionKey!), neighbourKeyPolicy: s.keyPolicy(neighbour.encryptionKey!),
    reader: s.role(reader.role!), writer: s.role(writer.role!),
  };
})();

function lambdaCalls(role: PrincipalUnderTest, target: 'bucket' | 'neighbour' = 'bucket') {
  const a = lambdaApp;
  const bucketArn = target === 'bucket' ? a.bucketArn : a.neighbourArn;
  const keyArn = target === 'bucket' ? a.keyArn : a.neighbourKeyArn;
  const kmsContext = kmsViaS3Context({ bucketArn, object: OBJECT, bucketKeys: true });
  const base = { principal: role.arn, identity: role.identity, resourceAccount: TEST_ACCOUNT };
  const put: ChainCall = {
    ...base, step: 'PutObject without encryption headers (the bucket default applies)', doc: 'Amazon S3 API Reference, PutObject',
    action: 's3:PutObject', resource: `${bucketArn}/${OBJECT}`,
    resourcePolicy: target === 'bucket' ? a.bucketPolicy : a.neighbourPolicy,
    context: s3Context({ mode: 'kms', write: 'none', bucketKeyArn: keyArn }),
  };
  const get: ChainCall = { ...put, step: 'GetObject', action: 's3:GetObject', context: s3Context({ mode: 'kms' }) };
  const kmsCall = (action: string, step: string): ChainCall => ({
    ...base, step, doc: 'Amazon S3 User Guide, Using server-side encryption with AWS KMS keys (SSE-KMS); Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys',
    action, resource: keyArn, resourcePolicy: target === 'bucket' ? a.keyPolicy : a.neighbourKeyPolicy, context: kmsContext,
  });
  return {
    put, get,
    generateDataKey: kmsCall('kms:GenerateDataKey', 'S3 generates the Bucket Key with the caller\'s permission'),
    decrypt: kmsCall('kms:Decrypt', 'S3 decrypts the Bucket Key with the caller\'s permission'),
  };
}

describe('Lambda readers and writers', () => {
  test('a writer writes: PutObject, then S3 generates the data key as the writer', async () => {
    const c = lambdaCalls(lambdaApp.writer);
    const chain: Chain = { name: 'Lambda writer', calls: [c.put, c.generateDataKey] };
    expect(await chainFailures(chain)).toEqual([]);
  });

  test('a reader reads: GetObject, then S3 decrypts as the reader', async () => {
    const c = lambdaCalls(lambdaApp.reader);
    expect(await chainFailures({ name: 'Lambda reader', calls: [c.get, c.decrypt] })).toEqual([]);
  });

  test('negatives: the reader cannot write, neither role reaches the neighbour bucket or its key, no direct KMS call', async () => {
    const reader = lambdaCalls(lambdaApp.reader);
    const writer = lambdaCalls(lambdaApp.writer);
    const negatives: ChainCall[] = [
      reader.put, reader.generateDataKey,
      ...[lambdaApp.reader, lambdaApp.writer].flatMap((role) => {
        const n = lambdaCalls(role, 'neighbour');
        return [n.put, n.get, n.generateDataKey, n.decrypt];
      }),
      { ...writer.generateDataKey, step: 'direct GenerateDataKey', context: directKmsContext({ bucketArn: lambdaApp.bucketArn, object: OBJECT, bucketKeys: true }) },
      { ...reader.decrypt, step: 'direct Decrypt', context: directKmsContext({ bucketArn: lambdaApp.bucketArn, object: OBJECT, bucketKeys: true }) },
      // The writer's key use is limited to this bucket: a context naming the neighbour is refused.
      { ...writer.generateDataKey, step: 'GenerateDataKey for the neighbour through S3', context: kmsViaS3Context({ bucketArn: lambdaApp.neighbourArn, object: OBJECT, bucketKeys: true }) },
    ];
    for (const call of negatives) {
      expect([call.step, await allowedUnder(call)]).toEqual([call.step, []]);
    }
  });
});
