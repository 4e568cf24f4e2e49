import { CfnOutput, Duration, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EncryptedBucket } from './encrypted-bucket';
import { EncryptionKey } from './encryption-key';
import { ServerSideEncryption } from './server-side-encryption';

/**
 * Properties of the reference stack.
 */
export interface S3EncryptionStackProps extends StackProps {
  /**
   * The alias of the stack's KMS key.
   *
   * @default `alias/<stack name>/s3`
   */
  readonly keyAlias?: string;

  /**
   * Tag the SSE-KMS bucket with its key (`keyArnTag` of `EncryptedBucket`: ABAC on, and the tag
   * `KEY_ARN_TAG_KEY` holding the key ARN), for an `OrganizationEncryptionPolicy` with
   * `requireTaggedKey`. The role that deploys the stack must then be one of its
   * `tagAdminPrincipalArns`.
   *
   * @default false
   */
  readonly keyArnTag?: boolean;
}

/**
 * The reference app: one bucket for each setup that most teams need.
 *
 * - SSE-S3 (`AES256`),
 * - SSE-KMS with a rotating `EncryptionKey` that has an alias,
 * - SSE-C, where every upload must carry a key that the client provides.
 *
 * Each of them is versioned, has a lifecycle rule that aborts incomplete multipart uploads, and
 * sends server access logs to a fourth, SSE-S3 bucket (the only default encryption that AWS
 * documents for access-log targets).
 *
 * Its outputs give the bucket names, the key ARN, and for each bucket the exact `aws s3 cp`
 * command that its policy accepts. The stack is environment-agnostic.
 *
 * The stack passes the cdk-nag packs AwsSolutions, HIPAA Security, NIST 800-53 R5 and
 * PCI DSS 3.2.1, and the AWS Control Tower proactive controls; the findings that a reference
 * stack leaves to the user (replication, Object Lock, event notifications, KMS default
 * encryption on the SSE-S3, SSE-C and log buckets) are acknowledged with
 * `Validations.of(...).acknowledge()`, each with its reason.
 */
export class S3EncryptionStack extends Stack {
  /** The SSE-S3 bucket. */
  public readonly s3ManagedBucket: EncryptedBucket;
  /** The SSE-KMS bucket. */
  public readonly kmsBucket: EncryptedBucket;
  /** The SSE-C bucket. */
  public readonly customerProvidedBucket: EncryptedBucket;
  /** The customer managed key of the SSE-KMS bucket. */
  public readonly key: EncryptionKey;
  /** The SSE-S3 bucket that receives the server access logs of the other three. */
  public readonly accessLogsBucket: EncryptedBucket;

  constructor(scope: Construct, id: string, props: S3EncryptionStackProps = {}) {
    super(scope, id, props);

    this.key = new EncryptionKey(this, 'Key', {
      alias: props.keyAlias ?? `alias/${this.stackName}/s3`,
      description: `Encrypts the SSE-KMS bucket of ${this.stackName}`,
    });

    // Server access logs: S3 log delivery sends no encryption header, which every EncryptedBucket
    // policy accepts (only a wrong header is denied), and the bucket default encrypts with SSE-S3.
    this.accessLogsBucket = new EncryptedBucket(this, 'AccessLogsBucket', {
      serverSideEncryption: ServerSideEncryption.s3Managed(),
      lifecycleRules: [abortIncompleteUploads()],
    });

    this.s3ManagedBucket = new EncryptedBucket(this, 'S3ManagedBucket', {
      serverSideEncryption: ServerSideEncryption.s3Managed(),
      lifecycleRules: [abortIncompleteUploads()],
    });
    this.kmsBucket = new EncryptedBucket(this, 'KmsBucket', {
      serverSideEncryption: ServerSideEncryption.kms({ key: this.key }),
      keyArnTag: props.keyArnTag,
      lifecycleRules: [abortIncompleteUploads()],
    });
    this.customerProvidedBucket = new EncryptedBucket(this, 'CustomerProvidedBucket', {
      serverSideEncryption: ServerSideEncryption.customerProvided(),
      lifecycleRules: [abortIncompleteUploads()],
    });

    const logged = [this.s3ManagedBucket, this.kmsBucket, this.customerProvidedBucket];
    for (const bucket of logged) {
      // Set on the L1 rather than through `serverAccessLogsBucket`: that prop grants log delivery
      // with an ACL or with a bucket policy depending on a feature flag; this stack always uses
      // the bucket policy below, whatever the app's flags.
      (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
        destinationBucketName: this.accessLogsBucket.bucketName,
        logFilePrefix: `${bucket.node.id}/`,
      };
    }
    // One statement for all source buckets (the bucket policy grows by one ARN per bucket).
    this.accessLogsBucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowServerAccessLogDelivery',
      effect: iam.Effect.ALLOW,
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [this.accessLogsBucket.arnForObjects('*')],
      conditions: {
        ArnLike: { 'aws:SourceArn': logged.map((bucket) => bucket.bucketArn) },
        StringEquals: { 'aws:SourceAccount': this.account },
      },
    }));

    acknowledgeOutOfScopeFindings(this);

    new CfnOutput(this, 'S3ManagedBucketName', {
      description: 'SSE-S3 bucket',
      value: this.s3ManagedBucket.bucketName,
    });
    new CfnOutput(this, 'KmsBucketName', {
      description: 'SSE-KMS bucket (customer managed key)',
      value: this.kmsBucket.bucketName,
    });
    new CfnOutput(this, 'CustomerProvidedBucketName', {
      description: 'SSE-C bucket',
      value: this.customerProvidedBucket.bucketName,
    });
    new CfnOutput(this, 'KeyArn', {
      description: 'Full ARN of the SSE-KMS key: name the key by this ARN in upload headers, never by alias or key id',
      value: this.key.keyArn,
    });

    new CfnOutput(this, 'S3ManagedUploadCommand', {
      description: 'An upload that the SSE-S3 bucket policy accepts',
      value: `aws s3 cp ./hello.txt s3://${this.s3ManagedBucket.bucketName}/hello.txt --sse AES256`,
    });
    new CfnOutput(this, 'KmsUploadCommand', {
      description: 'An upload that the SSE-KMS bucket policy accepts',
      value: `aws s3 cp ./hello.txt s3://${this.kmsBucket.bucketName}/hello.txt --sse aws:kms --sse-kms-key-id ${this.key.keyArn}`,
    });
    new CfnOutput(this, 'CustomerProvidedUploadCommand', {
      description: 'An upload that the SSE-C bucket policy accepts; make the key first with: openssl rand -out sse-c.key 32 ' +
        '(keep it: S3 never stores it, and without it the object cannot be read)',
      value: `aws s3 cp ./hello.txt s3://${this.customerProvidedBucket.bucketName}/hello.txt --sse-c AES256 --sse-c-key fileb://sse-c.key`,
    });
  }
}

/** The lifecycle rule of every bucket in the stack: it deletes no object and no version. */
function abortIncompleteUploads(): s3.LifecycleRule {
  return {
    id: 'AbortIncompleteMultipartUploads',
    abortIncompleteMultipartUploadAfter: Duration.days(7),
  };
}

/**
 * Acknowledges the compliance findings that a reference stack leaves to its user, each with its
 * reason. Every other finding of the cdk-nag packs and the Control Tower controls is fixed.
 */
function acknowledgeOutOfScopeFindings(stack: S3EncryptionStack): void {
  const ack = (scope: Construct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });
  const buckets = [stack.accessLogsBucket, stack.s3ManagedBucket, stack.kmsBucket, stack.customerProvidedBucket];

  const replication = 'Cross-Region replication needs a destination bucket and key in a second Region, which an ' +
    'environment-agnostic single-stack reference cannot create; versioning, which replication requires, is on';
  for (const bucket of buckets) {
    ack(bucket, 'HIPAA.Security-S3BucketReplicationEnabled', replication);
    ack(bucket, 'NIST.800.53.R5-S3BucketReplicationEnabled', replication);
    ack(bucket, 'PCI.DSS.321-S3BucketReplicationEnabled', replication);
    ack(bucket, 'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
      'CT.S3.PR.9: Object Lock keeps objects from deletion for a retention period that only the data owner can choose, ' +
      'and S3 cannot deliver server access logs to a bucket with a default retention period. Versioning is on.');
    ack(bucket, 'cdk-validator-cfnguard::s3_event_notifications_enabled_check',
      'CT.S3.PR.4: event notifications need a destination (queue, topic, function or EventBridge rule) that belongs to ' +
      'the application using the bucket, not to a reference stack.');
  }

  // KMS default encryption: only the SSE-KMS bucket has it, by design.
  const notKms: Array<[EncryptedBucket, string]> = [
    [stack.accessLogsBucket, 'the server access log target uses SSE-S3, the only default encryption AWS documents for log delivery'],
    [stack.s3ManagedBucket, 'this bucket demonstrates SSE-S3; the SSE-KMS bucket of this stack demonstrates KMS default encryption'],
    [stack.customerProvidedBucket, 'this bucket demonstrates SSE-C: its policy denies every upload without SSE-C headers, so ' +
      'every object is encrypted with the key the client provides and the default rule is never applied'],
  ];
  for (const [bucket, reason] of notKms) {
    ack(bucket, 'HIPAA.Security-S3DefaultEncryptionKMS', reason);
    ack(bucket, 'NIST.800.53.R5-S3DefaultEncryptionKMS', reason);
    ack(bucket, 'PCI.DSS.321-S3DefaultEncryptionKMS', reason);
    ack(bucket, 'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check', `CT.S3.PR.10: ${reason}`);
  }

  ack(stack.accessLogsBucket, 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check',
    'CT.S3.PR.2: this is the server access log target; logging it into itself would log every log delivery, without end');
}
