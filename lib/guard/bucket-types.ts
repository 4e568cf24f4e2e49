import { CfnResource, Stack } from 'aws-cdk-lib';
import { checkBucketTypeEncryption } from './checks/bucket-type-encryption';
import { reportFindings } from './report';

/**
 * Checks a directory, table or vector bucket as its template states it, and reports what falls
 * short; never changes it.
 */
export function reportBucketOfOtherType(resource: CfnResource, requireKms: boolean): void {
  // The resource's own template fragment: type and resolved Properties, as a template holds them.
  const rendered = Stack.of(resource).resolve((resource as unknown as { _toCloudFormation(): any })._toCloudFormation());
  const [properties] = Object.values<{ Properties?: Record<string, any> }>(rendered?.Resources ?? {}).map((r) => r.Properties);
  const findings = checkBucketTypeEncryption({ type: resource.cfnResourceType, properties }, requireKms);
  if (findings.length > 0) reportFindings(resource, findings, []);
}
