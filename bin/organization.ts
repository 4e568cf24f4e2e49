#!/usr/bin/env node
/**
 * The management-account reference app: the organization's S3 encryption rules as a resource
 * control policy, and a StackSet that deploys the reference buckets into every member account.
 *
 *   npx cdk synth --app "node --import tsx bin/organization.ts"
 *
 * Targets come from context (placeholders by default, so that synth works offline):
 *   -c policyTargetIds=r-abcd            the root, OUs or accounts the RCP is attached to
 *   -c stackSetTargetOuIds=ou-abcd-11111111,ou-abcd-22222222
 *   -c stackSetRegions=eu-west-1,us-east-1
 *   -c keyAccounts=111122223333          optional: accounts whose KMS keys uploads may name
 *   -c deployedByDelegatedAdmin=true     optional: deploy from a delegated administrator
 *   -c requireTaggedKey=true             optional: each KMS bucket held to its own key (a tag-guard SCP too)
 *   -c tagAdminPrincipalArns=arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-*
 *                                        optional, with requireTaggedKey: more tag administrators
 */
import { App } from 'aws-cdk-lib';
import { ManagementAccountStack } from '../lib';

const app = new App();
const list = (name: string, fallback?: string[]): string[] | undefined => {
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined) return fallback;
  return Array.isArray(value) ? value.map(String) : String(value).split(',').map((s) => s.trim()).filter((s) => s !== '');
};

new ManagementAccountStack(app, 'S3EncryptionOrganization', {
  description: 'cdk-s3-encryption for an organization: the S3 encryption RCP and a StackSet of encrypted buckets',
  policyTargetIds: list('policyTargetIds', ['r-examplerootid'])!,
  stackSetTargetOuIds: list('stackSetTargetOuIds', ['ou-exam-exampleou'])!,
  stackSetRegions: list('stackSetRegions', ['eu-west-1'])!,
  keyAccounts: list('keyAccounts'),
  deployedByDelegatedAdmin: String(app.node.tryGetContext('deployedByDelegatedAdmin')) === 'true',
  requireTaggedKey: String(app.node.tryGetContext('requireTaggedKey')) === 'true',
  tagAdminPrincipalArns: list('tagAdminPrincipalArns'),
});
app.synth();
