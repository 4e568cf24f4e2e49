import { Annotations, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * KMS permissions of a bucket grant, limited to S3 and to this one bucket.
 *
 * aws-cdk-lib's bucket grants (`grantRead`, `grantWrite`, `grantReadWrite`, `grantPut`,
 * `grants.actionsOnObjectKeys(...)` with `kms:` actions, the replication role's decrypt grant)
 * all reach the key through the bucket's `grantOnKey`. Left as they are, they allow the KMS
 * actions on the key with no condition: the grantee could call KMS directly, and could use the
 * key for every other bucket that shares it. Here each statement of the key grant (the
 * grantee's IAM statement and, for a principal of another account, the key-policy statement)
 * gains two conditions:
 *
 * | condition                                       | value                                 | why |
 * |-------------------------------------------------|---------------------------------------|-----|
 * | `StringEquals kms:ViaService`                   | `s3.<bucket region>.amazonaws.com`    | S3 calls KMS on the caller's behalf and sets it; a direct KMS call carries none |
 * | `StringLike kms:EncryptionContext:aws:s3:arn`   | `<bucket ARN>`, `<bucket ARN>/*`      | S3 names the object (Bucket Keys off, DSSE-KMS) or the bucket (Bucket Keys on) |
 *
 * Both ARN forms are allowed, so the grant keeps working when Bucket Keys are switched on or
 * off (objects written before the switch keep the context they were written with). A bucket
 * name cannot contain `*` or `?`, so the patterns match this bucket only; another bucket whose
 * name starts with this one's does not match `<bucket ARN>/*`.
 *
 * A key-policy statement (a grant to another account's principal) cannot reference the bucket:
 * the bucket already references the key in its default encryption, so CloudFormation would see
 * a cycle. There the bucket ARN is written from the bucket's name when `bucketName` is a literal;
 * with a generated name the statement keeps `kms:ViaService` only and a warning says so.
 *
 * KMS actions that never carry an encryption context (`kms:DescribeKey`, which aws-cdk-lib adds
 * to read grants) get the `kms:ViaService` condition only, in a statement of their own: with
 * the context condition they could never match, which would only mislead a reader.
 */
export function grantScopedKeyUse(bucket: s3.IBucket, bucketName: string | undefined, key: kms.IKey,
  grantee: iam.IGrantable, actions: string[]): iam.Grant | undefined {
  if (actions.length === 0) return undefined;
  const literalName = bucketName !== undefined && !Token.isUnresolved(bucketName) ? bucketName : undefined;
  const withoutContext = actions.filter((action) => ACTIONS_WITHOUT_ENCRYPTION_CONTEXT.has(action.toLowerCase()));
  const withContext = actions.filter((action) => !ACTIONS_WITHOUT_ENCRYPTION_CONTEXT.has(action.toLowerCase()));

  let grant: iam.Grant | undefined;
  if (withContext.length > 0) {
    grant = key.grant(grantee, ...withContext);
    // The bucket ARN written from a literal bucket name needs no reference to the bucket.
    const literalArn = literalName !== undefined ? `arn:${Stack.of(bucket).partition}:s3:::${literalName}` : undefined;
    for (const statement of grant.principalStatements) {
      statement.addConditions({ ...viaS3Condition(bucket), ...thisBucketContextCondition(literalArn ?? bucketArnReference(bucket)) });
    }
    for (const statement of grant.resourceStatements) {
      if (literalArn !== undefined) {
        statement.addConditions({ ...viaS3Condition(bucket), ...thisBucketContextCondition(literalArn) });
      } else {
        statement.addConditions(viaS3Condition(bucket));
        warnKeyPolicyNotScopedToBucket(bucket, grantee);
      }
    }
  }
  if (withoutContext.length > 0) {
    const described = key.grant(grantee, ...withoutContext);
    for (const statement of [...described.principalStatements, ...described.resourceStatements]) {
      statement.addConditions(viaS3Condition(bucket));
    }
    grant = grant ? grant.combine(described) : described;
  }
  return grant;
}

/** Warning id, for `Annotations.acknowledgeWarning`. */
export const KEY_POLICY_NOT_SCOPED_TO_BUCKET = '@cdk-s3-encryption/grants:keyPolicyNotScopedToBucket';

/** The condition key S3 fills with the bucket ARN (Bucket Keys on) or the object ARN (off). */
export const S3_ARN_CONTEXT_KEY = 'kms:EncryptionContext:aws:s3:arn';

/**
 * KMS actions, lower-cased, that a bucket grant may carry and that take no encryption context.
 * Any other action (including a wildcard such as `kms:*`) gets both conditions: a statement
 * with a condition that can never match grants less, never more.
 */
const ACTIONS_WITHOUT_ENCRYPTION_CONTEXT = new Set(['kms:describekey']);

function viaS3Condition(bucket: s3.IBucket): Record<string, Record<string, unknown>> {
  // The bucket's region: a literal in an environment-specific stack, the bucket stack's
  // AWS::Region otherwise, or the region an imported bucket was given. S3 calls KMS from the
  // bucket's region (the key must be there too).
  return { StringEquals: { 'kms:ViaService': `s3.${bucket.env.region}.amazonaws.com` } };
}

function thisBucketContextCondition(bucketArn: string): Record<string, Record<string, unknown>> {
  return { StringLike: { [S3_ARN_CONTEXT_KEY]: [bucketArn, `${bucketArn}/*`] } };
}

function bucketArnReference(bucket: s3.IBucket): string {
  // Lazy: the replication grant runs inside the s3.Bucket constructor, before bucketArn is set.
  return Lazy.string({ produce: () => bucket.bucketArn });
}

function warnKeyPolicyNotScopedToBucket(bucket: s3.IBucket, grantee: iam.IGrantable): void {
  Annotations.of(bucket).addWarningV2(KEY_POLICY_NOT_SCOPED_TO_BUCKET,
    `A grant to ${grantee.grantPrincipal} adds a statement to the key policy, usable only through S3 ` +
    '(kms:ViaService) but not limited to this bucket: the bucket name is generated, and the key policy cannot ' +
    'reference the bucket (the bucket references the key). Set bucketName to limit the statement to this ' +
    'bucket (kms:EncryptionContext:aws:s3:arn), or acknowledge this warning.');
}
