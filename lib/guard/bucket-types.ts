import { CfnResource, Stack } from 'aws-cdk-lib';
import { checkBucketTypeEncryption, TemplateResource } from './checks/bucket-type-encryption';
import { reportFindings } from './report';

/**
 * Checks a directory, table or vector bucket as its template states it, and reports what falls
 * short; never changes it.
 */
export function reportBucketOfOtherType(resource: CfnResource, requireKms: boolean): void {
  const findings = checkBucketTypeEncryption(templateResourceOf(resource), requireKms);
  if (findings.length > 0) reportFindings(resource, findings, []);
}

/**
 * The resource's own template fragment, type and resolved Properties (with the overrides made so
 * far), as a template holds it: what the Aspect gives the check. The plugin reads the same shape
 * from the synthesized template (template-view.ts).
 */
export function templateResourceOf(resource: CfnResource): TemplateResource {
  const rendered = Stack.of(resource).resolve((resource as unknown as { _toCloudFormation(): any })._toCloudFormation());
  const [properties] = Object.values<{ Properties?: Record<string, any> }>(rendered?.Resources ?? {}).map((r) => r.Properties);
  return { type: resource.cfnResourceType, properties };
}
