import { BucketResourceTest } from '../policy-matchers';
import { isKeyArn, isPlainRecord } from '../private/validate';

/*
 * The one view of a bucket that every check reads, in the terms of its CloudFormation template:
 * the default encryption rules of the bucket resource, the keys they name (with the key's own
 * properties when the key is defined beside it), and the statements of its bucket policies.
 *
 * Two readers build it: facts.ts from the construct tree (EncryptionGuard, an Aspect) and
 * template-view.ts from the synthesized templates (EncryptionValidationPlugin). A check reads
 * nothing but this view and the guard's options, so each rule is written once and judges a
 * bucket the same way whichever reader built the view.
 */

/** What a rule's key name (`KMSMasterKeyID`) refers to. */
export type KeyKind =
  /** No key named. */
  | 'none'
  /** The ARN of a key defined in the app (or in the templates). */
  | 'cfnKey'
  /** A literal key ARN. */
  | 'literalArn'
  /** The AWS managed key, by its alias `aws/s3`. */
  | 'awsManaged'
  /** An alias (other than `aws/s3`). */
  | 'alias'
  /** A bare key id, or a `Ref` to a key (which is its key id). */
  | 'keyId'
  /** Anything else (an import, a parameter, a value from outside). */
  | 'unknown';

/** One default encryption rule. */
export interface RuleView {
  /** `SSEAlgorithm`, resolved. */
  readonly algorithm?: unknown;
  /** `KMSMasterKeyID`, resolved. */
  readonly key?: unknown;
  /** `BlockedEncryptionTypes.EncryptionType`, resolved. */
  readonly blocked?: unknown[];
}

/** The bucket's default encryption; `readable` is false when it is a value the reader cannot look into. */
export interface EncryptionView {
  readonly readable: boolean;
  readonly rules: RuleView[];
}

/** The key that one rule names. */
export interface KeyView {
  readonly kind: KeyKind;
  /** The key, when it is defined in the app (or in the templates). */
  readonly defined?: DefinedKeyView;
}

/** A customer managed key defined beside the bucket. */
export interface DefinedKeyView {
  /** How a report names the key: its construct path, or its logical id and template. */
  readonly name: string;
  /** `EnableKeyRotation`, resolved. */
  readonly enableKeyRotation: unknown;
  /** Whether `EnableKeyRotation` is a token whose value is not known at synth time. */
  readonly rotationUnresolved: boolean;
  /** The statements of its key policy, resolved. */
  policyStatements(): unknown[];
}

/** The statements of every bucket policy that targets the bucket. */
export interface PolicyView {
  /** The statements, resolved. */
  statements(): unknown[];
  /** Whether any statement matches, its `Resource` entries compared with this bucket's ARNs. */
  some(matches: (statement: unknown, isBucketResource: BucketResourceTest) => boolean): boolean;
}

/** Everything the checks read about one bucket, as it is when they run. */
export interface BucketView {
  /** The CloudFormation resource type, such as `AWS::S3::Bucket`. */
  readonly resourceType: string;
  readonly encryption: EncryptionView;
  /** The key that each rule names, in the order of the rules (empty when the rules cannot be read). */
  readonly keys: KeyView[];
  readonly policy: PolicyView;
  /** Whether the bucket is meant for SSE-C. */
  readonly customerProvided: boolean;
  /** Why the bucket receives AWS service logs that must be SSE-S3 (listed, or recognized), or undefined. */
  logDeliveryReason(): string | undefined;
  /** Why `remediate` writes no policy statements for this bucket (only the Aspect remediates). */
  policyNotFixedReason(): string | undefined;
}

/**
 * What a resolved key name refers to, as far as its value tells: a string is classified by its
 * form; `Fn::GetAtt <id>.Arn` and `Ref <id>` name a resource of the template by logical id, which
 * the reader looks up (`logicalId`), and anything else is unknown.
 */
export function classifyKeyName(resolved: unknown): { kind: KeyKind; logicalId?: string } {
  if (resolved === undefined) return { kind: 'none' };
  if (typeof resolved === 'string') {
    if (isKeyArn(resolved)) return { kind: 'literalArn' };
    if (/(^|:)alias\/aws\/s3$/.test(resolved)) return { kind: 'awsManaged' };
    if (/(^|:)alias\//.test(resolved)) return { kind: 'alias' };
    if (/^(mrk-)?[0-9a-f-]{32,36}$/i.test(resolved)) return { kind: 'keyId' };
    return { kind: 'unknown' };
  }
  const getAtt = isPlainRecord(resolved) ? resolved['Fn::GetAtt'] : undefined;
  if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && typeof getAtt[0] === 'string') return { kind: 'cfnKey', logicalId: getAtt[0] };
  const ref = isPlainRecord(resolved) ? resolved.Ref : undefined;
  if (typeof ref === 'string') return { kind: 'keyId', logicalId: ref };
  return { kind: 'unknown' };
}

/** Whether a `Resource` entry is the literal ARN of the bucket named `name` (or, with `objects`, of all its objects). */
export function isLiteralBucketArn(resource: unknown, name: string, objects: boolean): boolean {
  return typeof resource === 'string' &&
    new RegExp(`^arn:[a-z-]+:s3:::${escapeRegExp(name)}${objects ? '/\\*' : ''}$`).test(resource);
}

/** The statements of a resolved policy document (`Statement` may be one statement or a list). */
export function statementsOf(document: unknown): unknown[] {
  const statements = isPlainRecord(document) ? document.Statement : undefined;
  if (statements === undefined) return [];
  return Array.isArray(statements) ? statements : [statements];
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
