import { Annotations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { EncryptionMode, MODE_FACTS } from '../../encryption-mode';
import { EncryptionValidationError } from '../../errors';
import { AppIndex } from '../../guard/app-index';
import { CompositionFacts } from './facts';

/** The id of the warning on a server access log target encrypted with a customer managed key. */
export const ACCESS_LOG_TARGET_KMS_WARNING = '@cdk-s3-encryption/bucket:accessLogTargetKms';

/**
 * Server access log delivery into this bucket, from any bucket in the app (or from itself). S3
 * delivers logs without an encryption header; AWS documents SSE-S3 as the default encryption of
 * a log target.
 */
export function checkLogSources(bucket: s3.Bucket, facts: CompositionFacts): void {
  const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
  const sources = AppIndex.of(bucket).logSourcesOf(cfnBucket);
  if (sources.length === 0) return;
  const names = sources.map((s) => s === cfnBucket ? 'itself' : `'${(s.node.id === 'Resource' && s.node.scope ? s.node.scope : s).node.path}'`).join(', ');
  const delivery = `receives S3 server access logs from ${names}`;
  const fix = 'Send server access logs to an EncryptedBucket with ServerSideEncryption.s3Managed() and without ' +
    'requireEncryptionHeaders (serverAccessLogsBucket), the only default encryption AWS documents for log targets.';
  const mode = facts.sse.mode;
  if (mode === EncryptionMode.CUSTOMER_PROVIDED) {
    throw new EncryptionValidationError(`${facts.owner} ${delivery}, but it is a ServerSideEncryption.customerProvided() ` +
      `bucket, whose policy denies every upload without SSE-C headers: every delivery is denied. ${fix}`);
  }
  if (facts.requireEncryptionHeaders) {
    throw new EncryptionValidationError(`${facts.owner} ${delivery}, but requireEncryptionHeaders is true: log delivery sends ` +
      `no encryption header, so the bucket policy denies every delivery (DenyUnencryptedObjectUploads). ${fix}`);
  }
  if (MODE_FACTS[mode].key === 'awsManaged') {
    throw new EncryptionValidationError(`${facts.owner} ${delivery}, but serverSideEncryption is ` +
      'ServerSideEncryption.kmsManaged(): the log delivery service cannot use the AWS managed key aws/s3, whose key policy ' +
      `cannot be edited. ${fix}`);
  }
  if (MODE_FACTS[mode].key === 'customerManaged') {
    Annotations.of(bucket).addWarningV2(ACCESS_LOG_TARGET_KMS_WARNING, `This bucket ${delivery} and encrypts with a ` +
      `customer managed key (${mode}). AWS documents only SSE-S3 for server access log targets; a customer managed key works ` +
      'only while its key policy lets logging.s3.amazonaws.com use it (aws-cdk-lib adds that statement when the source ' +
      `bucket names this one as serverAccessLogsBucket). ${fix} Acknowledge with ` +
      `Annotations.of(bucket).acknowledgeWarning('${ACCESS_LOG_TARGET_KMS_WARNING}') to keep the key.`);
  }
}
