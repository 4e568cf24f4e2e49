import { BucketCheck, EncryptionGuardCheck } from '../check';

/** The bucket must state its default encryption: a rule with an `SSEAlgorithm`. */
export const noExplicitEncryptionRule: BucketCheck = {
  code: EncryptionGuardCheck.NO_EXPLICIT_ENCRYPTION_RULE,
  check(bucket) {
    if (bucket.encryption.rules.some((r) => typeof r.algorithm === 'string')) return undefined;
    return {
      check: EncryptionGuardCheck.NO_EXPLICIT_ENCRYPTION_RULE,
      problem: 'no default encryption rule with an SSEAlgorithm: the bucket relies on the implicit S3 default.',
      fix: 'use an EncryptedBucket, set encryption on the s3.Bucket, or set ' +
        'BucketEncryption.ServerSideEncryptionConfiguration[].ServerSideEncryptionByDefault.SSEAlgorithm on the CfnBucket.',
    };
  },
};
