import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EncryptionKey } from './encryption-key';
import { EncryptionMode, MODE_FACTS } from './encryption-mode';
import { EncryptionValidationError } from './errors';
import { encryptionPolicyStatements, KEY_ARN_TAG_KEY } from './policy-statements';
import { awsManagedS3KeyArns } from './private/aws-managed-key';
import { addCompositionChecks, checkCompositionProps, checkKeyArnText, composeReplicationRules } from './private/composition';
import { grantScopedKeyUse } from './private/grants';
import { checkKeyConstruct, checkOptionalBoolean, checkSymmetricKey, constructPath, describeValue, isPlainObjectOrUndefined } from './private/validate';
import { ServerSideEncryption } from './server-side-encryption';

/**
 * Properties of an `EncryptedBucket`.
 *
 * All of `s3.BucketProps` apply, except those that this construct manages: `encryption`,
 * `encryptionKey` and `blockedEncryptionTypes` raise an error (use `serverSideEncryption`),
 * `enforceSSL: false` raises an error (TLS-only access is always on), and `bucketKeyEnabled`
 * raises an error in a mode without Bucket Keys. Props that cannot work with the bucket policy
 * raise an error too: the website props (website endpoints are plain HTTP), `publicReadAccess` in
 * a KMS mode (anonymous requests cannot use a KMS key), and replication rules whose destination
 * would refuse the replicas (see docs/composition.md).
 *
 * `minimumTLSVersion` (from `s3.BucketProps`) denies requests made over a TLS version below the
 * one given, with a `DenyOutdatedTlsVersion` statement on the bucket and its objects. Only 1.2
 * and 1.3 are accepted; an error is raised for any other value. Without it there is no
 * TLS-version statement (AWS endpoints already require TLS 1.2).
 */
export interface EncryptedBucketProps extends s3.BucketProps {
  /**
   * How objects are encrypted at rest, and so which uploads the bucket policy accepts.
   *
   * @default ServerSideEncryption.kms() - SSE-KMS with a new rotating `EncryptionKey` and Bucket Keys
   */
  readonly serverSideEncryption?: ServerSideEncryption;

  /**
   * Strict mode: deny every upload that does not carry an `x-amz-server-side-encryption` header.
   *
   * By default an upload without the header is allowed and S3 encrypts it with the bucket's
   * default encryption; only uploads that name a wrong algorithm or key are denied. Strict mode
   * also rejects clients that rely on default encryption, S3 server access log delivery, and
   * every multipart upload: UploadPart and CompleteMultipartUpload cannot carry the header. Turn
   * it on only when every writer sends single PutObject requests with the header.
   *
   * Has no further effect with `ServerSideEncryption.customerProvided()`, which already denies
   * every upload without SSE-C headers.
   *
   * @default false
   */
  readonly requireEncryptionHeaders?: boolean;

  /**
   * Tag the bucket with its key, for the organization's resource control policy: turns on
   * attribute-based access control for the bucket (`AbacStatus: Enabled`) and tags it with
   * `KEY_ARN_TAG_KEY` (`cdk-s3-encryption:kms-key-arn`), whose value is the full ARN of the
   * bucket's KMS key. An `OrganizationEncryptionPolicy` with `requireTaggedKey: true` then denies
   * writes under any other key, whoever makes them, even if the bucket policy is changed.
   *
   * Only for `ServerSideEncryption.kms()` and `dsseKms()` (a customer managed key); an error is
   * raised in the other modes, and with `abacStatus: false`. Once ABAC is on, S3 manages bucket
   * tags only through `TagResource`/`UntagResource`, not `PutBucketTagging`.
   *
   * @default false
   */
  readonly keyArnTag?: boolean;

  // minimumTLSVersion (from s3.BucketProps) is documented above; an interface that restates an
  // inherited member would not compile to C#.
}

/** TLS versions that `minimumTLSVersion` accepts. */
const TLS_VERSIONS = [1.2, 1.3];
/** The priority of the key-ARN tag: above any `Tags.of(...)` aspect (100 to add, 200 to remove). */
const KEY_ARN_TAG_PRIORITY = 1000;

/**
 * An S3 bucket with explicit default encryption in any S3 mode, and a bucket policy that denies
 * plain-HTTP access, uploads with the wrong algorithm or key, and SSE-C where it is not wanted
 * (or anything but SSE-C where it is).
 *
 * Secure defaults that can be overridden: all public access blocked, versioning on,
 * `RemovalPolicy.RETAIN`. Grants (`grantRead`, `grantWrite`, ...) carry the KMS permissions for
 * the bucket's customer managed key, usable only through S3 (`kms:ViaService`) and only for this
 * bucket's objects (`kms:EncryptionContext:aws:s3:arn`); see `grantOnKey`.
 */
export class EncryptedBucket extends s3.Bucket {
  /**
   * The key of the bucket tag that `keyArnTag` sets (`cdk-s3-encryption:kms-key-arn`), whose value
   * is the full ARN of the bucket's KMS key. The same as the exported `KEY_ARN_TAG_KEY`, here for
   * the languages that have no module-level constants.
   */
  public static readonly KEY_ARN_TAG_KEY: string = KEY_ARN_TAG_KEY;

  /**
   * Imports a bucket that the app does not own, with the key its objects are encrypted under,
   * so that its grants carry KMS permissions limited as an `EncryptedBucket`'s are.
   *
   * Takes the same attributes as `s3.Bucket.fromBucketAttributes` (`bucketArn` or `bucketName`,
   * `region` when the bucket is in another region than the stack, `encryptionKey`). With an
   * `encryptionKey` (for example `kms.Key.fromKeyArn(...)`), `grantRead`, `grantWrite`,
   * `grantReadWrite`, `grantPut` and `grants.*` give the grantee the KMS actions on that key only
   * through S3 in the bucket's region (`kms:ViaService`) and only for this bucket and its objects
   * (`kms:EncryptionContext:aws:s3:arn`). Without one, grants carry no KMS permission. Nothing is
   * added to the bucket's policy or settings, which live outside the app (as with aws-cdk-lib's
   * imported buckets); `s3.Bucket.fromBucketName` and `fromBucketArn` stay unscoped.
   *
   * @param scope the scope of the imported bucket
   * @param id its construct id
   * @param attrs the bucket's attributes, with `encryptionKey` for scoped KMS grants
   */
  public static fromBucketAttributes(scope: Construct, id: string, attrs: s3.BucketAttributes): s3.IBucket {
    const owner = `EncryptedBucket.fromBucketAttributes '${constructPath(scope, id)}'`;
    if (!isPlainObjectOrUndefined(attrs) || attrs === undefined) {
      throw new EncryptionValidationError(`${owner}: attrs must be an object with bucketArn or bucketName (got ${describeValue(attrs)}).`);
    }
    const key = checkKeyConstruct(`${owner}: encryptionKey`, attrs.encryptionKey);
    const bucket = s3.Bucket.fromBucketAttributes(scope, id, attrs);
    if (key) {
      // The imported bucket's grants reach the key through grantOnKey, as an EncryptedBucket's do.
      const grantOnKey = (grantee: iam.IGrantable, ...actions: string[]): iam.GrantOnKeyResult =>
        ({ grant: grantScopedKeyUse(bucket, bucket.bucketName, key, grantee, actions) });
      Object.assign(bucket, { grantOnKey });
    }
    return bucket;
  }

  /** The encryption mode and options this bucket was built with. */
  public readonly serverSideEncryption: ServerSideEncryption;

  /** The `SSEAlgorithm` of the bucket's default encryption rule. */
  public readonly sseAlgorithm: string;

  constructor(scope: Construct, id: string, props: EncryptedBucketProps = {}) {
    const resolved = resolveEncryption(scope, id, props);
    // Composition with other aws-cdk-lib features (lib/private/composition/).
    checkCompositionProps(resolved.owner, props, resolved.sse);
    const replicationRules = composeReplicationRules(resolved.owner, props.replicationRules, resolved.sse);
    // s3.Bucket gets only its own props, and only those with a value: it records every prop it is
    // given (construct metadata, deprecation checks), which costs synth time per key.
    const { serverSideEncryption: _sse, requireEncryptionHeaders: _strict, ...bucketProps } = props;
    super(scope, id, definedOnly({
      ...bucketProps,
      replicationRules,
      blockPublicAccess: props.blockPublicAccess ?? s3.BlockPublicAccess.BLOCK_ALL,
      versioned: props.versioned ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      // This construct writes the TLS-only statement itself, with a stable Sid (false is the default).
      enforceSSL: undefined,
      encryption: resolved.l2Encryption,
      encryptionKey: resolved.key,
      bucketKeyEnabled: undefined,
      blockedEncryptionTypes: undefined,
      // The DenyOutdatedTlsVersion statement below replaces the one s3.Bucket would add.
      minimumTLSVersion: undefined,
    }));
    this.serverSideEncryption = resolved.sse;

    let key = resolved.key;
    if (resolved.sse.usesCustomerManagedKey && !key) {
      key = new EncryptionKey(this, 'Key', {
        description: `Encrypts the objects of S3 bucket ${this.node.path} (cdk-s3-encryption)`,
      });
      // Grants read the key from here.
      (this as { encryptionKey?: kms.IKey }).encryptionKey = key;
      if (props.replicationRules && props.replicationRules.length > 0) {
        const role = props.replicationRole ?? (this.node.tryFindChild('ReplicationRole') as iam.IRole | undefined);
        role && this.grantOnKey(role, 'kms:Decrypt');
      }
    }

    // Exactly one rule, always with BlockedEncryptionTypes stated explicitly: S3 changes its
    // default server-side, and a template that leaves it out drifts from the deployed bucket.
    const facts = MODE_FACTS[resolved.sse.mode];
    this.sseAlgorithm = facts.defaultAlgorithm;
    const cfnBucket = this.node.defaultChild as s3.CfnBucket;
    cfnBucket.bucketEncryption = {
      serverSideEncryptionConfiguration: [{
        serverSideEncryptionByDefault: {
          sseAlgorithm: this.sseAlgorithm,
          kmsMasterKeyId: key?.keyArn,
        },
        bucketKeyEnabled: resolved.bucketKeyEnabled,
        blockedEncryptionTypes: {
          encryptionType: [facts.blockedEncryptionType],
        },
      }],
    };

    if (resolved.keyArnTag) {
      // AbacStatus is a CfnBucket property in current aws-cdk-lib; an override where the installed
      // aws-cdk-lib predates it, so the template always carries it.
      if ('abacStatus' in cfnBucket) {
        cfnBucket.abacStatus = 'Enabled';
      } else {
        (cfnBucket as s3.CfnBucket).addPropertyOverride('AbacStatus', 'Enabled');
      }
      // A priority above the Tags aspect's, so that Tags.of(...).add/remove elsewhere cannot change it.
      cfnBucket.tags.setTag(KEY_ARN_TAG_KEY, key!.keyArn, KEY_ARN_TAG_PRIORITY);
    }

    const statementsBefore = this.policy?.document.statementCount ?? 0;
    for (const statement of encryptionPolicyStatements({
      bucketArn: this.bucketArn,
      mode: resolved.sse.mode,
      keyArn: key?.keyArn,
      awsManagedKeyArns: facts.key === 'awsManaged' ? awsManagedS3KeyArns(this) : undefined,
      requireEncryptionHeaders: resolved.requireEncryptionHeaders,
      minimumTlsVersion: resolved.minimumTlsVersion,
    })) {
      this.addToResourcePolicy(statement);
    }

    // Composition checks that need the finished tree run at synth (lib/private/composition/).
    addCompositionChecks(this, {
      owner: resolved.owner,
      sse: resolved.sse,
      requireEncryptionHeaders: resolved.requireEncryptionHeaders,
      key,
      ownStatementCount: this.policy!.document.statementCount - statementsBefore,
    });
  }

  // --- Scoped KMS grants (logic in private/grants.ts) ---
  /**
   * Gives a grantee KMS permissions on the bucket's customer managed key, usable only through S3
   * in the bucket's region (`kms:ViaService`) and only for this bucket and its objects
   * (`kms:EncryptionContext:aws:s3:arn`).
   *
   * Every grant of the bucket that carries KMS permissions (`grantRead`, `grantWrite`,
   * `grantReadWrite`, `grantPut`, `grants.*`, replication) comes through here. For a principal
   * of another account the key-policy statement is scoped the same way when `bucketName` is set;
   * with a generated name it is limited to S3 only, and a warning says so (the key policy cannot
   * reference the bucket, which references the key). Without a customer managed key (SSE-S3,
   * `aws/s3`, SSE-C) nothing is granted on KMS.
   */
  public grantOnKey(grantee: iam.IGrantable, ...actions: string[]): iam.GrantOnKeyResult {
    const key = this.encryptionKey;
    return { grant: key ? grantScopedKeyUse(this, this.physicalName, key, grantee, actions) : undefined };
  }
  // --- end scoped KMS grants ---

  /**
   * Lets a grantee re-encrypt existing objects of this bucket in place under the bucket's key,
   * with `UpdateObjectEncryption` (one object at a time, or as the IAM role of an S3 Batch
   * Operations job that runs it in bulk). Use it to bring objects written before the bucket was
   * an `EncryptedBucket` (SSE-S3, or another SSE-KMS key) under its key.
   *
   * It grants `s3:UpdateObjectEncryption` and `s3:PutObject` on the bucket's objects; on the
   * bucket's key `kms:Encrypt`, `kms:GenerateDataKey*`, `kms:ReEncryptTo` and `kms:Decrypt`; and,
   * when the objects are under another customer managed key now, `kms:Decrypt` and
   * `kms:ReEncryptFrom` on that key. Every KMS permission is limited, as the bucket's other grants
   * are, to S3 in the bucket's region and to this bucket's objects. The bucket policy allows
   * re-encryption to the bucket's own key only.
   *
   * Only `kms()` and `kmsManaged()` buckets accept re-encryption in place (it always produces
   * single-layer SSE-KMS); for `kmsManaged()` nothing is granted on KMS (`aws/s3` is used through
   * its own key policy). Other modes raise an error.
   *
   * @param grantee the principal that calls UpdateObjectEncryption (for S3 Batch Operations, the job's role)
   * @param previousKey the customer managed key the objects are encrypted under now, if any
   * @default - previousKey: none: the objects are SSE-S3 or under `aws/s3`
   */
  public grantReencrypt(grantee: iam.IGrantable, previousKey?: kms.IKey): iam.Grant {
    const mode = this.serverSideEncryption.mode;
    if (mode !== EncryptionMode.KMS && mode !== EncryptionMode.KMS_MANAGED) {
      throw new EncryptionValidationError(`EncryptedBucket '${this.node.path}': grantReencrypt needs a bucket whose ` +
        `policy allows re-encryption in place, ServerSideEncryption.kms() or kmsManaged() (got mode ${mode}). ` +
        'UpdateObjectEncryption only produces single-layer SSE-KMS; copy the objects instead (CopyObject onto themselves).');
    }
    if (previousKey !== undefined && (typeof previousKey !== 'object' || previousKey === null ||
        typeof (previousKey as kms.IKey).keyArn !== 'string')) {
      throw new EncryptionValidationError(`EncryptedBucket '${this.node.path}': grantReencrypt's previousKey must be a KMS ` +
        `key construct such as kms.Key.fromKeyArn(...) (got ${describeValue(previousKey)}).`);
    }
    let grant = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['s3:UpdateObjectEncryption', 's3:PutObject'],
      resourceArns: [this.arnForObjects('*')],
      resource: this,
    });
    const onBucketKey = this.grantOnKey(grantee, 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncryptTo', 'kms:Decrypt').grant;
    if (onBucketKey) grant = grant.combine(onBucketKey);
    if (previousKey && previousKey !== this.encryptionKey) {
      const onPrevious = grantScopedKeyUse(this, this.physicalName, previousKey, grantee, ['kms:Decrypt', 'kms:ReEncryptFrom']);
      if (onPrevious) grant = grant.combine(onPrevious);
    }
    return grant;
  }
}

interface ResolvedEncryption {
  /** "EncryptedBucket '<path>'", for messages. */
  readonly owner: string;
  readonly sse: ServerSideEncryption;
  /** What the aws-cdk-lib Bucket is told (so its own checks and grants see the right mode). */
  readonly l2Encryption?: s3.BucketEncryption;
  /** The customer managed key the user gave; undefined when the bucket makes its own. */
  readonly key?: kms.IKey;
  readonly bucketKeyEnabled?: boolean;
  readonly requireEncryptionHeaders: boolean;
  readonly minimumTlsVersion?: number;
  readonly keyArnTag: boolean;
}

/**
 * Validates the props and resolves every encryption choice in one place; the facts of each mode
 * come from MODE_FACTS (encryption-mode.ts). What it decides beyond them: the key (the given one,
 * or a new EncryptionKey made by the constructor), and BucketKeyEnabled (`bucketKey ?? true` where
 * the mode has Bucket Keys, absent elsewhere).
 */
function resolveEncryption(scope: Construct, id: string, props: EncryptedBucketProps): ResolvedEncryption {
  const owner = `EncryptedBucket '${constructPath(scope, id)}'`;
  if (!isPlainObjectOrUndefined(props)) {
    throw new EncryptionValidationError(`${owner}: props must be an object (got ${describeValue(props)}).`);
  }
  props = props ?? {};

  const sse = props.serverSideEncryption ?? ServerSideEncryption.kms();
  if (!ServerSideEncryption.isServerSideEncryption(sse)) {
    throw new EncryptionValidationError(`${owner}: serverSideEncryption must come from a ServerSideEncryption factory ` +
      `such as ServerSideEncryption.kms() (got ${describeValue(sse)}).`);
  }

  rejectManagedProp(owner, 'encryption', props.encryption, 'serverSideEncryption: ServerSideEncryption.kms() (or another ServerSideEncryption factory)');
  rejectManagedProp(owner, 'encryptionKey', props.encryptionKey, 'serverSideEncryption: ServerSideEncryption.kms({ key }) or ServerSideEncryption.dsseKms({ key })');
  rejectManagedProp(owner, 'blockedEncryptionTypes', props.blockedEncryptionTypes,
    'serverSideEncryption: SSE-C is blocked in every mode but ServerSideEncryption.customerProvided(), which allows only SSE-C uploads');
  const renamedTlsProp = (props as { minimumTlsVersion?: unknown }).minimumTlsVersion;
  if (renamedTlsProp !== undefined) {
    // Renamed in 0.2.0 (the two spellings are one name in Python); JavaScript callers would
    // otherwise lose the TLS-version statement without a word.
    throw new EncryptionValidationError(`${owner}: minimumTlsVersion was renamed to minimumTLSVersion ` +
      `(got minimumTlsVersion: ${describeValue(renamedTlsProp)}). Write minimumTLSVersion: 1.2 or 1.3.`);
  }
  if (props.enforceSSL === false) {
    throw new EncryptionValidationError(`${owner}: enforceSSL cannot be false (got false): TLS-only access is always on. ` +
      'Remove the enforceSSL prop.');
  }

  let bucketKeyEnabled: boolean | undefined;
  if (sse.supportsBucketKey) {
    checkOptionalBoolean(owner, 'bucketKeyEnabled', props.bucketKeyEnabled);
    if (props.bucketKeyEnabled !== undefined && sse.bucketKey !== undefined && props.bucketKeyEnabled !== sse.bucketKey) {
      throw new EncryptionValidationError(`${owner}: bucketKeyEnabled (${props.bucketKeyEnabled}) contradicts the bucketKey ` +
        `option of serverSideEncryption (${sse.bucketKey}). Remove bucketKeyEnabled and keep the bucketKey option.`);
    }
    bucketKeyEnabled = sse.bucketKey ?? props.bucketKeyEnabled ?? true;
  } else if (props.bucketKeyEnabled !== undefined) {
    throw new EncryptionValidationError(`${owner}: bucketKeyEnabled is not supported in mode ${sse.mode} ` +
      `(got ${describeValue(props.bucketKeyEnabled)}): S3 Bucket Keys apply only to SSE-KMS ` +
      '(ServerSideEncryption.kms() or kmsManaged()). Remove bucketKeyEnabled.');
  }

  checkOptionalBoolean(owner, 'requireEncryptionHeaders', props.requireEncryptionHeaders);
  const minimumTlsVersion = props.minimumTLSVersion;
  if (minimumTlsVersion !== undefined && !Token.isUnresolved(minimumTlsVersion) &&
      !(typeof minimumTlsVersion === 'number' && TLS_VERSIONS.includes(minimumTlsVersion))) {
    throw new EncryptionValidationError(`${owner}: minimumTLSVersion must be 1.2 or 1.3 (got ${describeValue(minimumTlsVersion)}). ` +
      'Remove it to rely on the TLS 1.2 floor of AWS endpoints, or set 1.3 to require TLS 1.3.');
  }

  checkOptionalBoolean(owner, 'keyArnTag', props.keyArnTag);
  const keyArnTag = props.keyArnTag ?? false;
  if (keyArnTag && !sse.usesCustomerManagedKey) {
    throw new EncryptionValidationError(`${owner}: keyArnTag is only supported with a customer managed key ` +
      `(got keyArnTag: true in mode ${sse.mode}): the tag names the bucket's KMS key. Use ServerSideEncryption.kms() or ` +
      'dsseKms(), or remove keyArnTag.');
  }
  if (keyArnTag && props.abacStatus === false) {
    throw new EncryptionValidationError(`${owner}: keyArnTag turns ABAC on, which abacStatus turns off (got keyArnTag: true, ` +
      'abacStatus: false): the organization policy reads the tag only when ABAC is on. Remove abacStatus.');
  }

  if (sse.key) {
    checkCustomerManagedKey(scope, owner, sse.key);
  }

  // Without a given key, the customer managed key modes tell the Bucket nothing: the bucket makes
  // its own EncryptionKey after it exists.
  const l2Encryption = sse.usesCustomerManagedKey && !sse.key ? undefined : MODE_FACTS[sse.mode].l2Encryption;

  return {
    owner,
    sse,
    l2Encryption,
    key: sse.key,
    bucketKeyEnabled,
    requireEncryptionHeaders: props.requireEncryptionHeaders ?? false,
    minimumTlsVersion,
    keyArnTag,
  };
}

/** A copy of the props without the keys whose value is undefined (the same props to s3.Bucket). */
function definedOnly(props: s3.BucketProps): s3.BucketProps {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(props)) {
    if (value !== undefined) out[key] = value;
  }
  return out as s3.BucketProps;
}

function rejectManagedProp(owner: string, prop: string, value: unknown, fix: string): void {
  if (value !== undefined) {
    throw new EncryptionValidationError(`${owner}: ${prop} is managed by EncryptedBucket and cannot be set ` +
      `(got ${describeValue(value)}). Use ${fix}.`);
  }
}

/**
 * A customer managed key must be named by its full key ARN, be a symmetric encryption key, and
 * live in the bucket's region.
 */
function checkCustomerManagedKey(scope: Construct, owner: string, key: kms.IKey): void {
  if ('aliasName' in key) {
    throw new EncryptionValidationError(`${owner}: the key of serverSideEncryption must be a KMS key, not an alias ` +
      `(got alias ${describeName((key as kms.IAlias).aliasName)}): an alias resolves in the caller's account, and the bucket ` +
      'policy compares the full key ARN. Pass the key itself (for a kms.Alias, its aliasTargetKey).');
  }
  const keyArn = key.keyArn;
  if (!Token.isUnresolved(keyArn)) {
    // A full key ARN, in the stack's partition (a token is checked again at synth, once resolved).
    checkKeyArnText(scope, owner, keyArn);
  }

  checkSymmetricKey(owner, key);

  const bucketRegion = Stack.of(scope).region;
  const keyRegion = key.env?.region;
  if (!Token.isUnresolved(bucketRegion) && keyRegion && !Token.isUnresolved(keyRegion) && keyRegion !== bucketRegion) {
    throw new EncryptionValidationError(`${owner}: the key of serverSideEncryption is in region ${keyRegion}, but the bucket's ` +
      `stack is in ${bucketRegion}. S3 can only use a KMS key in the bucket's own region: use a key (or a multi-Region ` +
      `replica key) in ${bucketRegion}.`);
  }
}

function describeName(value: unknown): string {
  return typeof value === 'string' && !Token.isUnresolved(value) ? JSON.stringify(value) : 'from a token';
}
