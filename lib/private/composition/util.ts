import { CfnResource, Reference, Token, Tokenization } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** Whether a raw bucket-name property (a token, or a literal name) names this bucket. */
export function refersTo(value: unknown, cfnBucket: s3.CfnBucket, bucket: s3.Bucket): boolean {
  if (value === undefined || value === null) return false;
  if (Token.isUnresolved(value)) {
    const reference = Tokenization.reverse(value, { failConcat: false });
    if (reference instanceof Reference) return reference.target === cfnBucket;
    return false;
  }
  const name = bucket.bucketName;
  return typeof value === 'string' && !Token.isUnresolved(name) && value === name;
}

/** The properties of an L1 resource as given (tokens unresolved). */
export function cfnPropertiesOf(resource: CfnResource): Record<string, any> | undefined {
  // CfnResource keeps the properties of a generic resource (such as a custom resource) in this
  // field; it has no public accessor for them.
  const props = (resource as unknown as { _cfnProperties?: unknown })._cfnProperties;
  return typeof props === 'object' && props !== null ? props as Record<string, any> : undefined;
}

export function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
