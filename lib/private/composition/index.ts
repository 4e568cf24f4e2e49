import * as s3 from 'aws-cdk-lib/aws-s3';
import { checkCloudFrontViewers } from './cloudfront';
import { checkDeployments } from './deployment';
import { CompositionFacts, recordFacts } from './facts';
import { checkKeyAtSynth } from './keys';
import { checkLogSources } from './log-delivery';
import { checkPolicyPrincipals } from './policy-principals';
import { checkReplicationSources } from './replication';
import { checkServiceWriters, completeServiceKeyPolicies } from './services';

/*
 * How an EncryptedBucket composes with the rest of aws-cdk-lib: replication, CloudFront, grants to
 * other accounts, BucketDeployment, server access log delivery, website hosting, public access,
 * and AWS services that write into the bucket (services.ts: flow logs, inventory and analytics
 * exports, CloudTrail, Data Firehose, load balancer logs; S3 event notifications into topics and
 * queues encrypted with an EncryptionKey).
 * Each combination either works as written, is completed here (replication rules), or is refused
 * at synth with an error that says what to pass instead. One file per concern, as the guard's
 * checks are split (lib/guard/checks/). EncryptedBucket calls three hooks:
 *
 * - checkCompositionProps (props.ts): before the bucket exists, on props alone (website, public read).
 * - composeReplicationRules (replication.ts): before the bucket exists; returns the rules to give s3.Bucket.
 * - addCompositionChecks (here): after; registers a validation that reads the finished tree at
 *   synth (bucket policy statements, BucketDeployments and log sources anywhere in the app, key
 *   ARNs that were tokens at construction time).
 *
 * The checks that look across the app (deployments, log sources) read the one index of the app
 * that EncryptionGuard also uses (lib/guard/app-index.ts): one walk of the tree per synthesis.
 *
 * A check over the finished tree is a function (bucket, facts) => void that throws an
 * EncryptionValidationError or adds an acknowledgeable warning; add it to CHECKS.
 */

export { checkCompositionProps } from './props';
export { composeReplicationRules } from './replication';
export { checkKeyArnText } from './keys';
export { CompositionFacts } from './facts';
export { ACCESS_LOG_TARGET_KMS_WARNING } from './log-delivery';
export { AWS_MANAGED_KEY_SHARED_WARNING } from './policy-principals';
export { SERVICE_KEY_POLICY_WARNING, addNotificationKeyPolicy, holdUnscopedNotificationStatement } from './services';
export { CLOUDFRONT_HTTP_VIEWER_WARNING } from './cloudfront';

/** The checks that read the finished tree at synth, in order. */
const CHECKS: ReadonlyArray<(bucket: s3.Bucket, facts: CompositionFacts) => void> = [
  checkKeyAtSynth,
  // Before checkPolicyPrincipals: a service's own Allow (the load balancer account's) would
  // otherwise be judged as a grant to another account, with a fix that does not apply.
  checkServiceWriters,
  checkPolicyPrincipals,
  checkCloudFrontViewers,
  checkDeployments,
  checkLogSources,
  checkReplicationSources,
];

/** Registers the checks that need the finished construct tree. */
export function addCompositionChecks(bucket: s3.Bucket, facts: CompositionFacts): void {
  recordFacts(bucket, facts);
  completeServiceKeyPolicies(bucket, facts);
  bucket.node.addValidation({
    validate: () => {
      for (const check of CHECKS) check(bucket, facts);
      return [];
    },
  });
}
