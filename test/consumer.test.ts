// Composes the constructs through the package entry point (lib/index.ts, built to the package's
// `main`), the way another CDK app would. scripts/consumer-check.sh does the same from the packed
// tarball in a separate app.
import { App, Duration, Stack, StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import * as lib from '../lib';

class DataPlatformStack extends Stack {
  public readonly key: lib.EncryptionKey;
  public readonly raw: lib.EncryptedBucket;
  public readonly curated: lib.EncryptedBucket;
  public readonly vault: lib.EncryptedBucket;
  public readonly writer: iam.Role;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.key = new lib.EncryptionKey(this, 'DataKey', { alias: 'data-platform', rotationPeriod: Duration.days(180) });
    this.raw = new lib.EncryptedBucket(this, 'Raw', { serverSideEncryption: lib.ServerSideEncryption.kms({ key: this.key }) });
    this.curated = new lib.EncryptedBucket(this, 'Curated', {
      serverSideEncryption: lib.ServerSideEncryption.dsseKms({ key: this.key }),
      minimumTLSVersion: 1.3,
    });
    this.vault = new lib.EncryptedBucket(this, 'Vault', { serverSideEncryption: lib.ServerSideEncryption.customerProvided() });
    this.writer = new iam.Role(this, 'Writer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.raw.grantWrite(this.writer);
    this.curated.grantRead(this.writer);
  }
}

class ConsumerStack extends Stack {
  constructor(scope: Construct, id: string, key: lib.EncryptionKey, props: StackProps) {
    super(scope, id, props);
    // A bucket in another stack of the same environment shares the platform key.
    new lib.EncryptedBucket(this, 'Reports', { serverSideEncryption: lib.ServerSideEncryption.kms({ key }), requireEncryptionHeaders: true });
  }
}

test('the package entry point exports the public API', () => {
  for (const name of ['EncryptedBucket', 'EncryptionKey', 'ServerSideEncryption', 'EncryptionMode', 'EncryptionPolicySid', 'EncryptionValidationError', 'EncryptionErrors', 'S3EncryptionStack']) {
    expect(lib).toHaveProperty(name);
  }
});

test('a platform app composes the constructs across stacks', () => {
  const app = new App();
  const env = { account: '111122223333', region: 'eu-central-1' };
  const platform = new DataPlatformStack(app, 'Platform', { env });
  const consumer = new ConsumerStack(app, 'Consumer', platform.key, { env });

  const platformTemplate = Template.fromStack(platform);
  platformTemplate.resourceCountIs('AWS::KMS::Key', 1);
  platformTemplate.resourceCountIs('AWS::S3::Bucket', 3);
  platformTemplate.hasResourceProperties('AWS::KMS::Key', { RotationPeriodInDays: 180, EnableKeyRotation: true });

  // The writer may generate data keys for its uploads and decrypt what it reads.
  const writerActions = Object.values(platformTemplate.findResources('AWS::IAM::Policy'))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement).flatMap((s: any) => [s.Action].flat());
  expect(writerActions).toEqual(expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt', 's3:PutObject']));

  // The consumer's bucket names the platform key by its full ARN, through a cross-stack reference.
  const consumerTemplate = Template.fromStack(consumer);
  const rule = Object.values(consumerTemplate.findResources('AWS::S3::Bucket'))[0].Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
  expect(rule.ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
  expect(JSON.stringify(rule.ServerSideEncryptionByDefault.KMSMasterKeyID)).toMatch(/Fn::ImportValue/);
  consumerTemplate.resourceCountIs('AWS::KMS::Key', 0);
  const sids = Object.values(consumerTemplate.findResources('AWS::S3::BucketPolicy'))[0].Properties.PolicyDocument.Statement.map((s: any) => s.Sid);
  expect(sids).toContain(lib.EncryptionPolicySid.DENY_UNENCRYPTED_OBJECT_UPLOADS);
});
