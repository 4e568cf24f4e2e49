/*
 * EncryptionGuard in real apps: buckets that AWS requires to use SSE-S3 (log targets), and CDK's
 * own asset buckets, which the app imports but cannot change.
 */
import { App, Aspects, LegacyStackSynthesizer, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { EncryptedBucket, EncryptionGuard, EncryptionGuardProps, S3EncryptionStack, ServerSideEncryption } from '../lib';

const env = { account: '111122223333', region: 'eu-west-1' };

function guarded(build: (stack: Stack) => void, props: EncryptionGuardProps = { requireKms: true },
  stackProps: ConstructorParameters<typeof Stack>[2] = { env }) {
  const app = new App();
  const stack = new Stack(app, 'App', stackProps);
  build(stack);
  const guard = new EncryptionGuard(props);
  Aspects.of(app).add(guard, { priority: guard.priority });
  return Annotations.fromStack(stack);
}

const KMS_REQUIRED = Match.stringLikeRegexp('\\[KmsRequired\\]');

describe('requireKms and log targets', () => {
  test('a server access log target (SSE-S3) is recognized; an SSE-S3 bucket that is not one still falls short', () => {
    const annotations = guarded((stack) => {
      const logs = new EncryptedBucket(stack, 'Logs', { serverSideEncryption: ServerSideEncryption.s3Managed() });
      new EncryptedBucket(stack, 'Data', { serverAccessLogsBucket: logs });
      new EncryptedBucket(stack, 'Other', { serverSideEncryption: ServerSideEncryption.s3Managed() });
    });
    annotations.hasNoError('/App/Logs/Resource', Match.anyValue());
    annotations.hasNoError('/App/Data/Resource', Match.anyValue());
    annotations.hasError('/App/Other/Resource', KMS_REQUIRED);
  });

  test('the finding names the way to exempt a log bucket', () => {
    const annotations = guarded((stack) => {
      new EncryptedBucket(stack, 'Other', { serverSideEncryption: ServerSideEncryption.s3Managed() });
    });
    annotations.hasError('/App/Other/Resource', Match.stringLikeRegexp('\\[KmsRequired\\].*list it in logDeliveryBuckets'));
  });

  test('self-logging and an L1 LoggingConfiguration are recognized', () => {
    const annotations = guarded((stack) => {
      new EncryptedBucket(stack, 'Self', { serverSideEncryption: ServerSideEncryption.s3Managed(), serverAccessLogsPrefix: 'self/' });
      const target = new EncryptedBucket(stack, 'L1Target', { serverSideEncryption: ServerSideEncryption.s3Managed() });
      const source = new EncryptedBucket(stack, 'Source');
      (source.node.defaultChild as s3.CfnBucket).loggingConfiguration = { destinationBucketName: target.bucketName };
    });
    annotations.hasNoError('*', Match.anyValue());
  });

  test.each(['eu-west-1', 'ap-southeast-5'])('an Application Load Balancer access-log bucket is recognized (%s)', (region) => {
    const annotations = guarded((stack) => {
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
      const lb = new elbv2.ApplicationLoadBalancer(stack, 'Lb', { vpc });
      const logs = new s3.Bucket(stack, 'AlbLogs', {
        encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true, blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C],
      });
      lb.logAccessLogs(logs, 'alb');
    }, { requireKms: true }, { env: { ...env, region } });
    annotations.hasNoError('/App/AlbLogs/Resource', Match.anyValue());
  });

  test('logDeliveryBuckets exempts a bucket whose log sources live elsewhere', () => {
    let logs!: EncryptedBucket;
    const build = (stack: Stack) => {
      logs = new EncryptedBucket(stack, 'Logs', { serverSideEncryption: ServerSideEncryption.s3Managed() });
    };
    guarded(build).hasError('/App/Logs/Resource', KMS_REQUIRED);
    const app = new App();
    const stack = new Stack(app, 'App', { env });
    build(stack);
    const guard = new EncryptionGuard({ requireKms: true, logDeliveryBuckets: [logs] });
    Aspects.of(app).add(guard, { priority: guard.priority });
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
  });

  test('logDeliveryBuckets must be constructs', () => {
    expect(() => new EncryptionGuard({ logDeliveryBuckets: ['logs'] as any })).toThrow(/logDeliveryBuckets must be an array of constructs/);
  });

  test('the reference stack under requireKms: only the SSE-S3 demo bucket falls short, not the access-log bucket', () => {
    const app = new App();
    const stack = new S3EncryptionStack(app, 'Reference');
    const guard = new EncryptionGuard({ requireKms: true });
    Aspects.of(app).add(guard, { priority: guard.priority });
    const errors = Annotations.fromStack(stack).findError('*', Match.anyValue());
    expect(errors.map((e) => e.id)).toEqual(['/Reference/S3ManagedBucket/Resource']);
    expect(errors[0].entry.data).toMatch(/\[KmsRequired\]/);
  });
});

describe('CDK asset buckets', () => {
  function withAssets(stack: Stack) {
    const bucket = new EncryptedBucket(stack, 'Site');
    new s3deploy.BucketDeployment(stack, 'Deploy', { sources: [s3deploy.Source.data('index.html', 'hi')], destinationBucket: bucket });
    new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_20_X, handler: 'index.handler', code: lambda.Code.fromAsset(__dirname, { exclude: ['**', '!util.ts'] }),
    });
  }

  test.each([
    ['the default synthesizer', undefined],
    ['the legacy synthesizer', () => new LegacyStackSynthesizer()],
  ])('BucketDeployment and Lambda assets give no imported-bucket warning (%s); another imported bucket still does', (_, synthesizer) => {
    const annotations = guarded((stack) => {
      withAssets(stack);
      s3.Bucket.fromBucketName(stack, 'Partner', 'partner-bucket');
    }, {}, { env, synthesizer: synthesizer?.() });
    const warnings = annotations.findWarning('*', Match.stringLikeRegexp('imported bucket'));
    expect(warnings.map((w) => w.id)).toEqual(['/App/Partner']);
  });
});
