import { BucketCheck, EncryptionGuardCheck } from '../check';

/** A bucket not meant for SSE-C must block SSE-C uploads. */
export const sseCNotBlocked: BucketCheck = {
  code: EncryptionGuardCheck.SSE_C_NOT_BLOCKED,
  check(bucket) {
    const rules = bucket.encryption.rules;
    if (bucket.customerProvided || (rules.length > 0 && rules.every((r) => r.blocked?.includes('SSE-C')))) return undefined;
    return {
      check: EncryptionGuardCheck.SSE_C_NOT_BLOCKED,
      problem: 'SSE-C uploads are not blocked (no BlockedEncryptionTypes ["SSE-C"] on the encryption rule).',
      fix: 'use an EncryptedBucket, set blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C] on the s3.Bucket, or ' +
        'list the bucket in customerProvidedBuckets if it is meant for SSE-C.',
    };
  },
};
