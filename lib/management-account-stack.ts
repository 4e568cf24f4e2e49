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
}

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

    this.policy = new OrganizationEncryptionPolicy(this, 'S3EncryptionPolicy', {
      targetIds: props.policyTargetIds,
      keyAccounts: props.keyAccounts,
    });

    this.memberTemplateBody = stackSetTemplateBody(owner, (app, synthesizer) =>
      new S3EncryptionStack(app, 'EncryptedBuckets', {
        synthesizer,
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
