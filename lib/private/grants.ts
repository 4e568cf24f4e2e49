import { Annotations, Aws, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RegionInfo } from 'aws-cdk-lib/region-info';

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
 * |                                                 | (and `s3.<region>.<partition suffix>`) | outside the `aws` partition, see `viaS3Values` |
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
 *
 * `bucket` is the bucket whose objects the key encrypts: the granting bucket itself, or for the
 * replica key of a replication rule the destination bucket (S3 encrypts a replica in the
 * destination's region, under the destination's encryption context).
 */
export function grantScopedKeyUse(bucket: s3.IBucket, bucketName: string | undefined, key: kms.IKey,
  grantee: iam.IGrantable, actions: string[]): iam.Grant | undefined {
  if (actions.length === 0) return undefined;
  const literalName = bucketName !== undefined && !Token.isUnresolved(bucketName) ? bucketName : undefined;
  const withoutContext = actions.filter((action) => ACTIONS_WITHOUT_ENCRYPTION_CONTEXT.has(action.toLowerCase()));
  const withContext = actions.filter((action) => !ACTIONS_WITHOUT_ENCRYPTION_CONTEXT.has(action.toLowerCase()));

  let grant: iam.Grant | undefined;
  if (withContext.length > 0) {
    // The bucket ARN written from a literal bucket name needs no reference to the bucket.
    const literalArn = literalName !== undefined ? `arn:${Stack.of(bucket).partition}:s3:::${literalName}` : undefined;
    grant = conditionedGrant(key, grantee, withContext,
      { ...viaS3Condition(bucket), ...thisBucketContextCondition(literalArn ?? bucketArnReference(bucket)) },
      literalArn !== undefined ? { ...viaS3Condition(bucket), ...thisBucketContextCondition(literalArn) } : viaS3Condition(bucket),
      () => { if (literalArn === undefined) warnKeyPolicyNotScopedToBucket(bucket, grantee); });
  }
  if (withoutContext.length > 0) {
    const described = conditionedGrant(key, grantee, withoutContext, viaS3Condition(bucket), viaS3Condition(bucket), () => undefined);
    grant = grant ? grant.combine(described) : described;
  }
  return grant;
}

/**
 * `key.grant(grantee, ...actions)`, with `identityConditions` on every statement added to the
 * grantee's own policies and `keyPolicyConditions` on every statement added to the key policy
 * (`onKeyPolicyStatement` is called for each of those).
 *
 * The identity statements are conditioned as they are added, through a wrapper of the grantee's
 * principal, not through the statements the Grant returns: for a grantee in another account or
 * region than the key, aws-cdk-lib's `Grant.addToPrincipalAndResource` returns the key-policy
 * statement as its principal statement and drops the statement it added to the grantee's policy
 * (there on `Resource: "*"`, since a key ARN cannot be referenced across environments). Left alone,
 * that statement would let the grantee use every key of its account that trusts IAM, directly.
 */
function conditionedGrant(key: kms.IKey, grantee: iam.IGrantable, actions: string[],
  identityConditions: Record<string, Record<string, unknown>>, keyPolicyConditions: Record<string, Record<string, unknown>>,
  onKeyPolicyStatement: () => void): iam.Grant {
  const identityStatements = new Set<iam.PolicyStatement>();
  const principal = grantee.grantPrincipal;
  const addToPrincipalPolicy = (statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult => {
    statement.addConditions(identityConditions);
    identityStatements.add(statement);
    return principal.addToPrincipalPolicy(statement);
  };
  const conditioned = new Proxy(principal, {
    get(target, property) {
      if (property === 'addToPrincipalPolicy') return addToPrincipalPolicy;
      if (property === 'addToPolicy') return (statement: iam.PolicyStatement) => addToPrincipalPolicy(statement).statementAdded;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const grant = key.grant({ grantPrincipal: conditioned }, ...actions);
  for (const statement of [...grant.principalStatements, ...grant.resourceStatements]) {
    if (identityStatements.has(statement)) continue;
    statement.addConditions(keyPolicyConditions);
    onKeyPolicyStatement();
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
  return { StringEquals: { 'kms:ViaService': viaS3Values(bucket) } };
}

/**
 * The values of `kms:ViaService` when S3 in the bucket's region calls KMS. S3 calls KMS from the
 * bucket's region (the key must be there too): a literal in an environment-specific stack, the
 * bucket stack's AWS::Region otherwise, or the region an imported bucket was given.
 *
 * The AWS KMS Developer Guide writes the value as `SERVICE.REGION.amazonaws.com`, and does not say
 * what it is in partitions whose endpoints end otherwise (`amazonaws.com.cn` in China). Both names
 * are allowed there: each names S3 in that one region, so allowing both grants nothing more, and
 * the grant works whichever KMS sets. In the `aws` partition this is one value, as before; in an
 * environment-agnostic stack the second value is written with AWS::URLSuffix, and is the same
 * string as the first once deployed in the `aws` partition.
 */
export function viaS3Values(bucket: s3.IBucket): string | string[] {
  const region = bucket.env.region;
  const documented = `s3.${region}.amazonaws.com`;
  if (Token.isUnresolved(region)) return [documented, `s3.${region}.${Aws.URL_SUFFIX}`];
  const suffix = RegionInfo.get(region).domainSuffix;
  return suffix === undefined || suffix === 'amazonaws.com' ? documented : [documented, `s3.${region}.${suffix}`];
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
