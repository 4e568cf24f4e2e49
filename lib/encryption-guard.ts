import { Annotations, AspectPriority, Aspects, CfnResource, IAspect, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ArtifactMetadataEntryType } from 'aws-cdk-lib/cloud-assembly-schema';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { EncryptionValidationError } from './errors';
import { AppIndex } from './guard/app-index';
import { denyInsecureTransport, encryptionPolicyStatements, EncryptionPolicySid, SSE_C_ALGORITHM_HEADER } from './policy-statements';
import { describeValue, isPlainObjectOrUndefined } from './private/validate';
import { EncryptionMode, ServerSideEncryption } from './server-side-encryption';

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
}

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

/** The id of the warning on an imported bucket, to acknowledge it with `Annotations.of(scope).acknowledgeWarning(id)`. */
/** The id of the warning about a guard added with a priority that does not match its mode. */
const PRIORITY_WARNING = '@cdk-s3-encryption/guard:priority';
const IMPORTED_BUCKET_WARNING = '@cdk-s3-encryption/guard:importedBucket';

/**
 * An Aspect that checks every S3 bucket in its scope (plain `s3.Bucket`s, buckets inside
 * third-party constructs, L1 `CfnBucket`s) for explicit default encryption, SSE-C blocked (or,
 * on an SSE-C bucket, enforced), a TLS-only bucket policy in the shape compliance checkers read,
 * and rotating customer managed keys; with `requireKms`, SSE-KMS or DSSE-KMS with a customer
 * managed key.
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
  private priorityChecked = false;

  constructor(props: EncryptionGuardProps = {}) {
    if (!isPlainObjectOrUndefined(props)) {
      throw new EncryptionValidationError(`EncryptionGuard: props must be an object (got ${describeValue(props)}).`);
    }
    const p = props ?? {};
    for (const name of ['requireKms', 'remediate'] as const) {
      if (p[name] !== undefined && typeof p[name] !== 'boolean') {
        throw new EncryptionValidationError(`EncryptionGuard: ${name} must be true or false (got ${describeValue(p[name])}).`);
      }
    }
    if (p.customerProvidedBuckets !== undefined &&
        !(Array.isArray(p.customerProvidedBuckets) && p.customerProvidedBuckets.every(isConstruct))) {
      throw new EncryptionValidationError('EncryptionGuard: customerProvidedBuckets must be an array of constructs such as ' +
        `buckets (got ${describeValue(p.customerProvidedBuckets)}).`);
    }
    this.requireKms = p.requireKms ?? false;
    this.remediate = p.remediate ?? false;
    this.customerProvidedScopes = [...(p.customerProvidedBuckets ?? [])];
    this.priority = this.remediate ? AspectPriority.MUTATING : AspectPriority.READONLY;
  }

  public visit(node: IConstruct): void {
    this.checkOwnPriority(node);
    if (node instanceof s3.CfnBucketPolicy || node instanceof kms.CfnKey) {
      AppIndex.of(node).register(node);
    } else if (node instanceof s3.CfnBucket) {
      this.visitBucket(node);
    } else if (CfnResource.isCfnResource(node) && node.cfnResourceType === 'AWS::S3::Bucket') {
      addError(node, formatFindings([{
        check: EncryptionGuardCheck.NOT_INSPECTABLE,
        problem: 'the bucket is a generic CfnResource, whose properties EncryptionGuard cannot read.',
        fix: 'declare it as an s3.CfnBucket (or an s3.Bucket or EncryptedBucket).',
      }], []));
    } else if (node instanceof s3.BucketBase && !(node instanceof s3.Bucket)) {
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

  private visitBucket(bucket: s3.CfnBucket): void {
    const owner = ownerBucket(bucket);
    const customerProvided = this.isMeantForSseC(bucket, owner);
    const policies = new BucketPolicies(bucket, owner);
    const notFixed: string[] = [];
    if (this.remediate && !(owner && isEncryptedBucket(owner))) {
      notFixed.push(...this.fix(bucket, owner, customerProvided, policies));
    }
    const findings = this.check(bucket, customerProvided, policies);
    if (findings.length > 0) {
      if (this.remediate) {
        notFixed.push(...findings.flatMap((f) => f.notFixed ? [f.notFixed] : []));
      }
      addError(bucket, formatFindings(findings, this.remediate ? unique(notFixed) : []));
    }
  }

  private isMeantForSseC(bucket: s3.CfnBucket, owner: s3.Bucket | undefined): boolean {
    if (owner && isEncryptedBucket(owner) && owner.serverSideEncryption.mode === EncryptionMode.CUSTOMER_PROVIDED) {
      return true;
    }
    const scopes = bucket.node.scopes;
    return this.customerProvidedScopes.some((scope) => scopes.includes(scope));
  }

  /** Every gap of the bucket as it is now. */
  private check(bucket: s3.CfnBucket, customerProvided: boolean, bucketPolicies: BucketPolicies): Finding[] {
    const findings: Finding[] = [];
    const encryption = readEncryption(bucket);
    if (!encryption.readable) {
      return [{
        check: EncryptionGuardCheck.NOT_INSPECTABLE,
        problem: 'BucketEncryption is an unresolved token, which EncryptionGuard cannot read.',
        fix: 'set bucketEncryption as a plain object.',
        notFixed: 'EncryptionGuard does not rewrite a BucketEncryption it cannot read',
      }];
    }
    const rules = encryption.rules;
    const algorithms = rules.map((r) => r.algorithm).filter((a): a is string => typeof a === 'string');

    if (algorithms.length === 0) {
      findings.push({
        check: EncryptionGuardCheck.NO_EXPLICIT_ENCRYPTION_RULE,
        problem: 'no default encryption rule with an SSEAlgorithm: the bucket relies on the implicit S3 default.',
        fix: 'use an EncryptedBucket, set encryption on the s3.Bucket, or set ' +
          'BucketEncryption.ServerSideEncryptionConfiguration[].ServerSideEncryptionByDefault.SSEAlgorithm on the CfnBucket.',
      });
    }

    const policies = bucketPolicies.policies();
    const statements = bucketPolicies.statements();

    if (!statements.some(({ policy, statement }) => isTlsOnlyDeny(statement, bucketPolicies.resourceTest(policy)))) {
      findings.push({
        check: EncryptionGuardCheck.TLS_NOT_REQUIRED,
        problem: 'no bucket policy statement denies plain-HTTP access in the shape compliance checkers read ' +
          '(Effect Deny, Principal *, Action s3:*, Resource [bucket ARN, bucket ARN/*], ' +
          'Condition {"Bool": {"aws:SecureTransport": "false"}}).',
        fix: 'use an EncryptedBucket, set enforceSSL: true on the s3.Bucket, or add that statement to the bucket policy.',
        notFixed: policyNotFixedReason(bucket, policies),
      });
    }

    if (customerProvided) {
      const blocksSseC = rules.some((r) => r.blocked?.includes('SSE-C'));
      const statesNone = rules.length > 0 && rules.every((r) => r.blocked?.includes('NONE'));
      const requiresSseC = statements.some(({ policy, statement }) => isSseCRequiredDeny(statement, bucketPolicies.resourceTest(policy)));
      const problems: string[] = [];
      if (blocksSseC) problems.push('its encryption rule blocks SSE-C');
      else if (!statesNone) problems.push('its encryption rule does not state BlockedEncryptionTypes ["NONE"] explicitly');
      if (!requiresSseC) problems.push('no bucket policy statement denies uploads without SSE-C headers');
      if (problems.length > 0) {
        findings.push({
          check: EncryptionGuardCheck.SSE_C_NOT_ENFORCED,
          problem: `the bucket is meant for SSE-C, but ${problems.join(', and ')}.`,
          fix: 'use an EncryptedBucket with ServerSideEncryption.customerProvided(), or set BlockedEncryptionTypes ' +
            '{"EncryptionType": ["NONE"]} and deny s3:PutObject on the objects when ' +
            `{"Null": {"${SSE_C_ALGORITHM_HEADER}": "true"}}.`,
          notFixed: requiresSseC ? undefined : policyNotFixedReason(bucket, policies),
        });
      }
    } else if (!(rules.length > 0 && rules.every((r) => r.blocked?.includes('SSE-C')))) {
      findings.push({
        check: EncryptionGuardCheck.SSE_C_NOT_BLOCKED,
        problem: 'SSE-C uploads are not blocked (no BlockedEncryptionTypes ["SSE-C"] on the encryption rule).',
        fix: 'use an EncryptedBucket, set blockedEncryptionTypes: [s3.BlockedEncryptionType.SSE_C] on the s3.Bucket, or ' +
          'list the bucket in customerProvidedBuckets if it is meant for SSE-C.',
      });
    }

    const keys = rules.map((r) => analyzeKey(bucket, r.rawKey, r.resolvedKey));
    if (this.requireKms && !customerProvided) {
      const kmsWithCustomerKey = rules.length > 0 && rules.every((r, i) =>
        (r.algorithm === 'aws:kms' || r.algorithm === 'aws:kms:dsse') && keys[i].kind !== 'none' && keys[i].kind !== 'awsManaged');
      if (!kmsWithCustomerKey) {
        findings.push({
          check: EncryptionGuardCheck.KMS_REQUIRED,
          problem: `default encryption is ${describeEncryption(rules, keys)}, but this guard requires SSE-KMS or DSSE-KMS with a ` +
            'customer managed key.',
          fix: 'use an EncryptedBucket with ServerSideEncryption.kms() or ServerSideEncryption.dsseKms(), or set ' +
            'encryption: s3.BucketEncryption.KMS and an encryptionKey on the s3.Bucket.',
          notFixed: 'EncryptionGuard never changes the encryption mode: that needs a key and changes who can read new objects',
        });
      }
    }
    for (const key of keys) {
      if (key.kind === 'keyId' || key.kind === 'alias') {
        findings.push({
          check: EncryptionGuardCheck.KEY_NOT_NAMED_BY_ARN,
          problem: `KMSMasterKeyID names the key by ${key.kind === 'keyId' ? 'key id' : 'alias'}, not by its full key ARN.`,
          fix: 'name the key by its ARN (key.keyArn, or Fn::GetAtt <key>.Arn).',
          notFixed: 'EncryptionGuard does not rename keys',
        });
      }
      if (key.cfnKey && Stack.of(key.cfnKey).resolve(key.cfnKey.enableKeyRotation) !== true) {
        findings.push({
          check: EncryptionGuardCheck.KEY_NOT_ROTATING,
          problem: `its customer managed key ${key.cfnKey.node.path} does not rotate.`,
          fix: 'use an EncryptionKey (always rotates), or set enableKeyRotation: true on the key.',
          notFixed: Token.isUnresolved(key.cfnKey.enableKeyRotation)
            ? 'the key\'s EnableKeyRotation is an unresolved token' : undefined,
        });
      }
    }
    return findings;
  }

  /**
   * Fixes what can be fixed safely. Returns why the rest was left alone (for the report).
   */
  private fix(bucket: s3.CfnBucket, owner: s3.Bucket | undefined, customerProvided: boolean, bucketPolicies: BucketPolicies): string[] {
    const notFixed: string[] = [];
    const blocked = customerProvided ? 'NONE' : 'SSE-C';

    // The rule: explicit (SSE-S3 if there was none), with SSE-C blocked or explicitly allowed.
    const raw: unknown = bucket.bucketEncryption;
    const rawRules = isPlainRecord(raw) ? raw.serverSideEncryptionConfiguration : undefined;
    let algorithm: string | undefined;
    let rawKey: unknown;
    if (raw === undefined) {
      algorithm = 'AES256';
      bucket.bucketEncryption = {
        serverSideEncryptionConfiguration: [{
          serverSideEncryptionByDefault: { sseAlgorithm: algorithm },
          blockedEncryptionTypes: { encryptionType: [blocked] },
        }],
      };
    } else if (isPlainRecord(raw) && Array.isArray(rawRules) && rawRules.length === 1 && isPlainRecord(rawRules[0]) &&
        isPlainRecordOrUndefined(rawRules[0].serverSideEncryptionByDefault) &&
        !Token.isUnresolved(rawRules[0].serverSideEncryptionByDefault?.sseAlgorithm)) {
      const rule = rawRules[0];
      const byDefault = (rule.serverSideEncryptionByDefault ?? {}) as Record<string, unknown>;
      algorithm = (byDefault.sseAlgorithm as string | undefined) ?? 'AES256';
      rawKey = byDefault.kmsMasterKeyId;
      bucket.bucketEncryption = {
        ...raw,
        serverSideEncryptionConfiguration: [{
          ...rule,
          serverSideEncryptionByDefault: { ...byDefault, sseAlgorithm: algorithm },
          blockedEncryptionTypes: { encryptionType: [blocked] },
        }],
      };
    } else {
      notFixed.push('its BucketEncryption is not one plain rule (a token, or several rules), which EncryptionGuard does not rewrite');
    }

    // Rotation for a customer managed key defined in the app.
    const key = algorithm === undefined ? undefined : analyzeKey(bucket, rawKey, Stack.of(bucket).resolve(rawKey));
    if (key?.cfnKey && !Token.isUnresolved(key.cfnKey.enableKeyRotation) && key.cfnKey.enableKeyRotation !== true) {
      key.cfnKey.enableKeyRotation = true;
    }

    // The bucket policy: only for an L2 bucket, whose policy is an L2 BucketPolicy (or none yet).
    if (!owner) {
      return notFixed;
    }
    const policies = bucketPolicies.policies();
    let add: ((statement: iam.PolicyStatement) => boolean) | undefined;
    if (policies.length === 0) {
      add = (statement) => {
        const added = owner.addToResourcePolicy(statement).statementAdded;
        bucketPolicies.changed();
        return added;
      };
    } else if (policies.length === 1 && policies[0].node.scope instanceof s3.BucketPolicy) {
      const document = policies[0].node.scope.document;
      add = (statement) => {
        document.addStatements(statement);
        bucketPolicies.changed();
        return true;
      };
    }
    if (!add) {
      return notFixed; // the policy findings say why
    }
    const existing = bucketPolicies.statements();
    const sids = new Set(existing.map(({ statement }) => statement?.Sid).filter((sid) => typeof sid === 'string'));
    const hasTlsDeny = existing.some(({ policy, statement }) => isTlsOnlyDeny(statement, bucketPolicies.resourceTest(policy)));
    for (const statement of policyStatementsFor(owner.bucketArn, customerProvided, algorithm, rawKey, key)) {
      const sid = statement.sid;
      if (sid === EncryptionPolicySid.DENY_INSECURE_TRANSPORT && hasTlsDeny) continue;
      if (sid !== undefined && sids.has(sid)) continue;
      if (!add(statement)) {
        notFixed.push('its bucket policy cannot be created');
        break;
      }
    }
    return notFixed;
  }
}

/** One gap of one bucket. */
interface Finding {
  readonly check: EncryptionGuardCheck;
  readonly problem: string;
  readonly fix: string;
  /** In remediate mode, why this gap was left. */
  readonly notFixed?: string;
}

/**
 * Adds an error to the construct as `Annotations.of(construct).addError()` does, but without a
 * stack trace: the trace of an error added by an Aspect shows only the guard and the CDK's
 * Aspect machinery, never the app's code, and capturing it (with source maps) costs more than
 * judging the bucket. The message and the construct path are the same.
 */
function addError(construct: IConstruct, message: string): void {
  if (construct.node.metadata.some((entry) => entry.data === message)) return;
  construct.node.addMetadata(ArtifactMetadataEntryType.ERROR, message);
}

function formatFindings(findings: Finding[], notFixed: string[]): string {
  const lines = [`EncryptionGuard: this bucket falls short in ${findings.length} ${findings.length === 1 ? 'way' : 'ways'}:`,
    ...findings.map((f) => `- [${f.check}] ${capitalize(f.problem)} Fix: ${f.fix}`)];
  if (notFixed.length > 0) {
    lines.push(`Not fixed by remediate: ${notFixed.join('; ')}.`);
  }
  return lines.join('\n');
}

/**
 * The statements that an `EncryptedBucket` of this mode has. With the AWS managed DSSE key (a
 * mode `EncryptedBucket` does not offer) or a key not named by ARN, only the TLS-only deny.
 */
function policyStatementsFor(bucketArn: string, customerProvided: boolean, algorithm: string | undefined,
  rawKey: unknown, key: KeyReference | undefined): iam.PolicyStatement[] {
  const keyArn = typeof rawKey === 'string' && key && (key.kind === 'cfnKey' || key.kind === 'literalArn' || key.kind === 'unknown')
    ? rawKey : undefined;
  let mode: EncryptionMode | undefined;
  if (customerProvided) mode = EncryptionMode.CUSTOMER_PROVIDED;
  else if (algorithm === 'AES256') mode = EncryptionMode.S3_MANAGED;
  else if (algorithm === 'aws:kms') mode = key?.kind === 'none' ? EncryptionMode.KMS_MANAGED : keyArn ? EncryptionMode.KMS : undefined;
  else if (algorithm === 'aws:kms:dsse') mode = keyArn ? EncryptionMode.DSSE_KMS : undefined;
  if (mode === undefined) {
    return [denyInsecureTransport(bucketArn)];
  }
  return encryptionPolicyStatements({ bucketArn, mode, keyArn, requireEncryptionHeaders: false });
}

function policyNotFixedReason(bucket: s3.CfnBucket, policies: s3.CfnBucketPolicy[]): string {
  if (!ownerBucket(bucket)) {
    return 'EncryptionGuard writes no policy statements for an L1 CfnBucket (its policy may live elsewhere, and a second ' +
      'policy would replace it)';
  }
  if (policies.length > 1) {
    return `${policies.length} bucket policies target the bucket (${policies.map((p) => p.node.path).join(', ')}); only one takes effect`;
  }
  if (policies.length === 1 && !(policies[0].node.scope instanceof s3.BucketPolicy)) {
    return `its bucket policy is the L1 CfnBucketPolicy ${policies[0].node.path}, whose document EncryptionGuard does not edit`;
  }
  return 'its bucket policy cannot be changed';
}

interface RuleFacts {
  readonly algorithm?: unknown;
  readonly rawKey?: unknown;
  readonly resolvedKey?: unknown;
  readonly blocked?: unknown[];
}

function readEncryption(bucket: s3.CfnBucket): { readable: boolean; rules: RuleFacts[] } {
  const raw: unknown = bucket.bucketEncryption;
  if (raw === undefined) return { readable: true, rules: [] };
  const resolved = Stack.of(bucket).resolve(raw);
  const resolvedRules = isPlainRecord(resolved) ? resolved.serverSideEncryptionConfiguration : undefined;
  if (!Array.isArray(resolvedRules)) return { readable: false, rules: [] };
  const rawRules = isPlainRecord(raw) && Array.isArray(raw.serverSideEncryptionConfiguration) ? raw.serverSideEncryptionConfiguration : [];
  return {
    readable: true,
    rules: resolvedRules.map((rule: any, i: number) => {
      const rawRule = rawRules[i];
      const rawDefault = isPlainRecord(rawRule) && isPlainRecord(rawRule.serverSideEncryptionByDefault)
        ? rawRule.serverSideEncryptionByDefault : undefined;
      const blocked = rule?.blockedEncryptionTypes?.encryptionType;
      return {
        algorithm: rule?.serverSideEncryptionByDefault?.sseAlgorithm,
        resolvedKey: rule?.serverSideEncryptionByDefault?.kmsMasterKeyId,
        rawKey: rawDefault ? rawDefault.kmsMasterKeyId : rule?.serverSideEncryptionByDefault?.kmsMasterKeyId,
        blocked: Array.isArray(blocked) ? blocked : undefined,
      };
    }),
  };
}

function describeEncryption(rules: RuleFacts[], keys: KeyReference[]): string {
  if (rules.length === 0 || rules.every((r) => r.algorithm === undefined)) return 'not stated (S3 applies SSE-S3)';
  return rules.map((r, i) => {
    if (r.algorithm === 'AES256') return 'SSE-S3 (AES256)';
    if ((r.algorithm === 'aws:kms' || r.algorithm === 'aws:kms:dsse') && (keys[i].kind === 'none' || keys[i].kind === 'awsManaged')) {
      return `${r.algorithm} with the AWS managed key aws/s3`;
    }
    return String(r.algorithm);
  }).join(', ');
}

/** What a rule's KMSMasterKeyID refers to. */
interface KeyReference {
  readonly kind: 'none' | 'cfnKey' | 'literalArn' | 'awsManaged' | 'alias' | 'keyId' | 'unknown';
  /** The key, when it is defined in the app. */
  readonly cfnKey?: kms.CfnKey;
}

function analyzeKey(bucket: s3.CfnBucket, raw: unknown, resolved: unknown): KeyReference {
  if (raw === undefined && resolved === undefined) return { kind: 'none' };
  if (Token.isUnresolved(raw)) {
    const reference = Tokenization.reverse(raw, { failConcat: false });
    if (reference instanceof Reference && CfnResource.isCfnResource(reference.target)) {
      const target = reference.target;
      if (target instanceof kms.CfnKey) {
        return { kind: reference.displayName === 'Arn' ? 'cfnKey' : 'keyId', cfnKey: target };
      }
      if (target.cfnResourceType === 'AWS::KMS::Alias') return { kind: 'alias' };
    }
  }
  if (typeof resolved === 'string') {
    if (/^arn:[^:]+:kms:[^:]*:[^:]*:key\/.+$/.test(resolved)) return { kind: 'literalArn' };
    if (/(^|:)alias\/aws\/s3$/.test(resolved)) return { kind: 'awsManaged' };
    if (/(^|:)alias\//.test(resolved)) return { kind: 'alias' };
    if (/^(mrk-)?[0-9a-f-]{32,36}$/i.test(resolved)) return { kind: 'keyId' };
    return { kind: 'unknown' };
  }
  // An intrinsic written by hand: look the key up by logical id in the bucket's stack.
  const stack = Stack.of(bucket);
  const getAtt = isPlainRecord(resolved) ? resolved['Fn::GetAtt'] : undefined;
  const ref = isPlainRecord(resolved) ? resolved.Ref : undefined;
  const logicalId = Array.isArray(getAtt) && getAtt[1] === 'Arn' ? getAtt[0] : ref;
  if (typeof logicalId === 'string') {
    const cfnKey = AppIndex.of(bucket).keyByLogicalId(stack, logicalId);
    if (cfnKey) return { kind: ref === undefined ? 'cfnKey' : 'keyId', cfnKey };
  }
  return { kind: 'unknown' };
}

/** The s3.Bucket whose default child this CfnBucket is. */
function ownerBucket(bucket: s3.CfnBucket): s3.Bucket | undefined {
  const scope = bucket.node.scope;
  return scope instanceof s3.Bucket && scope.node.defaultChild === bucket ? scope : undefined;
}

function isEncryptedBucket(bucket: s3.Bucket): bucket is s3.Bucket & { serverSideEncryption: ServerSideEncryption } {
  return ServerSideEncryption.isServerSideEncryption((bucket as { serverSideEncryption?: unknown }).serverSideEncryption);
}

/** Tells whether a resolved Resource entry is the bucket's ARN (or, with `objects`, the ARN of all its objects). */
type BucketResourceTest = (resource: unknown, objects: boolean) => boolean;

/**
 * The bucket policies of one bucket while the guard judges it: found once in the app's index,
 * their statements resolved once, until remediation changes them (`changed()`).
 */
class BucketPolicies {
  private found?: s3.CfnBucketPolicy[];
  private resolved?: Array<{ policy: s3.CfnBucketPolicy; statement: any }>;
  private readonly tests = new Map<Stack, BucketResourceTest>();

  constructor(private readonly bucket: s3.CfnBucket, private readonly owner: s3.Bucket | undefined) {}

  /** Every CfnBucketPolicy in the app whose Bucket is this bucket. */
  public policies(): s3.CfnBucketPolicy[] {
    this.found ??= AppIndex.of(this.bucket).policiesOf(this.bucket, this.owner);
    return this.found;
  }

  /** Their statements, resolved. */
  public statements(): Array<{ policy: s3.CfnBucketPolicy; statement: any }> {
    this.resolved ??= this.policies().flatMap((policy) => resolvedStatements(policy).map((statement) => ({ policy, statement })));
    return this.resolved;
  }

  /** After a statement was added, or a policy created. */
  public changed(): void {
    const created = this.owner?.policy?.node.defaultChild;
    if (created instanceof s3.CfnBucketPolicy) AppIndex.of(this.bucket).addPolicy(created);
    this.found = undefined;
    this.resolved = undefined;
  }

  /** Whether a resolved Resource entry of a statement in `policy` names the bucket or its objects. */
  public resourceTest(policy: s3.CfnBucketPolicy): BucketResourceTest {
    const stack = Stack.of(policy);
    let test = this.tests.get(stack);
    if (!test) {
      test = bucketResourceTest(this.bucket, stack);
      this.tests.set(stack, test);
    }
    return test;
  }
}

/** The bucket's ARNs as written in a policy of `stack`, resolved once. */
function bucketResourceTest(bucket: s3.CfnBucket, stack: Stack): BucketResourceTest {
  let expected: { bucket: string; objects: string } | undefined;
  const name = bucket.bucketName;
  const literalName = typeof name === 'string' && !Token.isUnresolved(name) ? name : undefined;
  return (resource, objects) => {
    expected ??= {
      bucket: JSON.stringify(stack.resolve(bucket.attrArn)),
      objects: JSON.stringify(stack.resolve(`${bucket.attrArn}/*`)),
    };
    if (JSON.stringify(resource) === (objects ? expected.objects : expected.bucket)) return true;
    if (typeof resource === 'string' && literalName !== undefined) {
      return new RegExp(`^arn:[a-z-]+:s3:::${escapeRegExp(literalName)}${objects ? '/\\*' : ''}$`).test(resource);
    }
    return false;
  };
}

/** The statements of a bucket policy, resolved, without freezing or merging an L2 document. */
function resolvedStatements(policy: s3.CfnBucketPolicy): any[] {
  const document = policy.policyDocument;
  const json = document instanceof iam.PolicyDocument ? document.toJSON() : document;
  const resolved = Stack.of(policy).resolve(json);
  const statements = isPlainRecord(resolved) ? resolved.Statement : undefined;
  if (statements === undefined) return [];
  return Array.isArray(statements) ? statements : [statements];
}

function isTlsOnlyDeny(statement: any, isBucketResource: BucketResourceTest): boolean {
  if (!isPlainRecord(statement) || statement.Effect !== 'Deny' || !isEveryone(statement.Principal) ||
      statement.NotPrincipal !== undefined || statement.NotAction !== undefined || statement.NotResource !== undefined) {
    return false;
  }
  const actions = asArray(statement.Action);
  const resources = asArray(statement.Resource);
  return actions.length > 0 && actions.every((a) => a === 's3:*' || a === '*') &&
    resources.some((r) => isBucketResource(r, false)) && resources.some((r) => isBucketResource(r, true)) &&
    JSON.stringify(statement.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } });
}

function isSseCRequiredDeny(statement: any, isBucketResource: BucketResourceTest): boolean {
  if (!isPlainRecord(statement) || statement.Effect !== 'Deny' || !isEveryone(statement.Principal) ||
      statement.NotPrincipal !== undefined || statement.NotAction !== undefined || statement.NotResource !== undefined) {
    return false;
  }
  const condition = statement.Condition;
  const nullValue = isPlainRecord(condition) && Object.keys(condition).length === 1 && isPlainRecord(condition.Null) &&
    Object.keys(condition.Null).length === 1 ? condition.Null[SSE_C_ALGORITHM_HEADER] : undefined;
  return (nullValue === 'true' || nullValue === true) &&
    asArray(statement.Action).some((a) => a === 's3:PutObject' || a === 's3:*' || a === '*') &&
    asArray(statement.Resource).some((r) => isBucketResource(r, true));
}

function isEveryone(principal: unknown): boolean {
  return principal === '*' || (isPlainRecord(principal) && Object.keys(principal).length === 1 && asArray(principal.AWS).includes('*'));
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function isPlainRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Tokenization.isResolvable(value);
}

function isPlainRecordOrUndefined(value: unknown): boolean {
  return value === undefined || isPlainRecord(value);
}

function isConstruct(value: unknown): value is IConstruct {
  return typeof value === 'object' && value !== null && 'node' in value;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
