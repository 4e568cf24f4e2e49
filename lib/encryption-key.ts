import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { EncryptionValidationError } from './errors';
import { addNotificationKeyPolicy, holdUnscopedNotificationStatement } from './private/composition';
import { checkDays, constructPath, describeValue, isPlainObjectOrUndefined } from './private/validate';

/** Rotation period bounds that KMS accepts, in days. */
const ROTATION_MIN_DAYS = 90;
const ROTATION_MAX_DAYS = 2560;
/** Waiting period bounds before KMS deletes a key, in days. */
const PENDING_MIN_DAYS = 7;
const PENDING_MAX_DAYS = 30;

/**
 * Properties of an `EncryptionKey`.
 */
export interface EncryptionKeyProps {
  /**
   * An alias for the key, with or without the `alias/` prefix.
   *
   * Clients should still name the key by its full ARN in upload headers: an alias resolves in
   * the caller's account, and the bucket policy compares against the key ARN.
   *
   * @default - no alias
   */
  readonly alias?: string;

  /**
   * A description of the key.
   *
   * @default 'Encrypts Amazon S3 objects (cdk-s3-encryption)'
   */
  readonly description?: string;

  /**
   * How often KMS rotates the key material. Rotation is always on.
   *
   * Must be a whole number of days between 90 and 2560; an error is raised otherwise.
   *
   * @default Duration.days(365)
   */
  readonly rotationPeriod?: Duration;

  /**
   * How long KMS waits before it deletes the key once its deletion is scheduled.
   *
   * Must be a whole number of days between 7 and 30; an error is raised otherwise.
   *
   * @default Duration.days(30)
   */
  readonly pendingWindow?: Duration;

  /**
   * What happens to the key when it is removed from the stack.
   *
   * Deleting a key makes every object encrypted under it unreadable, so the key is kept by default.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Principals that may administer the key (not use it to encrypt or decrypt).
   *
   * @default - only the account root, through the default key policy
   */
  readonly admins?: iam.IPrincipal[];
}

/** The `Sid` of the key-policy statement that limits `kms:CreateGrant` to grants for AWS resources. */
const DENY_GRANTS_NOT_FOR_AWS_RESOURCES_SID = 'DenyGrantsNotForAwsResources';

/**
 * A symmetric KMS key made for S3 server-side encryption: rotation always on, retained on
 * removal, and a key policy that stays the same however many buckets share the key.
 *
 * Buckets and same-account grants never add statements to this key's policy: `bucket.grantRead(...)`
 * and `bucket.grantWrite(...)` give the KMS permissions through the grantee's IAM policy, which the
 * key policy allows by trusting the account. aws-cdk-lib adds one statement each for a grant to
 * another account, for CloudFront origin access control, and for server access log delivery into
 * a bucket encrypted with this key. The library adds one statement for each AWS service that
 * writes with the key, limited to its sources (`aws:SourceAccount`, `aws:SourceArn`): VPC flow
 * logs and S3 inventory or analytics exports into a bucket encrypted with it, S3 event
 * notifications into a topic or queue encrypted with it (docs/composition.md).
 *
 * The key policy also denies `kms:CreateGrant` unless the grant is for an AWS resource
 * (`kms:GrantIsForAWSResource`) or the caller is an AWS service (`aws:PrincipalIsAWSService`),
 * the statement that AWS Control Tower control CT.KMS.PR.3 looks for. S3 needs no grants for
 * SSE-KMS or DSSE-KMS; give principals access through IAM (`bucket.grantRead(...)`), not grants.
 */
export class EncryptionKey extends kms.Key {
  constructor(scope: Construct, id: string, props: EncryptionKeyProps = {}) {
    if (!isPlainObjectOrUndefined(props)) {
      throw new EncryptionValidationError(`EncryptionKey '${constructPath(scope, id)}': props must be an object (got ${describeValue(props)}).`);
    }
    const p = props ?? {};
    const owner = `EncryptionKey '${constructPath(scope, id)}'`;
    const rotationDays = checkDays(owner, 'rotationPeriod', p.rotationPeriod, ROTATION_MIN_DAYS, ROTATION_MAX_DAYS);
    checkDays(owner, 'pendingWindow', p.pendingWindow, PENDING_MIN_DAYS, PENDING_MAX_DAYS);
    const rotationTokenDays = p.rotationPeriod !== undefined && rotationDays === undefined
      ? tokenDays(owner, p.rotationPeriod) : undefined;
    checkOptionalString(owner, 'alias', p.alias);
    checkOptionalString(owner, 'description', p.description);
    if (p.admins !== undefined && !(Array.isArray(p.admins) && p.admins.every(isPrincipal))) {
      throw new EncryptionValidationError(`${owner}: admins must be an array of IAM principals (got ${describeValue(p.admins)}).`);
    }
    if (p.removalPolicy !== undefined && !Object.values(RemovalPolicy).includes(p.removalPolicy)) {
      throw new EncryptionValidationError(`${owner}: removalPolicy must be a RemovalPolicy (got ${describeValue(p.removalPolicy)}).`);
    }

    super(scope, id, {
      alias: p.alias,
      description: p.description ?? 'Encrypts Amazon S3 objects (cdk-s3-encryption)',
      keySpec: kms.KeySpec.SYMMETRIC_DEFAULT,
      keyUsage: kms.KeyUsage.ENCRYPT_DECRYPT,
      enableKeyRotation: true,
      // kms.Key rejects a token here; an unresolved period is set on the L1 below instead.
      rotationPeriod: rotationTokenDays === undefined ? (p.rotationPeriod ?? Duration.days(365)) : undefined,
      pendingWindow: p.pendingWindow ?? Duration.days(30),
      removalPolicy: p.removalPolicy ?? RemovalPolicy.RETAIN,
      admins: p.admins,
    });
    if (rotationTokenDays !== undefined) {
      (this.node.defaultChild as kms.CfnKey).rotationPeriodInDays = rotationTokenDays;
    }

    // One fixed statement: the key policy stays the same however many buckets use the key.
    this.addToResourcePolicy(new iam.PolicyStatement({
      sid: DENY_GRANTS_NOT_FOR_AWS_RESOURCES_SID,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        BoolIfExists: {
          'kms:GrantIsForAWSResource': 'false',
          'aws:PrincipalIsAWSService': 'false',
        },
      },
    }));
    // S3 event notifications into topics and queues this key encrypts (lib/private/composition/services.ts).
    addNotificationKeyPolicy(this);
  }

  /**
   * Adds a statement to the key policy.
   *
   * The statement aws-cdk-lib adds for S3 event notifications into a topic or queue encrypted
   * with this key (`s3.amazonaws.com`, `kms:GenerateDataKey*` and `kms:Decrypt` on any source)
   * is replaced at synth by one limited to the buckets of the app that send them
   * (`aws:SourceAccount`, `aws:SourceArn`); if the app has none, it is added as given.
   */
  public addToResourcePolicy(statement: iam.PolicyStatement, allowNoOp?: boolean): iam.AddToResourcePolicyResult {
    if (holdUnscopedNotificationStatement(this, statement)) {
      return { statementAdded: true, policyDependable: this };
    }
    return super.addToResourcePolicy(statement, allowNoOp);
  }
}

/** The days of an unresolved Duration, for the L1 property (KMS checks the range at deploy time). */
function tokenDays(owner: string, period: Duration): number {
  try {
    return period.toDays();
  } catch {
    throw new EncryptionValidationError(`${owner}: an unresolved rotationPeriod must be given in days, ` +
      'e.g. Duration.days(token) (got a token in another unit).');
  }
}

function checkOptionalString(owner: string, prop: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'string') {
    throw new EncryptionValidationError(`${owner}: ${prop} must be a string (got ${describeValue(value)}).`);
  }
}

function isPrincipal(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'policyFragment' in value;
}
