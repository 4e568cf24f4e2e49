import { EncryptionMode, isKmsAlgorithm, MODE_FACTS } from '../../encryption-mode';
import { KeyView, RuleView } from '../bucket-view';
import { BucketCheck, EncryptionGuardCheck } from '../check';

/**
 * With `requireKms`, a bucket not meant for SSE-C must use SSE-KMS or DSSE-KMS with a customer
 * managed key, unless it receives AWS service logs that must use SSE-S3.
 */
export const kmsRequired: BucketCheck = {
  code: EncryptionGuardCheck.KMS_REQUIRED,
  check(bucket, options) {
    if (!options.requireKms || bucket.customerProvided) return undefined;
    const { rules } = bucket.encryption;
    const keys = bucket.keys;
    const kmsWithCustomerKey = rules.length > 0 && rules.every((r, i) =>
      isKmsAlgorithm(r.algorithm) && keys[i].kind !== 'none' && keys[i].kind !== 'awsManaged');
    if (kmsWithCustomerKey || bucket.logDeliveryReason() !== undefined) return undefined;
    return {
      check: EncryptionGuardCheck.KMS_REQUIRED,
      problem: `default encryption is ${describeEncryption(rules, keys)}, but this guard requires SSE-KMS or DSSE-KMS with a ` +
        'customer managed key.',
      fix: 'use an EncryptedBucket with ServerSideEncryption.kms() or ServerSideEncryption.dsseKms(), or set ' +
        'encryption: s3.BucketEncryption.KMS and an encryptionKey on the s3.Bucket. If it receives S3 server access ' +
        'logs or load balancer access logs, which must use SSE-S3, list it in logDeliveryBuckets (log targets in this ' +
        'app are recognized).',
      notFixed: 'EncryptionGuard never changes the encryption mode: that needs a key and changes who can read new objects',
    };
  },
};

function describeEncryption(rules: RuleView[], keys: KeyView[]): string {
  if (rules.length === 0 || rules.every((r) => r.algorithm === undefined)) return 'not stated (S3 applies SSE-S3)';
  return rules.map((r, i) => {
    if (r.algorithm === MODE_FACTS[EncryptionMode.S3_MANAGED].defaultAlgorithm) return 'SSE-S3 (AES256)';
    if (isKmsAlgorithm(r.algorithm) && (keys[i].kind === 'none' || keys[i].kind === 'awsManaged')) {
      return `${r.algorithm} with the AWS managed key aws/s3`;
    }
    return String(r.algorithm);
  }).join(', ');
}
