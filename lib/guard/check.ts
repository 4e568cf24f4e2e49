import { BucketView, KeyView } from './bucket-view';

/**
 * The checks of an `EncryptionGuard`. Each finding in its error message starts with one of
 * these codes in brackets.
 */
export enum EncryptionGuardCheck {
  /** The bucket has no default encryption rule with an `SSEAlgorithm`. */
  NO_EXPLICIT_ENCRYPTION_RULE = 'NoExplicitEncryptionRule',
  /** No bucket policy statement denies plain-HTTP access in the shape that compliance checkers read. */
  TLS_NOT_REQUIRED = 'TlsNotRequired',
  /** SSE-C is not blocked on a bucket that is not meant for SSE-C. */
  SSE_C_NOT_BLOCKED = 'SseCNotBlocked',
  /** A bucket meant for SSE-C blocks SSE-C, or does not deny uploads without SSE-C headers. */
  SSE_C_NOT_ENFORCED = 'SseCNotEnforced',
  /** `requireKms`: the bucket does not use SSE-KMS or DSSE-KMS with a customer managed key. */
  KMS_REQUIRED = 'KmsRequired',
  /** The bucket's customer managed key, defined in the app, does not rotate. */
  KEY_NOT_ROTATING = 'KeyNotRotating',
  /** The default encryption rule names the key by key id or alias instead of its full key ARN. */
  KEY_NOT_NAMED_BY_ARN = 'KeyNotNamedByArn',
  /**
   * The bucket policy denies uploads that name the algorithm or the key of the bucket's own default
   * encryption rule (for example after an escape hatch changed one of them).
   */
  POLICY_DISAGREES_WITH_RULE = 'PolicyDisagreesWithRule',
  /** The bucket's encryption settings cannot be read at synth time. */
  NOT_INSPECTABLE = 'NotInspectable',
}

/** One gap of one bucket. */
export interface Finding {
  readonly check: EncryptionGuardCheck;
  readonly problem: string;
  readonly fix: string;
  /** In remediate mode, why this gap was left. */
  readonly notFixed?: string;
}

/** What a check may read besides the bucket: the options of the guard (or of the plugin). */
export interface CheckOptions {
  /** `requireKms`. */
  readonly requireKms: boolean;
}

/** A check of a bucket: its finding, or undefined when the bucket passes. */
export interface BucketCheck {
  readonly code: EncryptionGuardCheck;
  check(bucket: BucketView, options: CheckOptions): Finding | undefined;
}

/** A check of one key that the bucket's encryption rules name. */
export interface KeyCheck {
  readonly code: EncryptionGuardCheck;
  check(key: KeyView, bucket: BucketView, options: CheckOptions): Finding | undefined;
}
