import * as kms from 'aws-cdk-lib/aws-kms';
import { EncryptionMode, MODE_FACTS } from './encryption-mode';
import { EncryptionValidationError } from './errors';
import { checkKeyConstruct, checkOptionalBoolean, describeValue, isPlainObjectOrUndefined } from './private/validate';

/**
 * Options for `ServerSideEncryption.kms()`.
 */
export interface KmsEncryptionOptions {
  /**
   * The customer managed KMS key. It must be a symmetric encryption key in the bucket's region.
   *
   * Pass the key itself, not an alias: the bucket's default encryption and its policy use the
   * key's full ARN. An error is raised for an alias, an asymmetric key, or a key in another
   * region than the bucket's stack.
   *
   * @default - a new `EncryptionKey` (rotating, retained) for this bucket alone
   */
  readonly key?: kms.IKey;

  /**
   * Whether to enable S3 Bucket Keys, which cut KMS request costs by up to 99%.
   *
   * With Bucket Keys the KMS encryption context is the bucket ARN, not the object ARN.
   *
   * @default true
   */
  readonly bucketKey?: boolean;
}

/**
 * Options for `ServerSideEncryption.kmsManaged()`.
 */
export interface KmsManagedEncryptionOptions {
  /**
   * Whether to enable S3 Bucket Keys, which cut KMS request costs by up to 99%.
   *
   * @default true
   */
  readonly bucketKey?: boolean;
}

/**
 * Options for `ServerSideEncryption.dsseKms()`.
 *
 * S3 does not support Bucket Keys with DSSE-KMS, so there is no `bucketKey` option;
 * passing one (from JavaScript) raises an error.
 */
export interface DsseKmsEncryptionOptions {
  /**
   * The customer managed KMS key. It must be a symmetric encryption key in the bucket's region.
   *
   * @default - a new `EncryptionKey` (rotating, retained) for this bucket alone
   */
  readonly key?: kms.IKey;
}

/**
 * How a bucket encrypts objects at rest, and so which uploads its policy accepts.
 *
 * Create one with a static factory: `s3Managed()`, `kms()`, `kmsManaged()`, `dsseKms()` or
 * `customerProvided()`.
 */
export class ServerSideEncryption {
  /**
   * SSE-S3: S3 encrypts every object with keys it manages (`AES256`).
   */
  public static s3Managed(): ServerSideEncryption {
    return new ServerSideEncryption(EncryptionMode.S3_MANAGED, undefined, undefined);
  }

  /**
   * SSE-KMS with a customer managed key (`aws:kms` + the key's full ARN).
   */
  public static kms(options: KmsEncryptionOptions = {}): ServerSideEncryption {
    const opts = checkOptions('ServerSideEncryption.kms', options, ['key', 'bucketKey']);
    checkOptionalBoolean('ServerSideEncryption.kms', 'bucketKey', opts.bucketKey);
    return new ServerSideEncryption(EncryptionMode.KMS, checkKeyConstruct('ServerSideEncryption.kms', opts.key), opts.bucketKey);
  }

  /**
   * SSE-KMS with the AWS managed key `aws/s3` (`aws:kms`, no key id).
   *
   * The key policy of `aws/s3` cannot be edited, so other accounts can never read these objects.
   */
  public static kmsManaged(options: KmsManagedEncryptionOptions = {}): ServerSideEncryption {
    const opts = checkOptions('ServerSideEncryption.kmsManaged', options, ['bucketKey']);
    checkOptionalBoolean('ServerSideEncryption.kmsManaged', 'bucketKey', opts.bucketKey);
    return new ServerSideEncryption(EncryptionMode.KMS_MANAGED, undefined, opts.bucketKey);
  }

  /**
   * DSSE-KMS: two layers of encryption with a customer managed key (`aws:kms:dsse` + the key's ARN).
   */
  public static dsseKms(options: DsseKmsEncryptionOptions = {}): ServerSideEncryption {
    const opts = checkOptions('ServerSideEncryption.dsseKms', options, ['key']);
    return new ServerSideEncryption(EncryptionMode.DSSE_KMS, checkKeyConstruct('ServerSideEncryption.dsseKms', opts.key), undefined);
  }

  /**
   * SSE-C: every upload must carry the SSE-C headers with a key that the client provides.
   *
   * S3 never stores the key: whoever loses it loses the data.
   */
  public static customerProvided(): ServerSideEncryption {
    return new ServerSideEncryption(EncryptionMode.CUSTOMER_PROVIDED, undefined, undefined);
  }

  /**
   * Checks whether `x` is a `ServerSideEncryption` (also across copies of this library).
   */
  public static isServerSideEncryption(x: unknown): x is ServerSideEncryption {
    return typeof x === 'object' && x !== null && SSE_SYMBOL in x;
  }

  /** The encryption mode. */
  public readonly mode: EncryptionMode;

  /**
   * The customer managed key given to `kms()` or `dsseKms()`.
   *
   * @default - none: S3_MANAGED, KMS_MANAGED and CUSTOMER_PROVIDED use no customer managed key;
   *   KMS and DSSE_KMS without a key get a new `EncryptionKey`
   */
  public readonly key?: kms.IKey;

  /**
   * The `bucketKey` option as given.
   *
   * @default - not given: true for KMS and KMS_MANAGED; Bucket Keys are not used in other modes
   */
  public readonly bucketKey?: boolean;

  private constructor(mode: EncryptionMode, key: kms.IKey | undefined, bucketKey: boolean | undefined) {
    this.mode = mode;
    this.key = key;
    this.bucketKey = bucketKey;
    Object.defineProperty(this, SSE_SYMBOL, { value: true });
  }

  /** Whether this mode encrypts with a customer managed KMS key. */
  public get usesCustomerManagedKey(): boolean {
    return MODE_FACTS[this.mode].key === 'customerManaged';
  }

  /** Whether S3 Bucket Keys can be used with this mode. */
  public get supportsBucketKey(): boolean {
    return MODE_FACTS[this.mode].bucketKeys;
  }
}

const SSE_SYMBOL = Symbol.for('cdk-s3-encryption.ServerSideEncryption');

function checkOptions<T>(factory: string, options: T, allowed: string[]): T {
  if (!isPlainObjectOrUndefined(options)) {
    throw new EncryptionValidationError(`${factory}: options must be an object (got ${describeValue(options)}).`);
  }
  const opts = (options ?? {}) as Record<string, unknown>;
  if (typeof opts.keyArn === 'string') {
    throw new EncryptionValidationError(`${factory}: options must be an object such as { key } (got a key construct). ` +
      `Write ${factory}({ key: myKey }).`);
  }
  for (const name of Object.keys(opts)) {
    if (allowed.includes(name) || opts[name] === undefined) continue;
    if (name === 'bucketKey') {
      throw new EncryptionValidationError(`${factory}: bucketKey is not supported (got ${describeValue(opts[name])}): ` +
        'S3 does not support Bucket Keys with DSSE-KMS. Remove the bucketKey option.');
    }
    throw new EncryptionValidationError(`${factory}: unknown option '${name}'. Valid options: ${allowed.join(', ') || 'none'}.`);
  }
  return opts as T;
}
