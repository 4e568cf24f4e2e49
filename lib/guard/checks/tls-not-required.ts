import { isTlsOnlyDeny } from '../../policy-matchers';
import { BucketCheck, EncryptionGuardCheck } from '../check';

/** A bucket policy statement must deny plain-HTTP access, in the shape compliance checkers read. */
export const tlsNotRequired: BucketCheck = {
  code: EncryptionGuardCheck.TLS_NOT_REQUIRED,
  check(bucket) {
    if (bucket.policy.some(isTlsOnlyDeny)) return undefined;
    return {
      check: EncryptionGuardCheck.TLS_NOT_REQUIRED,
      problem: 'no bucket policy statement denies plain-HTTP access in the shape compliance checkers read ' +
        '(Effect Deny, Principal *, Action s3:*, Resource [bucket ARN, bucket ARN/*], ' +
        'Condition {"Bool": {"aws:SecureTransport": "false"}}).',
      fix: 'use an EncryptedBucket, set enforceSSL: true on the s3.Bucket, or add that statement to the bucket policy.',
      notFixed: bucket.policyNotFixedReason(),
    };
  },
};
