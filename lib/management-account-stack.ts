import { Stack, StackProps } from 'aws-cdk-lib';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import { Construct } from 'constructs';
import { EncryptionValidationError } from './errors';
import { OrganizationEncryptionPolicy } from './organization-encryption-policy';
import { stackSetTemplateBody } from './private/stack-set-template';
import { S3EncryptionStack } from './s3-encryption-stack';

/** Properties of the management-account reference stack. */
export interface ManagementAccountStackProps extends StackProps {
  /** Where the resource control policy is attached: the root (`r-...`), OUs or account ids. */
  readonly policyTargetIds: string[];

  /**
   * Accounts whose KMS keys uploads may name, besides each bucket's own account.
   *
   * @default - a key of any account
   */
  readonly keyAccounts?: string[];

  /** The OUs (`ou-...-...`, or the root `r-...`) whose accounts receive the reference buckets. */
  readonly stackSetTargetOuIds: string[];

  /** The regions each of those accounts receives the reference buckets in. */
  readonly stackSetRegions: string[];

  /**
   * Whether the stack is deployed by a delegated administrator for StackSets rather than the
   * management account (the StackSet's `CallAs`).
   *
   * @default false
   */
  readonly deployedByDelegatedAdmin?: boolean;

  /**
   * Give each reference bucket its own key across the organization: the StackSet's SSE-KMS
   * buckets carry the key-ARN tag (`keyArnTag`), and the policy gets `requireTaggedKey` with its
   * tag-guard SCP on `policyTargetIds`. The StackSet's execution roles in the member accounts
   * (`arn:*:iam::*:role/stacksets-exec-*`, the role that service-managed StackSets assume there)
   * are always among the tag administrators, so the StackSet can still create and update its
   * buckets.
   *
   * @default false
   */
  readonly requireTaggedKey?: boolean;

  /**
   * More tag administrators for `requireTaggedKey` (see `OrganizationEncryptionPolicy`), such as
   * the CDK CloudFormation execution roles (`arn:aws:iam::*:role/cdk-hnb659fds-cfn-exec-role-*`)
   * of the member accounts, which deploy other tagged buckets. An error is raised without
   * `requireTaggedKey`.
   *
   * @default - the StackSet's execution roles only
   */
  readonly tagAdminPrincipalArns?: string[];
}

/** The role that service-managed StackSets assume in each member account. */
export const STACK_SET_EXECUTION_ROLE_PATTERN = 'arn:*:iam::*:role/stacksets-exec-*';

/**
 * The reference app for an organization's management account (or a delegated administrator):
 *
 * - `OrganizationEncryptionPolicy`: the upload rules as a resource control policy on the
 *   targets, for every bucket in those accounts;
 * - a CloudFormation StackSet with service-managed permissions that deploys the single-account
 *   reference stack (`S3EncryptionStack`, buckets with their own bucket policies) into every
 *   account of the target OUs, and into each account that joins them later (automatic
 *   deployment). Stacks of the StackSet are kept when an account leaves (the buckets and keys
 *   hold data).
 *
 * The member stack goes into the StackSet as a template synthesized without the CDK bootstrap:
 * it must need no asset uploads (so no `kmsManaged()` bucket), be environment-agnostic, and fit
 * in an inline template body.
 */
export class ManagementAccountStack extends Stack {
  /** The resource control policy. */
  public readonly policy: OrganizationEncryptionPolicy;
  /** The StackSet that deploys the reference buckets into every account of the target OUs. */
  public readonly stackSet: cloudformation.CfnStackSet;
  /** The template that the StackSet deploys, as JSON. */
  public readonly memberTemplateBody: string;

  constructor(scope: Construct, id: string, props: ManagementAccountStackProps) {
    super(scope, id, props);
    const owner = `ManagementAccountStack '${this.node.path}'`;
    if (!Array.isArray(props.stackSetTargetOuIds) || props.stackSetTargetOuIds.length === 0) {
      throw new EncryptionValidationError(`${owner}: stackSetTargetOuIds must name at least one OU or the root ` +
        `(got ${JSON.stringify(props.stackSetTargetOuIds)}).`);
    }
    if (!Array.isArray(props.stackSetRegions) || props.stackSetRegions.length === 0) {
      throw new EncryptionValidationError(`${owner}: stackSetRegions must name at least one region ` +
        `(got ${JSON.stringify(props.stackSetRegions)}).`);
    }

    if (props.tagAdminPrincipalArns !== undefined && props.requireTaggedKey !== true) {
      throw new EncryptionValidationError(`${owner}: tagAdminPrincipalArns has no effect without requireTaggedKey: true ` +
        `(got ${JSON.stringify(props.tagAdminPrincipalArns)}). Set requireTaggedKey: true, or remove tagAdminPrincipalArns.`);
    }
    const requireTaggedKey = props.requireTaggedKey === true;
    this.policy = new OrganizationEncryptionPolicy(this, 'S3EncryptionPolicy', {
      targetIds: props.policyTargetIds,
      keyAccounts: props.keyAccounts,
      requireTaggedKey: props.requireTaggedKey,
      tagAdminPrincipalArns: requireTaggedKey ? [STACK_SET_EXECUTION_ROLE_PATTERN, ...props.tagAdminPrincipalArns ?? []] : undefined,
    });

    this.memberTemplateBody = stackSetTemplateBody(owner, (app, synthesizer) =>
      new S3EncryptionStack(app, 'EncryptedBuckets', {
        synthesizer,
        keyArnTag: requireTaggedKey,
        description: 'cdk-s3-encryption reference buckets, deployed into each account by a StackSet',
      }));

    this.stackSet = new cloudformation.CfnStackSet(this, 'MemberBuckets', {
      stackSetName: `${this.stackName}-EncryptedBuckets`,
      description: 'cdk-s3-encryption reference buckets in every account of the target OUs',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: true },
      callAs: props.deployedByDelegatedAdmin ? 'DELEGATED_ADMIN' : 'SELF',
      managedExecution: { Active: true },
      operationPreferences: { failureToleranceCount: 0, maxConcurrentPercentage: 25, regionConcurrencyType: 'PARALLEL' },
      stackInstancesGroup: [{
        deploymentTargets: { organizationalUnitIds: props.stackSetTargetOuIds },
        regions: props.stackSetRegions,
      }],
      templateBody: this.memberTemplateBody,
    });
  }
}
