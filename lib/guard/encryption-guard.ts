import { Annotations, AspectPriority, Aspects, CfnResource, IAspect } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { IConstruct } from 'constructs';
import { EncryptionMode } from '../encryption-mode';
import { EncryptionValidationError } from '../errors';
import { checkOptionalBoolean, describeValue, isPlainObjectOrUndefined } from '../private/validate';
import { AppIndex } from './app-index';
import { reportBucketOfOtherType } from './bucket-types';
import { runChecks } from './checks';
import { bucketTypeOf } from './checks/bucket-type-encryption';
import { GENERIC_RESOURCE } from './checks/not-inspectable';
import { BucketPolicies, isEncryptedBucket, l2BucketOf, readBucketFacts } from './facts';
import { remediate } from './remediation';
import { reportFindings } from './report';

/**
 * Properties of an `EncryptionGuard`.
 */
export interface EncryptionGuardProps {
  /**
   * Require SSE-KMS or DSSE-KMS with a customer managed key on every bucket.
   *
   * SSE-S3, the AWS managed key `aws/s3` and buckets with no explicit rule fall short. Buckets
   * meant for SSE-C (see `customerProvidedBuckets`) are exempt: every upload they accept is
   * encrypted with the key the client provides. Whether or not this is set, a customer managed
   * key defined in the app must rotate.
   *
   * @default false
   */
  readonly requireKms?: boolean;

  /**
   * Fix what can be fixed instead of only reporting it.
   *
   * A plain aws-cdk-lib `s3.Bucket` gets the protection that an `EncryptedBucket` of its
   * encryption mode has: an explicit default encryption rule (SSE-S3 if it had none), SSE-C
   * blocked, and the TLS-only and encryption-header deny statements in its bucket policy. A
   * customer managed key defined in the app gets rotation turned on. An L1 `CfnBucket` gets the
   * rule fixed in place, but no policy statements: its policy may live in a `CfnBucketPolicy`
   * elsewhere or outside the app, and a second policy would replace it. The encryption mode is
   * never changed. Whatever is left is reported as with `remediate: false`.
   *
   * Add the guard with the priority that matches: `AspectPriority.MUTATING` when this is true,
   * `AspectPriority.READONLY` when it is false (`guard.priority` holds it). Added with another
   * priority (such as the default), it still works, and a warning says how to order it.
   *
   * @default false
   */
  readonly remediate?: boolean;

  /**
   * Buckets meant for SSE-C, or constructs that contain them (for example a third-party
   * construct); every bucket in these scopes is treated as meant for SSE-C.
   *
   * Such a bucket must state explicitly that SSE-C is not blocked, and its bucket policy must
   * deny every upload without SSE-C headers, as an `EncryptedBucket` with
   * `ServerSideEncryption.customerProvided()` does (which is recognized without being listed).
   * Every other bucket must block SSE-C.
   *
   * @default - only `EncryptedBucket`s built with `ServerSideEncryption.customerProvided()`
   */
  readonly customerProvidedBuckets?: IConstruct[];

  /**
   * Buckets that receive AWS service logs which must be encrypted with SSE-S3, or constructs
   * that contain them; `requireKms` does not apply to them.
   *
   * Recognized without being listed: the destination of a server access log configuration in
   * the app (also self-logging), and buckets whose policy admits S3 server access log delivery
   * (`logging.s3.amazonaws.com`) or Elastic Load Balancing access log delivery. List the others
   * here, for example a log target whose source buckets live in another app.
   *
   * @default - only the recognized log buckets
   */
  readonly logDeliveryBuckets?: IConstruct[];
}

/** The id of the warning about a guard added with a priority that does not match its mode. */
const PRIORITY_WARNING = '@cdk-s3-encryption/guard:priority';
/** The id of the warning on an imported bucket, to acknowledge it with `Annotations.of(scope).acknowledgeWarning(id)`. */
const IMPORTED_BUCKET_WARNING = '@cdk-s3-encryption/guard:importedBucket';

/**
 * An Aspect that checks every S3 bucket in its scope (plain `s3.Bucket`s, buckets inside
 * third-party constructs, L1 `CfnBucket`s) for explicit default encryption, SSE-C blocked (or,
 * on an SSE-C bucket, enforced), a TLS-only bucket policy in the shape compliance checkers read,
 * and rotating customer managed keys; with `requireKms`, SSE-KMS or DSSE-KMS with a customer
 * managed key. Directory, table and vector buckets (`CfnDirectoryBucket`, `CfnTableBucket`,
 * `CfnVectorBucket`, and the constructs that hold them) are checked for stated encryption and,
 * with `requireKms`, SSE-KMS with a customer managed key; they are reported, never changed.
 *
 * Each bucket that falls short gets one error annotation that lists every gap and its fix.
 * With `remediate: true`, it first fixes what can be fixed safely. An imported bucket gets a
 * warning: its settings live outside the app and can be neither checked nor fixed here.
 *
 * ```ts
 * const guard = new EncryptionGuard({ requireKms: true });
 * Aspects.of(app).add(guard, { priority: guard.priority });
 * ```
 */
export class EncryptionGuard implements IAspect {
  /**
   * The priority to add this guard with: `AspectPriority.MUTATING` when it remediates,
   * `AspectPriority.READONLY` when it only reports.
   */
  public readonly priority: number;

  /** Whether buckets must use SSE-KMS or DSSE-KMS with a customer managed key. */
  public readonly requireKms: boolean;

  /** Whether the guard fixes what it can. */
  public readonly remediate: boolean;

  private readonly customerProvidedScopes: IConstruct[];
  private readonly logDeliveryScopes: IConstruct[];
  private priorityChecked = false;

  constructor(props: EncryptionGuardProps = {}) {
    if (!isPlainObjectOrUndefined(props)) {
      throw new EncryptionValidationError(`EncryptionGuard: props must be an object (got ${describeValue(props)}).`);
    }
    const p = props ?? {};
    checkOptionalBoolean('EncryptionGuard', 'requireKms', p.requireKms);
    checkOptionalBoolean('EncryptionGuard', 'remediate', p.remediate);
    if (p.customerProvidedBuckets !== undefined &&
        !(Array.isArray(p.customerProvidedBuckets) && p.customerProvidedBuckets.every(isConstruct))) {
      throw new EncryptionValidationError('EncryptionGuard: customerProvidedBuckets must be an array of constructs such as ' +
        `buckets (got ${describeValue(p.customerProvidedBuckets)}).`);
    }
    this.requireKms = p.requireKms ?? false;
    this.remediate = p.remediate ?? false;
    if (p.logDeliveryBuckets !== undefined && !(Array.isArray(p.logDeliveryBuckets) && p.logDeliveryBuckets.every(isConstruct))) {
      throw new EncryptionValidationError('EncryptionGuard: logDeliveryBuckets must be an array of constructs such as ' +
        `buckets (got ${describeValue(p.logDeliveryBuckets)}).`);
    }
    this.customerProvidedScopes = [...(p.customerProvidedBuckets ?? [])];
    this.logDeliveryScopes = [...(p.logDeliveryBuckets ?? [])];
    this.priority = this.remediate ? AspectPriority.MUTATING : AspectPriority.READONLY;
  }

  public visit(node: IConstruct): void {
    this.checkOwnPriority(node);
    if (node instanceof s3.CfnBucketPolicy || node instanceof kms.CfnKey) {
      AppIndex.of(node).register(node);
    } else if (node instanceof s3.CfnBucket) {
      this.visitBucket(node);
    } else if (CfnResource.isCfnResource(node) && bucketTypeOf(node.cfnResourceType)) {
      reportBucketOfOtherType(node, this.requireKms);
    } else if (CfnResource.isCfnResource(node) && node.cfnResourceType === 'AWS::S3::Bucket') {
      reportFindings(node, [GENERIC_RESOURCE], []);
    } else if (node instanceof s3.BucketBase && !(node instanceof s3.Bucket) && !isCdkAssetBucket(node)) {
      Annotations.of(node).addWarningV2(IMPORTED_BUCKET_WARNING, 'EncryptionGuard cannot check or fix this imported bucket: ' +
        'its encryption settings and bucket policy live outside this app. Check them where the bucket is defined ' +
        `(acknowledge with Annotations.of(scope).acknowledgeWarning('${IMPORTED_BUCKET_WARNING}')).`);
    }
  }

  /** Warns, once, about a guard that was added with a priority that does not match its mode. */
  private checkOwnPriority(node: IConstruct): void {
    if (this.priorityChecked) return;
    for (const scope of node.node.scopes) {
      const application = Aspects.of(scope).applied.find((a) => a.aspect === this);
      if (application) {
        this.priorityChecked = true;
        if (application.priority !== this.priority) {
          const want = this.remediate ? 'AspectPriority.MUTATING' : 'AspectPriority.READONLY';
          const why = this.remediate
            ? 'so that read-only checks which run after it see the fixed buckets'
            : 'so that it reports on buckets after every mutating Aspect has run';
          Annotations.of(scope).addWarningV2(PRIORITY_WARNING, `EncryptionGuard with remediate: ${this.remediate} should be added ` +
            `with priority ${want} (${this.priority}), ${why}; it was added with ${application.priority}. ` +
            'Write Aspects.of(scope).add(guard, { priority: guard.priority }).');
        }
        return;
      }
    }
  }

  /** Fixes what it may, then checks the bucket as it is, and reports what falls short. */
  private visitBucket(bucket: s3.CfnBucket): void {
    AppIndex.of(bucket).register(bucket);
    const l2Bucket = l2BucketOf(bucket);
    const customerProvided = this.isMeantForSseC(bucket, l2Bucket);
    const policies = new BucketPolicies(bucket, l2Bucket);
    const notFixed: string[] = [];
    if (this.remediate && !(l2Bucket && isEncryptedBucket(l2Bucket))) {
      notFixed.push(...remediate(bucket, l2Bucket, customerProvided, policies));
    }
    const findings = runChecks(readBucketFacts(bucket, policies, customerProvided), {
      requireKms: this.requireKms,
      logDeliveryScopes: this.logDeliveryScopes,
      app: AppIndex.of(bucket),
    });
    if (findings.length > 0) {
      if (this.remediate) {
        notFixed.push(...findings.flatMap((f) => f.notFixed ? [f.notFixed] : []));
      }
      reportFindings(bucket, findings, this.remediate ? notFixed : []);
    }
  }

  private isMeantForSseC(bucket: s3.CfnBucket, l2Bucket: s3.Bucket | undefined): boolean {
    if (l2Bucket && isEncryptedBucket(l2Bucket) && l2Bucket.serverSideEncryption.mode === EncryptionMode.CUSTOMER_PROVIDED) {
      return true;
    }
    const scopes = bucket.node.scopes;
    return this.customerProvidedScopes.some((scope) => scopes.includes(scope));
  }
}

/**
 * The bucket that CDK's file assets are published to (Lambda code, BucketDeployment sources), as
 * an `s3_assets.Asset` imports it: it belongs to the CDK bootstrap, not to the app, so the user
 * can neither check nor fix it here.
 */
function isCdkAssetBucket(bucket: s3.IBucket): boolean {
  return bucket.node.id === 'AssetBucket' && bucket.node.scope instanceof s3assets.Asset;
}

function isConstruct(value: unknown): value is IConstruct {
  return typeof value === 'object' && value !== null && 'node' in value;
}
