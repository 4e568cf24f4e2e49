import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptionMode, MODE_FACTS } from '../../encryption-mode';
import { EncryptionValidationError } from '../../errors';
import { AppIndex } from '../../guard/app-index';
import { describeTemplateValue } from '../validate';
import { CompositionFacts } from './facts';
import { cfnPropertiesOf, refersTo } from './util';

/**
 * Every `s3deploy.BucketDeployment` into this bucket must send what the bucket policy accepts.
 * BucketDeployment sends the `x-amz-server-side-encryption` header (and key id) of its
 * `serverSideEncryption` and `serverSideEncryptionAwsKmsKeyId` props on every upload, or none.
 */
export function checkDeployments(bucket: s3.Bucket, facts: CompositionFacts): void {
  const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
  for (const resource of AppIndex.of(bucket).deployments()) {
    const raw = cfnPropertiesOf(resource);
    if (!raw || !refersTo(raw.DestinationBucketName, cfnBucket, bucket)) continue;
    const stack = Stack.of(resource);
    const metadata = stack.resolve(raw.SystemMetadata) ?? {};
    const sse: unknown = metadata.sse;
    const keyId: unknown = metadata['sse-kms-key-id'];
    const mode = facts.sse.mode;
    const path = resource.node.scope?.node.scope?.node.path ?? resource.node.path;
    const deployment = `the BucketDeployment '${path}'`;
    const fix = deploymentFix(facts);
    const fail = (problem: string) => {
      throw new EncryptionValidationError(`${facts.owner}: ${deployment} ${problem} ${fix}`);
    };

    if (mode === EncryptionMode.CUSTOMER_PROVIDED) {
      fail('uploads into this ServerSideEncryption.customerProvided() bucket, whose policy denies every upload without SSE-C ' +
        'headers; BucketDeployment cannot send them.');
    }
    if (sse === undefined) {
      if (facts.requireEncryptionHeaders) {
        fail('sends no x-amz-server-side-encryption header (serverSideEncryption is not set), and requireEncryptionHeaders ' +
          'is true: the bucket policy denies every upload (DenyUnencryptedObjectUploads).');
      }
      continue;
    }
    if (sse !== MODE_FACTS[mode].uploadHeader) {
      fail(`sends x-amz-server-side-encryption ${describeTemplateValue(bucket, sse)} (serverSideEncryption), but this bucket accepts only ` +
        `${MODE_FACTS[mode].uploadHeader} (DenyIncorrectEncryptionHeader).`);
    }
    if (MODE_FACTS[mode].key === 'awsManaged' && keyId !== undefined && !(typeof keyId === 'string' && /(^|:)alias\/aws\/s3$/.test(keyId))) {
      fail(`names the key as ${describeTemplateValue(bucket, keyId)} (serverSideEncryptionAwsKmsKeyId), but this bucket accepts only the AWS ` +
        'managed key aws/s3 (DenyIncorrectEncryptionKey).');
    }
    if (MODE_FACTS[mode].key === 'customerManaged') {
      if (keyId === undefined) {
        fail(`sends ${sse} without a key id (serverSideEncryptionAwsKmsKeyId is not set): S3 would use aws/s3, which the ` +
          'bucket policy denies (DenyMissingEncryptionKeyId).');
      }
      const wanted = facts.key ? stack.resolve(facts.key.keyArn) : undefined;
      if (wanted !== undefined && JSON.stringify(keyId) !== JSON.stringify(wanted)) {
        fail(`names the key as ${describeTemplateValue(bucket, keyId)} (serverSideEncryptionAwsKmsKeyId), which is not the full ARN of the ` +
          'bucket\'s key: the bucket policy compares the full key ARN (DenyIncorrectEncryptionKey).');
      }
    }
  }
}

/** The BucketDeployment props that work with this bucket, for error messages. */
function deploymentFix(facts: CompositionFacts): string {
  switch (facts.sse.mode) {
    case EncryptionMode.S3_MANAGED:
      return 'Set serverSideEncryption: s3deploy.ServerSideEncryption.AES_256 on the BucketDeployment' +
        (facts.requireEncryptionHeaders ? '.' : ', or leave it unset.');
    case EncryptionMode.KMS:
      return 'Set serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS and serverSideEncryptionAwsKmsKeyId: ' +
        'bucket.encryptionKey!.keyArn (the full key ARN, not the key id) on the BucketDeployment' +
        (facts.requireEncryptionHeaders ? '.' : ', or leave both unset.');
    case EncryptionMode.DSSE_KMS:
      return 'Set serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS_DSSE and serverSideEncryptionAwsKmsKeyId: ' +
        'bucket.encryptionKey!.keyArn (the full key ARN, not the key id) on the BucketDeployment' +
        (facts.requireEncryptionHeaders ? '.' : ', or leave both unset.');
    case EncryptionMode.KMS_MANAGED:
      return 'Set serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS without serverSideEncryptionAwsKmsKeyId on ' +
        'the BucketDeployment' + (facts.requireEncryptionHeaders ? '.' : ', or leave both unset.');
    default:
      return 'Deploy into a bucket in another mode.';
  }
}
