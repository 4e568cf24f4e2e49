import { BucketCheck, CheckContext, Finding, KeyCheck } from '../check';
import { BucketFacts } from '../facts';
import { keyNotNamedByArn } from './key-not-named-by-arn';
import { keyNotRotating } from './key-not-rotating';
import { kmsRequired } from './kms-required';
import { noExplicitEncryptionRule } from './no-explicit-encryption-rule';
import { UNREADABLE_ENCRYPTION } from './not-inspectable';
import { sseCNotBlocked } from './sse-c-not-blocked';
import { sseCNotEnforced } from './sse-c-not-enforced';
import { tlsNotRequired } from './tls-not-required';

/*
 * The checks EncryptionGuard runs on each bucket, in the order their findings are listed. To
 * add one: a code in EncryptionGuardCheck (check.ts), a file here that exports a BucketCheck
 * (or a KeyCheck, run once per key the encryption rules name), and an entry below. A check that
 * needs facts about other constructs (which buckets deliver logs to this one, say) reads them
 * from `context.app`, which indexes the whole app once.
 */

/** Checks of the bucket as a whole. */
export const BUCKET_CHECKS: readonly BucketCheck[] = [
  noExplicitEncryptionRule,
  tlsNotRequired,
  sseCNotEnforced,
  sseCNotBlocked,
  kmsRequired,
];

/** Checks of each key that the bucket's encryption rules name, key by key. */
export const KEY_CHECKS: readonly KeyCheck[] = [
  keyNotNamedByArn,
  keyNotRotating,
];

/** Every gap of the bucket as it is now. */
export function runChecks(facts: BucketFacts, context: CheckContext): Finding[] {
  if (!facts.encryption.readable) {
    return [UNREADABLE_ENCRYPTION];
  }
  const findings: Finding[] = [];
  for (const check of BUCKET_CHECKS) {
    const finding = check.check(facts, context);
    if (finding) findings.push(finding);
  }
  for (const key of facts.keys) {
    for (const check of KEY_CHECKS) {
      const finding = check.check(key, facts, context);
      if (finding) findings.push(finding);
    }
  }
  return findings;
}
