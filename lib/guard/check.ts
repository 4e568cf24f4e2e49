import { IConstruct } from 'constructs';
import { AppIndex } from './app-index';
import { BucketFacts, KeyReference } from './facts';

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

/** What a check may read besides the bucket's own facts. */
export interface CheckContext {
  /** The guard's `requireKms`. */
  readonly requireKms: boolean;
  /** The guard's `logDeliveryBuckets`. */
  readonly logDeliveryScopes: readonly IConstruct[];
  /** The app's bucket policies and keys, for a check that needs facts about other constructs. */
  readonly app: AppIndex;
}

/** A check of a bucket: its finding, or undefined when the bucket passes. */
export interface BucketCheck {
  readonly code: EncryptionGuardCheck;
  check(facts: BucketFacts, context: CheckContext): Finding | undefined;
}

/** A check of one key that the bucket's encryption rules name. */
export interface KeyCheck {
  readonly code: EncryptionGuardCheck;
  check(key: KeyReference, facts: BucketFacts, context: CheckContext): Finding | undefined;
}
