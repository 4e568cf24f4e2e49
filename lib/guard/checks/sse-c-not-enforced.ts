import { isSseCRequiredDeny } from '../../policy-matchers';
import { SSE_C_ALGORITHM_HEADER } from '../../policy-statements';
import { BucketCheck, EncryptionGuardCheck } from '../check';

/**
 * A bucket meant for SSE-C must state that SSE-C is not blocked, and its policy must deny every
 * upload without SSE-C headers.
 */
export const sseCNotEnforced: BucketCheck = {
  code: EncryptionGuardCheck.SSE_C_NOT_ENFORCED,
  check(bucket) {
    if (!bucket.customerProvided) return undefined;
    const rules = bucket.encryption.rules;
    const blocksSseC = rules.some((r) => r.blocked?.includes('SSE-C'));
    const statesNone = rules.length > 0 && rules.every((r) => r.blocked?.includes('NONE'));
    const requiresSseC = bucket.policy.some(isSseCRequiredDeny);
    const problems: string[] = [];
    if (blocksSseC) problems.push('its encryption rule blocks SSE-C');
    else if (!statesNone) problems.push('its encryption rule does not state BlockedEncryptionTypes ["NONE"] explicitly');
    if (!requiresSseC) problems.push('no bucket policy statement denies uploads without SSE-C headers');
    if (problems.length === 0) return undefined;
    return {
      check: EncryptionGuardCheck.SSE_C_NOT_ENFORCED,
      problem: `the bucket is meant for SSE-C, but ${problems.join(', and ')}.`,
      fix: 'use an EncryptedBucket with ServerSideEncryption.customerProvided(), or set BlockedEncryptionTypes ' +
        '{"EncryptionType": ["NONE"]} and deny s3:PutObject on the objects when ' +
        `{"Null": {"${SSE_C_ALGORITHM_HEADER}": "true"}}.`,
      notFixed: requiresSseC ? undefined : bucket.policyNotFixedReason(),
    };
  },
};
