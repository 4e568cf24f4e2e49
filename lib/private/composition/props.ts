import * as s3 from 'aws-cdk-lib/aws-s3';
import { usesKms } from '../../encryption-mode';
import { EncryptionValidationError } from '../../errors';
import { ServerSideEncryption } from '../../server-side-encryption';
import { describeValue } from '../validate';

/** Refuses props that cannot work with the bucket policy of any EncryptedBucket (or of this mode). */
export function checkCompositionProps(owner: string, props: s3.BucketProps, sse: ServerSideEncryption): void {
  const website: Array<[string, unknown]> = [
    ['websiteIndexDocument', props.websiteIndexDocument],
    ['websiteErrorDocument', props.websiteErrorDocument],
    ['websiteRedirect', props.websiteRedirect],
    ['websiteRoutingRules', props.websiteRoutingRules],
  ];
  for (const [prop, value] of website) {
    if (value !== undefined) {
      throw new EncryptionValidationError(`${owner}: ${prop} cannot be set (got ${describeValue(value)}): S3 website endpoints ` +
        'serve plain HTTP only, and every EncryptedBucket denies plain-HTTP requests (DenyInsecureTransport), so the website ' +
        `would answer 403 Forbidden to every request. Remove ${prop} and serve the bucket through CloudFront with origin ` +
        'access control (cloudfront_origins.S3BucketOrigin.withOriginAccessControl(bucket)), which reads it over HTTPS.');
    }
  }
  if (props.publicReadAccess === true && usesKms(sse.mode)) {
    throw new EncryptionValidationError(`${owner}: publicReadAccess cannot be true in mode ${sse.mode} (got true): anonymous ` +
      'requests cannot use a KMS key, so every public read of an SSE-KMS or DSSE-KMS object fails. Remove publicReadAccess ' +
      'and serve the objects through CloudFront with origin access control, or use ServerSideEncryption.s3Managed() for ' +
      'data that is meant to be public.');
  }
}
