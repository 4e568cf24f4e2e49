import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
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
}

/**
 * The reference app: one bucket for each setup that most teams need.
 *
 * - SSE-S3 (`AES256`),
 * - SSE-KMS with a rotating `EncryptionKey` that has an alias,
 * - SSE-C, where every upload must carry a key that the client provides.
 *
 * Its outputs give the bucket names, the key ARN, and for each bucket the exact `aws s3 cp`
 * command that its policy accepts. The stack is environment-agnostic.
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

  constructor(scope: Construct, id: string, props: S3EncryptionStackProps = {}) {
    super(scope, id, props);

    this.key = new EncryptionKey(this, 'Key', {
      alias: props.keyAlias ?? `alias/${this.stackName}/s3`,
      description: `Encrypts the SSE-KMS bucket of ${this.stackName}`,
    });

    this.s3ManagedBucket = new EncryptedBucket(this, 'S3ManagedBucket', {
      serverSideEncryption: ServerSideEncryption.s3Managed(),
    });
    this.kmsBucket = new EncryptedBucket(this, 'KmsBucket', {
      serverSideEncryption: ServerSideEncryption.kms({ key: this.key }),
    });
    this.customerProvidedBucket = new EncryptedBucket(this, 'CustomerProvidedBucket', {
      serverSideEncryption: ServerSideEncryption.customerProvided(),
    });

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
