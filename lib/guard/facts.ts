import { CfnResource, Reference, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { EncryptionMode } from '../encryption-mode';
import { BucketResourceTest } from '../policy-matchers';
import { isPlainRecord } from '../private/validate';
import { ServerSideEncryption } from '../server-side-encryption';
import { AppIndex } from './app-index';
import { BucketView, classifyKeyName, isLiteralBucketArn, KeyKind, KeyView, PolicyView, RuleView, statementsOf } from './bucket-view';
import { logDeliveryReason } from './log-delivery';
import { policyNotFixedReason } from './remediation';

/*
 * What EncryptionGuard reads from the constructs of one bucket: its encryption rules, the keys
 * they name, and its bucket policies, as the view that the checks read (bucket-view.ts). Nothing
 * here judges or changes anything.
 */

/** One default encryption rule, with its key name as written and resolved. */
interface RuleFacts extends RuleView {
  /** `KMSMasterKeyID` as written (a token stays a token, so a reference to a key can be followed). */
  readonly rawKey?: unknown;
}

/** What a rule's KMSMasterKeyID refers to. */
export interface KeyReference {
  readonly kind: KeyKind;
  /** The key, when it is defined in the app. */
  readonly cfnKey?: kms.CfnKey;
}

/**
 * The view of a bucket as it is now, for the checks; call again after remediation to see the
 * fixed bucket. `logDeliveryScopes` are the guard's `logDeliveryBuckets`.
 */
export function readBucketView(bucket: s3.CfnBucket, policies: BucketPolicies, customerProvided: boolean,
  logDeliveryScopes: readonly IConstruct[]): BucketView {
  const encryption = readEncryption(bucket);
  const keys = encryption.readable ? encryption.rules.map((r) => keyView(analyzeKey(bucket, r.rawKey, r.key))) : [];
  return {
    resourceType: bucket.cfnResourceType,
    encryption: {
      readable: encryption.readable,
      rules: encryption.rules.map(({ algorithm, key, blocked }) => ({ algorithm, key, blocked })),
    },
    keys,
    policy: policies,
    customerProvided,
    logDeliveryReason: () => {
      const scopes = bucket.node.scopes;
      if (logDeliveryScopes.some((scope) => scopes.includes(scope))) return 'it is listed in logDeliveryBuckets';
      return logDeliveryReason(policies.statements(), () => logSourceName(bucket));
    },
    policyNotFixedReason: () => policyNotFixedReason(bucket, policies.policies()),
  };
}

/** The key as the checks see it: a key defined in the app by its construct path. */
function keyView(reference: KeyReference): KeyView {
  const cfnKey = reference.cfnKey;
  if (!cfnKey) return { kind: reference.kind };
  const stack = Stack.of(cfnKey);
  return {
    kind: reference.kind,
    defined: {
      name: cfnKey.node.path,
      enableKeyRotation: stack.resolve(cfnKey.enableKeyRotation),
      rotationUnresolved: Token.isUnresolved(cfnKey.enableKeyRotation),
      policyStatements: () => statementsOf(stack.resolve(cfnKey.keyPolicy instanceof iam.PolicyDocument
        ? cfnKey.keyPolicy.toJSON() : cfnKey.keyPolicy)),
    },
  };
}

/** The bucket of the app (or itself) that delivers its S3 server access logs to this bucket, by path. */
function logSourceName(bucket: s3.CfnBucket): string | undefined {
  const source = AppIndex.of(bucket).logSourcesOf(bucket)[0];
  if (!source) return undefined;
  return source === bucket ? 'itself' : (source.node.scope ?? source).node.path;
}

/** The s3.Bucket whose default child this CfnBucket is. */
export function l2BucketOf(bucket: s3.CfnBucket): s3.Bucket | undefined {
  const scope = bucket.node.scope;
  return scope instanceof s3.Bucket && scope.node.defaultChild === bucket ? scope : undefined;
}

/**
 * Whether the bucket is meant for SSE-C: an SSE-C `EncryptedBucket`, or in one of the scopes listed
 * in `customerProvidedBuckets`.
 */
export function isMeantForSseC(bucket: IConstruct, customerProvidedScopes: readonly IConstruct[]): boolean {
  const l2Bucket = bucket instanceof s3.CfnBucket ? l2BucketOf(bucket) : undefined;
  if (l2Bucket && isEncryptedBucket(l2Bucket) && l2Bucket.serverSideEncryption.mode === EncryptionMode.CUSTOMER_PROVIDED) {
    return true;
  }
  const scopes = bucket.node.scopes;
  return customerProvidedScopes.some((scope) => scopes.includes(scope));
}

/** Whether the L2 bucket is an `EncryptedBucket` (of any copy of this library). */
export function isEncryptedBucket(bucket: s3.Bucket): bucket is s3.Bucket & { serverSideEncryption: ServerSideEncryption } {
  return ServerSideEncryption.isServerSideEncryption((bucket as { serverSideEncryption?: unknown }).serverSideEncryption);
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
        key: rule?.serverSideEncryptionByDefault?.kmsMasterKeyId,
        rawKey: rawDefault ? rawDefault.kmsMasterKeyId : rule?.serverSideEncryptionByDefault?.kmsMasterKeyId,
        blocked: Array.isArray(blocked) ? blocked : undefined,
      };
    }),
  };
}

/** Follows a KMSMasterKeyID to the key it names: by reference, by literal value, or by logical id. */
export function analyzeKey(bucket: s3.CfnBucket, raw: unknown, resolved: unknown): KeyReference {
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
  const { kind, logicalId } = classifyKeyName(resolved);
  if (logicalId === undefined) return { kind };
  // An intrinsic written by hand: look the key up by logical id in the bucket's stack.
  const cfnKey = AppIndex.of(bucket).keyByLogicalId(Stack.of(bucket), logicalId);
  return cfnKey ? { kind, cfnKey } : { kind: 'unknown' };
}

/**
 * The bucket policies of one bucket while the guard judges it: found once in the app's index,
 * their statements resolved once, until remediation changes them (`changed()`).
 *
 * `some` first reads the statements as written, without resolving them, when nothing but their
 * `Resource` entries holds a token (the common case: `enforceSSL`, the header statements of
 * SSE-S3). A `Resource` token that is this bucket's own ARN (or its objects ARN) is recognized as
 * such; any other token is resolved and compared as before. Resolution replaces tokens and
 * nothing else, so the answer is the one the resolved statements give, without resolving every
 * statement of every bucket (which cost more than the rest of the checks together).
 */
export class BucketPolicies implements PolicyView {
  private found?: s3.CfnBucketPolicy[];
  private resolved?: Array<{ readonly policy: s3.CfnBucketPolicy; readonly statement: unknown }>;
  /** The statements as written; null when one of them holds a token outside its Resource. */
  private written?: Array<{ readonly policy: s3.CfnBucketPolicy; readonly statement: unknown }> | null;
  private readonly tests = new Map<Stack, BucketResourceTest>();
  private ownArnTokens?: { readonly bucket: ReadonlySet<string>; readonly objects: ReadonlySet<string> };

  constructor(private readonly bucket: s3.CfnBucket, private readonly l2Bucket: s3.Bucket | undefined) {}

  /** Every CfnBucketPolicy in the app whose Bucket is this bucket, in construct-tree order. */
  public policies(): s3.CfnBucketPolicy[] {
    this.found ??= AppIndex.of(this.bucket).policiesOf(this.bucket, this.l2Bucket);
    return this.found;
  }

  /** Their statements, resolved. */
  public statements(): unknown[] {
    return this.statementsWithPolicy().map(({ statement }) => statement);
  }

  /** The Sids of the statements (read as written when only Resource entries hold tokens). */
  public sids(): Set<string> {
    const statements = this.statementsAsWritten() ?? this.statementsWithPolicy();
    const sids = new Set<string>();
    for (const { statement } of statements) {
      if (isPlainRecord(statement) && typeof statement.Sid === 'string') sids.add(statement.Sid);
    }
    return sids;
  }

  /** Whether any statement matches, its Resource entries compared with this bucket's ARNs. */
  public some(matches: (statement: unknown, isBucketResource: BucketResourceTest) => boolean): boolean {
    const written = this.statementsAsWritten();
    if (written) {
      return written.some(({ policy, statement }) => matches(statement, this.writtenResourceTest(policy)));
    }
    return this.statementsWithPolicy().some(({ policy, statement }) => matches(statement, this.resourceTest(policy)));
  }

  /** To be called after a statement was added to a policy of the bucket, or a policy created. */
  public changed(): void {
    const created = this.l2Bucket?.policy?.node.defaultChild;
    if (created instanceof s3.CfnBucketPolicy) AppIndex.of(this.bucket).addPolicy(created);
    this.found = undefined;
    this.resolved = undefined;
    this.written = undefined;
  }

  private statementsWithPolicy(): Array<{ readonly policy: s3.CfnBucketPolicy; readonly statement: unknown }> {
    this.resolved ??= this.policies().flatMap((policy) => resolvedStatements(policy).map((statement) => ({ policy, statement })));
    return this.resolved;
  }

  private statementsAsWritten(): Array<{ readonly policy: s3.CfnBucketPolicy; readonly statement: unknown }> | null {
    if (this.written !== undefined) return this.written;
    const all: Array<{ readonly policy: s3.CfnBucketPolicy; readonly statement: unknown }> = [];
    for (const policy of this.policies()) {
      const statements = writtenStatements(policy);
      if (!statements) {
        this.written = null;
        return null;
      }
      for (const statement of statements) all.push({ policy, statement });
    }
    this.written = all;
    return all;
  }

  private resourceTest(policy: s3.CfnBucketPolicy): BucketResourceTest {
    const stack = Stack.of(policy);
    let test = this.tests.get(stack);
    if (!test) {
      test = bucketResourceTest(this.bucket, stack);
      this.tests.set(stack, test);
    }
    return test;
  }

  /**
   * For a Resource entry as written: this bucket's own ARN tokens are recognized by their text;
   * anything else is compared as the resolved test compares it (a token is resolved first).
   */
  private writtenResourceTest(policy: s3.CfnBucketPolicy): BucketResourceTest {
    return (resource, objects) => {
      if (typeof resource === 'string') {
        const own = this.ownArns();
        // The bucket's ARN is not the ARN of its objects, and the other way round.
        if (own.bucket.has(resource)) return !objects;
        if (own.objects.has(resource)) return objects;
        if (!Token.isUnresolved(resource)) return this.resourceTest(policy)(resource, objects);
      }
      return this.resourceTest(policy)(Stack.of(policy).resolve(resource), objects);
    };
  }

  /** The texts of the tokens that stand for this bucket's ARN, and for the ARN of all of its objects. */
  private ownArns(): { readonly bucket: ReadonlySet<string>; readonly objects: ReadonlySet<string> } {
    if (!this.ownArnTokens) {
      const arns = [this.bucket.attrArn, ...(this.l2Bucket ? [this.l2Bucket.bucketArn] : [])].filter((a) => Token.isUnresolved(a));
      this.ownArnTokens = { bucket: new Set(arns), objects: new Set(arns.map((a) => `${a}/*`)) };
    }
    return this.ownArnTokens;
  }
}

/**
 * Compares Resource entries with the bucket's ARNs as a policy of `stack` writes them. The bucket
 * ARN is resolved once; the objects ARN is first recognized as the join of that ARN and `/*` (what
 * `arnForObjects('*')` renders), and only otherwise compared with the resolved `<ARN>/*`.
 */
function bucketResourceTest(bucket: s3.CfnBucket, stack: Stack): BucketResourceTest {
  let arnText: string | undefined;
  let objectsText: string | undefined;
  const name = bucket.bucketName;
  const literalName = typeof name === 'string' && !Token.isUnresolved(name) ? name : undefined;
  return (resource, objects) => {
    arnText ??= JSON.stringify(stack.resolve(bucket.attrArn));
    const text = JSON.stringify(resource);
    if (!objects && text === arnText) return true;
    if (objects) {
      if (isJoinWithObjectsSuffix(resource, arnText)) return true;
      objectsText ??= JSON.stringify(stack.resolve(`${bucket.attrArn}/*`));
      if (text === objectsText) return true;
    }
    return literalName !== undefined && isLiteralBucketArn(resource, literalName, objects);
  };
}

/** Whether `resource` is `{"Fn::Join": ["", [<the ARN whose JSON is arnText>, "/*"]]}`. */
function isJoinWithObjectsSuffix(resource: unknown, arnText: string): boolean {
  if (!isPlainRecord(resource) || Object.keys(resource).length !== 1) return false;
  const join = resource['Fn::Join'];
  return Array.isArray(join) && join.length === 2 && join[0] === '' && Array.isArray(join[1]) && join[1].length === 2 &&
    join[1][1] === '/*' && JSON.stringify(join[1][0]) === arnText;
}

/**
 * The statements of a bucket policy as written (an L2 document rendered, not resolved), or
 * undefined when the document or a statement holds a token anywhere but in its Resource entries.
 */
function writtenStatements(policy: s3.CfnBucketPolicy): unknown[] | undefined {
  const document = policy.policyDocument;
  const json = document instanceof iam.PolicyDocument ? document.toJSON() : document;
  if (json === undefined) return [];
  if (!isLiteralObject(json) || !isTokenFree(json.Version)) return undefined;
  const statements = json.Statement === undefined ? [] : json.Statement;
  if (!Array.isArray(statements) || Token.isUnresolved(statements)) return undefined;
  for (const statement of statements) {
    if (!isLiteralObject(statement)) return undefined;
    for (const [key, value] of Object.entries(statement)) {
      if (Token.isUnresolved(key)) return undefined;
      const free = key === 'Resource' ? isResourceAsWritten(value) : isTokenFree(value);
      if (!free) return undefined;
    }
  }
  return statements;
}

/** A Resource element of strings (each may be a token string), not itself a token. */
function isResourceAsWritten(value: unknown): boolean {
  if (typeof value === 'string') return true;
  return Array.isArray(value) && !Token.isUnresolved(value) && value.every((entry) => typeof entry === 'string');
}

/** Whether a value holds no token at all: literal strings, numbers and booleans, in plain arrays and objects. */
function isTokenFree(value: unknown): boolean {
  if (value === undefined || value === null || typeof value === 'boolean') return true;
  if (typeof value === 'string' || typeof value === 'number') return !Token.isUnresolved(value);
  if (Array.isArray(value)) return !Token.isUnresolved(value) && value.every(isTokenFree);
  if (isLiteralObject(value)) return Object.entries(value).every(([k, v]) => !Token.isUnresolved(k) && isTokenFree(v));
  return false;
}

/** An object literal (no class instance, no resolvable value). */
function isLiteralObject(value: unknown): value is Record<string, unknown> {
  if (!isPlainRecord(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The statements of a bucket policy, resolved, without freezing or merging an L2 document. */
function resolvedStatements(policy: s3.CfnBucketPolicy): unknown[] {
  const document = policy.policyDocument;
  const json = document instanceof iam.PolicyDocument ? document.toJSON() : document;
  return statementsOf(Stack.of(policy).resolve(json));
}
