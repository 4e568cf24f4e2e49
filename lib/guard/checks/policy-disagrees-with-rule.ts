import { isKmsAlgorithm } from '../../encryption-mode';
import { requiredUploadValues } from '../../policy-matchers';
import { SSE_HEADER, SSE_KMS_KEY_HEADER } from '../../policy-statements';
import { PolicyView } from '../bucket-view';
import { BucketCheck, EncryptionGuardCheck } from '../check';

/**
 * The bucket policy must accept what the bucket's default encryption rule writes: an upload that
 * names the rule's algorithm (and, under SSE-KMS or DSSE-KMS, the rule's key) must not be denied
 * by a statement such as `DenyIncorrectEncryptionHeader` or `DenyIncorrectEncryptionKey`. They
 * disagree when one of the two was changed without the other, for example by an escape hatch.
 */
export const policyDisagreesWithRule: BucketCheck = {
  code: EncryptionGuardCheck.POLICY_DISAGREES_WITH_RULE,
  check(bucket) {
    const problems: string[] = [];
    bucket.encryption.rules.forEach((rule, i) => {
      if (typeof rule.algorithm === 'string') {
        const required = requiredBy(bucket.policy, SSE_HEADER);
        if (required && !required.includes(JSON.stringify(rule.algorithm))) {
          problems.push(`the rule's SSEAlgorithm ${rule.algorithm} (the policy requires ${describe(required)})`);
        }
      }
      // aws/s3 named by alias: the policy names it by ARN (looked up at deploy time).
      if (isKmsAlgorithm(rule.algorithm) && rule.key !== undefined && bucket.keys[i]?.kind !== 'awsManaged') {
        const required = requiredBy(bucket.policy, SSE_KMS_KEY_HEADER);
        if (required && !required.includes(JSON.stringify(rule.key))) {
          problems.push(`the rule's KMSMasterKeyID ${JSON.stringify(rule.key)} (the policy requires ${describe(required)})`);
        }
      }
    });
    if (problems.length === 0) return undefined;
    return {
      check: EncryptionGuardCheck.POLICY_DISAGREES_WITH_RULE,
      problem: `the bucket policy denies uploads that name ${problems.join(', and ')}.`,
      fix: 'change the encryption mode through the EncryptedBucket\'s serverSideEncryption (which writes the rule and the ' +
        'policy together) instead of overriding one of them, or make the policy\'s statement and the rule name the same ' +
        'algorithm and key.',
      notFixed: 'EncryptionGuard does not choose between the rule and the policy',
    };
  },
};

/** The values (as JSON) that every matching statement accepts, or undefined when no statement restricts `conditionKey`. */
function requiredBy(policy: PolicyView, conditionKey: string): string[] | undefined {
  let required: string[] | undefined;
  policy.some((statement, isBucketResource) => {
    const values = requiredUploadValues(statement, isBucketResource, conditionKey);
    if (values) {
      const json = values.map((v) => JSON.stringify(v));
      required = required ? required.filter((v) => json.includes(v)) : json;
    }
    return false;
  });
  return required;
}

function describe(values: string[]): string {
  return values.length === 0 ? 'no value at all' : values.join(' or ');
}
