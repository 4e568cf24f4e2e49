import { BucketView } from '../bucket-view';
import { BucketCheck, CheckOptions, Finding, KeyCheck } from '../check';
import { keyNotNamedByArn } from './key-not-named-by-arn';
import { keyNotRotating } from './key-not-rotating';
import { kmsRequired } from './kms-required';
import { noExplicitEncryptionRule } from './no-explicit-encryption-rule';
import { UNREADABLE_ENCRYPTION } from './not-inspectable';
import { policyDisagreesWithRule } from './policy-disagrees-with-rule';
import { sseCNotBlocked } from './sse-c-not-blocked';
import { sseCNotEnforced } from './sse-c-not-enforced';
import { tlsNotRequired } from './tls-not-required';

/*
 * The checks that EncryptionGuard (an Aspect) and EncryptionValidationPlugin (on the synthesized
 * templates) run on each bucket, in the order their findings are listed. To add one: a code in
 * EncryptionGuardCheck (check.ts), a file here that exports a BucketCheck (or a KeyCheck, run
 * once per key the encryption rules name), and an entry below. A check reads only the bucket's
 * view (bucket-view.ts) and the options: a fact it needs that the view lacks goes into the view,
 * and both readers (facts.ts, template-view.ts) learn to produce it.
 */

/** Checks of the bucket as a whole. */
export const BUCKET_CHECKS: readonly BucketCheck[] = [
  noExplicitEncryptionRule,
  tlsNotRequired,
  sseCNotEnforced,
  sseCNotBlocked,
  kmsRequired,
  policyDisagreesWithRule,
];

/** Checks of each key that the bucket's encryption rules name, key by key. */
export const KEY_CHECKS: readonly KeyCheck[] = [
  keyNotNamedByArn,
  keyNotRotating,
];

/** Every gap of the bucket as it is now. */
export function runChecks(bucket: BucketView, options: CheckOptions): Finding[] {
  if (!bucket.encryption.readable) {
    return [UNREADABLE_ENCRYPTION];
  }
  const findings: Finding[] = [];
  for (const check of BUCKET_CHECKS) {
    const finding = check.check(bucket, options);
    if (finding) findings.push(finding);
  }
  for (const key of bucket.keys) {
    for (const check of KEY_CHECKS) {
      const finding = check.check(key, bucket, options);
      if (finding) findings.push(finding);
    }
  }
  return findings;
}
