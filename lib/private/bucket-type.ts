import { Annotations, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import { EncryptionKey } from '../encryption-key';
import { BUCKET_TYPE_FACTS, BucketType, EncryptionMode, MODE_FACTS } from '../encryption-mode';
import { EncryptionValidationError } from '../errors';
import { ServerSideEncryption } from '../server-side-encryption';
import { checkKeyArnText } from './composition';
import { checkSymmetricKey, constructPath, describeValue, isPlainObjectOrUndefined } from './validate';

/*
 * What EncryptedDirectoryBucket, EncryptedTableBucket and EncryptedVectorBucket share: resolving
 * the encryption choice for a bucket type (BUCKET_TYPE_FACTS in encryption-mode.ts says which
 * modes each supports), and KMS grants usable only through the type's service.
 */

/** The factory that makes each mode, for messages. */
const FACTORY: Record<EncryptionMode, string> = {
  [EncryptionMode.S3_MANAGED]: 'ServerSideEncryption.s3Managed()',
  [EncryptionMode.KMS]: 'ServerSideEncryption.kms()',
  [EncryptionMode.KMS_MANAGED]: 'ServerSideEncryption.kmsManaged()',
  [EncryptionMode.DSSE_KMS]: 'ServerSideEncryption.dsseKms()',
  [EncryptionMode.CUSTOMER_PROVIDED]: 'ServerSideEncryption.customerProvided()',
};

export interface ResolvedBucketTypeEncryption {
  /** "EncryptedTableBucket '<path>'", for messages. */
  readonly owner: string;
  readonly sse: ServerSideEncryption;
  /** The algorithm the bucket is set to. */
  readonly algorithm: string;
  /** The key the user gave; undefined in KMS mode when the construct makes its own. */
  readonly key?: kms.IKey;
}

/**
 * Validates the props object and the encryption choice for a bucket type.
 *
 * | serverSideEncryption         | directory | table | vector |
 * |------------------------------|-----------|-------|--------|
 * | (none)                       | kms() with a new EncryptionKey (all three) |
 * | s3Managed()                  | AES256    | AES256 | AES256 |
 * | kms({ key })                 | aws:kms + the key ARN (all three) |
 * | kms({ bucketKey: false })    | refused: Bucket Keys are always on | refused | refused |
 * | kmsManaged(), dsseKms(), customerProvided() | refused (all three) |
 */
export function resolveBucketTypeEncryption(scope: Construct, id: string, type: BucketType, props: unknown,
  sseProp: unknown): ResolvedBucketTypeEncryption {
  const facts = BUCKET_TYPE_FACTS[type];
  const owner = `${facts.construct} '${constructPath(scope, id)}'`;
  if (!isPlainObjectOrUndefined(props) || props === undefined) {
    throw new EncryptionValidationError(`${owner}: props must be an object (got ${describeValue(props)}).`);
  }
  const sse = sseProp ?? ServerSideEncryption.kms();
  if (!ServerSideEncryption.isServerSideEncryption(sse)) {
    throw new EncryptionValidationError(`${owner}: serverSideEncryption must come from a ServerSideEncryption factory ` +
      `such as ServerSideEncryption.kms() (got ${describeValue(sse)}).`);
  }
  if (!facts.modes.includes(sse.mode)) {
    throw new EncryptionValidationError(`${owner}: a ${facts.description} does not support ${FACTORY[sse.mode]} ` +
      `(got mode ${sse.mode}). It supports ${facts.modes.map((m) => FACTORY[m]).join(' and ')} ` +
      '(SSE-KMS with a customer managed key only). Use one of those.');
  }
  if (sse.bucketKey !== undefined) {
    if (type !== 'directory') {
      throw new EncryptionValidationError(`${owner}: the bucketKey option is not supported by a ${facts.description} ` +
        `(got ${sse.bucketKey}): S3 Bucket Keys apply to objects in S3 buckets. Remove the bucketKey option.`);
    }
    if (sse.bucketKey === false) {
      throw new EncryptionValidationError(`${owner}: a directory bucket always uses S3 Bucket Keys with SSE-KMS ` +
        '(got bucketKey: false). Remove the bucketKey option.');
    }
  }
  if (sse.key) {
    checkKey(scope, owner, sse.key);
  }
  return { owner, sse, algorithm: MODE_FACTS[sse.mode].defaultAlgorithm, key: sse.key };
}

/** The key of a bucket type: named by full ARN, symmetric, in the bucket's region. */
function checkKey(scope: Construct, owner: string, key: kms.IKey): void {
  if ('aliasName' in key) {
    throw new EncryptionValidationError(`${owner}: the key of serverSideEncryption must be a KMS key, not an alias ` +
      '(got an alias): the bucket and its policy name the key by its full ARN. Pass the key itself (for a kms.Alias, its aliasTargetKey).');
  }
  if (!Token.isUnresolved(key.keyArn)) {
    checkKeyArnText(scope, owner, key.keyArn);
  }
  checkSymmetricKey(owner, key);
  const bucketRegion = Stack.of(scope).region;
  const keyRegion = key.env?.region;
  if (!Token.isUnresolved(bucketRegion) && keyRegion && !Token.isUnresolved(keyRegion) && keyRegion !== bucketRegion) {
    throw new EncryptionValidationError(`${owner}: the key of serverSideEncryption is in region ${keyRegion}, but the bucket's ` +
      `stack is in ${bucketRegion}. A KMS key can only be used in its own region: use a key (or a multi-Region replica key) ` +
      `in ${bucketRegion}.`);
  }
}

/** The key the bucket uses: the given one, or a new rotating EncryptionKey in KMS mode; none for SSE-S3. */
export function bucketTypeKey(scope: Construct, resolved: ResolvedBucketTypeEncryption, type: BucketType): kms.IKey | undefined {
  if (resolved.key || !resolved.sse.usesCustomerManagedKey) return resolved.key;
  return new EncryptionKey(scope, 'Key', {
    description: `Encrypts the data of ${BUCKET_TYPE_FACTS[type].description} ${scope.node.path} (cdk-s3-encryption)`,
  });
}

/** The `kms:ViaService` values of a bucket type in the stack's region. */
export function viaServices(scope: IConstruct, type: BucketType): string[] {
  const region = Stack.of(scope).region;
  return BUCKET_TYPE_FACTS[type].viaServices.map((service) => `${service}.${region}.amazonaws.com`);
}

/**
 * Gives the grantee what `options` names (a statement in the grantee's policy) and, with a key,
 * `kmsActions` on the key, usable only through the bucket type's service (`kms:ViaService`) in the
 * bucket's region: every statement of the key grant, the grantee's IAM statement and, for another
 * account's principal, the key-policy statement. One grant for both.
 */
export function grantOnBucketType(scope: IConstruct, type: BucketType, key: kms.IKey | undefined,
  options: iam.GrantOnPrincipalOptions, kmsActions: string[]): iam.Grant {
  const grant = iam.Grant.addToPrincipal(options);
  if (!key || kmsActions.length === 0) return grant;
  const keyGrant = key.grant(options.grantee, ...kmsActions);
  for (const statement of [...keyGrant.principalStatements, ...keyGrant.resourceStatements]) {
    statement.addConditions({ StringEquals: { 'kms:ViaService': viaServices(scope, type) } });
  }
  return grant.combine(keyGrant);
}

/** Warning id, for `Annotations.acknowledgeWarning`. */
export const KEY_POLICY_NOT_UPDATED = '@cdk-s3-encryption/bucket-types:keyPolicyNotUpdated';

/** The Sids of the service principal statements in a table bucket's key policy. */
export const TABLES_MAINTENANCE_SID = 'AllowS3TablesMaintenance';
export const METADATA_TABLES_SID = 'AllowS3MetadataTables';

/** The service principals that must use a table bucket's key (Permission requirements for S3 Tables SSE-KMS encryption). */
export const TABLES_MAINTENANCE_PRINCIPAL = 'maintenance.s3tables.amazonaws.com';
export const METADATA_PRINCIPAL = 'metadata.s3.amazonaws.com';

/** The table buckets of the app that use each key, per statement, so that one statement per key lists them all. */
const tableBucketsOfKey = new WeakMap<kms.IKey, Map<string, string[]>>();

/**
 * Lets a service principal generate data keys and decrypt with `key` for the tables of
 * `tableBucketArn` (`StringLike kms:EncryptionContext:aws:s3:arn <table bucket ARN>/*`, as the S3
 * Tables guide scopes it), with one statement per key and principal that lists every table bucket
 * of the app using the key. `sourceAccount` adds `aws:SourceAccount`. A key that is not defined in
 * the app cannot be changed: a warning says which statement to add.
 */
export function allowServiceOnTableKey(bucket: IConstruct, key: kms.IKey, sid: string, principal: string, tableBucketArn: string,
  sourceAccount: string | undefined): void {
  let perSid = tableBucketsOfKey.get(key);
  if (!perSid) {
    perSid = new Map();
    tableBucketsOfKey.set(key, perSid);
  }
  const arns = perSid.get(sid);
  if (arns) {
    arns.push(`${tableBucketArn}/*`);
    return;
  }
  const patterns = [`${tableBucketArn}/*`];
  const conditions: Record<string, Record<string, unknown>> = {
    StringLike: { 'kms:EncryptionContext:aws:s3:arn': Lazy.list({ produce: () => patterns }) },
  };
  if (sourceAccount !== undefined) {
    conditions.StringEquals = { 'aws:SourceAccount': sourceAccount };
  }
  const result = key.addToResourcePolicy(new iam.PolicyStatement({
    sid,
    principals: [new iam.ServicePrincipal(principal)],
    actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
    resources: ['*'],
    conditions,
  }));
  if (result.statementAdded) {
    perSid.set(sid, patterns);
  } else {
    Annotations.of(bucket).addWarningV2(KEY_POLICY_NOT_UPDATED, `The key ${key.keyArn} is not defined in this app, so its key ` +
      `policy cannot be changed here. Add a statement that lets ${principal} use it (kms:GenerateDataKey, kms:Decrypt) ` +
      'for the tables of this table bucket (StringLike kms:EncryptionContext:aws:s3:arn <table bucket ARN>/*), or ' +
      'S3 Tables refuses to create encrypted tables. Then acknowledge this warning with ' +
      `Annotations.of(scope).acknowledgeWarning('${KEY_POLICY_NOT_UPDATED}').`);
  }
}

/** Buckets and keys are kept when they leave the stack, unless the user says otherwise. */
export function defaultRemovalPolicy(value: unknown, owner: string): RemovalPolicy {
  if (value === undefined) return RemovalPolicy.RETAIN;
  if (!Object.values(RemovalPolicy).includes(value as RemovalPolicy)) {
    throw new EncryptionValidationError(`${owner}: removalPolicy must be a RemovalPolicy (got ${describeValue(value)}).`);
  }
  return value as RemovalPolicy;
}
